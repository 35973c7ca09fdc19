"""Issue 10, 7e: every refusal leaves an audit line (三权分立 refusals, choices outside a form's offer, CSRF
failures), /django-admin/'s login goes through the same lock-out, and weak passwords are refused.

On the fixed personas (chaindesk/testkit/personas.py): `p_sysadmin` manages the accounts and is refused the audit
administrator's (`p_auditor`); `p_liaison` and `p_district` are the ordinary accounts it touches or that log in."""

from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from chaindesk.accounts import services
from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import User
from chaindesk.core import actors
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.demo.city import DEMO_PASSWORD
from chaindesk.testkit.personas import PASSWORD

STRONG = "Lotus-Ledger-kq7"


def _denials(username: str) -> Any:
    return AuditLog.objects.filter(action=AuditAction.PERMISSION_DENIED, actor__username=username)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_system_admin_refused_changes_to_the_audit_admin_are_audited(personas: Any) -> None:
    admin, auditor = personas.sysadmin, personas.auditor
    attempts = [
        lambda: services.user_set_password(actor=admin, user=auditor, password=STRONG),
        lambda: services.user_update(actor=admin, user=auditor, is_active=False),
        lambda: services.user_update(actor=admin, user=personas.liaison, role=Role.AUDIT_ADMIN),
        lambda: services.user_create(
            actor=admin, username="aud2", display_name="审", role=Role.AUDIT_ADMIN, password=STRONG
        ),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError, match="三权分立"):
            attempt()
    lines = _denials("p_sysadmin")
    assert lines.count() == 4
    assert lines.filter(object_id=str(auditor.pk)).count() == 2
    assert all("三权分立" in line.message for line in lines)
    auditor.refresh_from_db()
    assert auditor.is_active and not User.objects.filter(username="aud2").exists()
    assert User.objects.get(pk=personas.liaison.pk).role == Role.LIAISON


@pytest.mark.django_db
def test_refusal_from_the_page_is_audited(personas: Any) -> None:
    auditor = personas.auditor
    _client(personas.sysadmin).post(f"/system/users/{auditor.pk}/active/", {"active": "0"})
    assert _denials("p_sysadmin").filter(object_id=str(auditor.pk)).count() == 1
    auditor.refresh_from_db()
    assert auditor.is_active


@pytest.mark.django_db
def test_a_choice_outside_the_form_offer_is_audited_with_the_field(personas: Any) -> None:
    target, admin = personas.liaison, _client(personas.sysadmin)
    data = {"display_name": "测试专员", "role": "superuser", "region": str(target.region_id), "is_active": "on"}
    response = admin.post(f"/system/users/{target.pk}/", data)
    assert response.status_code == 200  # the form says what is wrong, nothing is written
    target.refresh_from_db()
    assert target.role == Role.LIAISON
    line = _denials("p_sysadmin").get()
    assert "UserUpdateForm.role" in line.message and "superuser" in line.message
    # a valid choice leaves no such line
    admin.post(f"/system/users/{target.pk}/", {**data, "role": "liaison"})
    assert _denials("p_sysadmin").count() == 1


@pytest.mark.django_db
def test_csrf_failure_is_audited_and_explained(personas: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    login = {"username": personas.liaison.username, "password": PASSWORD}
    response = client.post("/accounts/login/", login, REMOTE_ADDR="192.0.2.88")
    assert response.status_code == 403
    line = AuditLog.objects.get(action=AuditAction.PERMISSION_DENIED, ip="192.0.2.88")
    assert line.message.startswith("CSRF POST /accounts/login/")
    assert not AuditLog.objects.filter(action=AuditAction.LOGIN_FAILED, ip="192.0.2.88").exists()
    assert not AuditLog.objects.filter(action=AuditAction.LOGIN, ip="192.0.2.88").exists()  # nor a login


# --- /django-admin/ login: only through the product's sign-in (password, lock-out, second factor) --------------

ADMIN_LOGIN = "/django-admin/login/?next=/django-admin/"


def _admin_login(username: str, password: str, ip: str) -> Any:
    return Client().post(ADMIN_LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_admin_login_checks_nothing_and_sends_to_the_product_login(settings: Any) -> None:
    # Its own form would log in after the password alone, past the second factor (accounts.views.admin_login).
    User.objects.create_superuser(username="root-lock", password=STRONG, display_name="root", role=Role.SYS_ADMIN)
    response = _admin_login("root-lock", STRONG, "192.0.2.60")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/?next=")
    for i in range(settings.LOGIN_FAILURE_LIMIT):
        _admin_login("root-lock", f"wrong-{i}", f"192.0.2.{70 + i}")
    assert not AuditLog.objects.filter(actor_name="root-lock").exclude(action=AuditAction.CREATE).exists()
    # The product login takes the superuser (an administrator) on to its second factor, not in.
    client = Client()
    signed = client.post("/accounts/login/", {"username": "root-lock", "password": STRONG}, REMOTE_ADDR="192.0.2.61")
    assert signed.url == "/accounts/2fa/enrol/" and "_auth_user_id" not in client.session


# --- Password rules ------------------------------------------------------------------------------------------

PROBE = User(username="someone", display_name="某人")


@pytest.mark.parametrize(
    ("password", "message"),
    [
        (" " * 10, "空白字符"),
        ("1111111111a", "同一字符"),
        ("aaaaaaaaaaA1", "同一字符"),
        ("lowercase-only", "至少 3 类"),
        ("taizhou2026", "地名"),
        ("Xinghua#Lotus9", "地名"),
        ("JingJiang!Qx8", "地名"),
        ("Lotus#Ledger2019", "年份"),
    ],
)
def test_weak_passwords_are_refused_in_chinese(password: str, message: str) -> None:
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        validate_password(password, PROBE)
    assert any(message in m for m in exc.value.messages), exc.value.messages


def test_a_strong_password_passes() -> None:
    validate_password(STRONG, PROBE)
    validate_password("Qiao木-Ledger-8", PROBE)


def test_demo_password_is_refused_outside_debug(settings: Any) -> None:
    from chaindesk.demo.validators import DemoPasswordValidator  # noqa: PLC0415

    settings.DEBUG = False
    with pytest.raises(ValidationError, match="演示系统"):
        DemoPasswordValidator().validate(DEMO_PASSWORD)
    with pytest.raises(ValidationError):
        validate_password(DEMO_PASSWORD, PROBE)
    settings.DEBUG = True
    DemoPasswordValidator().validate(DEMO_PASSWORD)


@pytest.mark.django_db
def test_demo_loader_may_set_the_demo_password_but_people_may_not(personas: Any) -> None:
    loaded = services.user_create(  # as the demo loader does (the city-wide system actor DEMO)
        actor=actors.DEMO,
        username="p_loaded",
        display_name="演示账号",
        role=Role.LIAISON,
        password=DEMO_PASSWORD,
        check_password=False,
        region=personas.ours.region,
    )
    assert User.objects.get(pk=loaded.pk).check_password(DEMO_PASSWORD)
    with pytest.raises(ValueError, match="unattended"):
        services.user_create(
            actor=personas.sysadmin,
            username="cheat",
            display_name="甲",
            role=Role.LIAISON,
            password=DEMO_PASSWORD,
            check_password=False,
        )
    assert not User.objects.filter(username="cheat").exists()
    with pytest.raises(ValidationError):
        services.user_set_password(actor=personas.sysadmin, user=personas.liaison, password="taizhou2026")
    assert User.objects.get(pk=personas.liaison.pk).check_password(PASSWORD)


@pytest.mark.django_db
@pytest.mark.demo
def test_demo_city_accounts_carry_the_demo_password() -> None:
    """The demo smoke set: the demo city's logins take the printed demo password (tests, dev)."""
    assert User.objects.get(username="liming").check_password(DEMO_PASSWORD)
