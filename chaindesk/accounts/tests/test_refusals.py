"""Issue 10, 7e: every refusal leaves an audit line (三权分立 refusals, choices outside a form's offer, CSRF
failures), /django-admin/'s login goes through the same lock-out, and weak passwords are refused."""

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from chaindesk.accounts import services
from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import User
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.demo.city import DEMO_PASSWORD

STRONG = "Lotus-Ledger-kq7"


def _denials(username: str) -> Any:
    return AuditLog.objects.filter(action=AuditAction.PERMISSION_DENIED, actor__username=username)


@pytest.mark.django_db
def test_system_admin_refused_changes_to_the_audit_admin_are_audited(persona: Callable[[str], Any]) -> None:
    admin, auditor = persona("sysadmin"), persona("auditor")
    attempts = [
        lambda: services.user_set_password(actor=admin, user=auditor, password=STRONG),
        lambda: services.user_update(actor=admin, user=auditor, is_active=False),
        lambda: services.user_update(actor=admin, user=persona("liming"), role=Role.AUDIT_ADMIN),
        lambda: services.user_create(
            actor=admin, username="aud2", display_name="审", role=Role.AUDIT_ADMIN, password=STRONG
        ),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError, match="三权分立"):
            attempt()
    lines = _denials("sysadmin")
    assert lines.count() == 4
    assert lines.filter(object_id=str(auditor.pk)).count() == 2
    assert all("三权分立" in line.message for line in lines)
    auditor.refresh_from_db()
    assert auditor.is_active and not User.objects.filter(username="aud2").exists()


@pytest.mark.django_db
def test_refusal_from_the_page_is_audited(client_as: Callable[..., Client], persona: Callable[[str], Any]) -> None:
    auditor = persona("auditor")
    client_as("sysadmin").post(f"/system/users/{auditor.pk}/active/", {"active": "0"})
    assert _denials("sysadmin").filter(object_id=str(auditor.pk)).count() == 1


@pytest.mark.django_db
def test_a_choice_outside_the_form_offer_is_audited_with_the_field(
    client_as: Callable[..., Client], persona: Callable[[str], Any]
) -> None:
    target = persona("liming")
    data = {"display_name": "李明", "role": "superuser", "region": str(target.region_id), "is_active": "on"}
    response = client_as("sysadmin").post(f"/system/users/{target.pk}/", data)
    assert response.status_code == 200  # the form says what is wrong, nothing is written
    target.refresh_from_db()
    assert target.role == Role.LIAISON
    line = _denials("sysadmin").get()
    assert "UserUpdateForm.role" in line.message and "superuser" in line.message
    # a valid choice leaves no such line
    client_as("sysadmin").post(f"/system/users/{target.pk}/", {**data, "role": "liaison"})
    assert _denials("sysadmin").count() == 1


@pytest.mark.django_db
def test_csrf_failure_is_audited_and_explained() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "liming", "password": "x"}, REMOTE_ADDR="192.0.2.88")
    assert response.status_code == 403
    line = AuditLog.objects.get(action=AuditAction.PERMISSION_DENIED, ip="192.0.2.88")
    assert line.message.startswith("CSRF POST /accounts/login/")
    assert not AuditLog.objects.filter(action=AuditAction.LOGIN_FAILED, ip="192.0.2.88").exists()


# --- /django-admin/ login and the lock-out --------------------------------------------------------------------

ADMIN_LOGIN = "/django-admin/login/?next=/django-admin/"


def _admin_login(username: str, password: str, ip: str) -> Any:
    return Client().post(ADMIN_LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_admin_login_is_refused_after_the_failure_limit(settings: Any) -> None:
    User.objects.create_superuser(username="root-lock", password=STRONG, display_name="root", role=Role.SYS_ADMIN)
    assert _admin_login("root-lock", STRONG, "192.0.2.60").status_code == 302  # the admin login works
    for i in range(settings.LOGIN_FAILURE_LIMIT):
        assert _admin_login("root-lock", f"wrong-{i}", f"192.0.2.{70 + i}").status_code == 200
    refused = _admin_login("root-lock", STRONG, "192.0.2.99")
    assert refused.status_code == 200  # the right password, but the account is locked
    assert AuditLog.objects.filter(action=AuditAction.LOGIN_LOCKED, actor_name="root-lock").count() == 1
    assert AuditLog.objects.filter(action=AuditAction.LOGIN, actor_name="root-lock").count() == 1  # the first


@pytest.mark.django_db
def test_admin_login_failures_lock_the_product_login_too() -> None:
    for i in range(5):
        _admin_login("zhoutao", f"wrong-{i}", "203.0.113.80")
    response = Client().post(
        "/accounts/login/", {"username": "zhoutao", "password": DEMO_PASSWORD}, REMOTE_ADDR="203.0.113.81"
    )
    assert "已被锁定" in response.content.decode()


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
def test_demo_loader_may_set_the_demo_password_but_people_may_not(persona: Callable[[str], Any]) -> None:
    assert persona("liming").check_password(DEMO_PASSWORD)  # the demo city loaded (tests, dev)
    with pytest.raises(ValueError, match="unattended"):
        services.user_create(
            actor=persona("sysadmin"),
            username="cheat",
            display_name="甲",
            role=Role.LIAISON,
            password=DEMO_PASSWORD,
            check_password=False,
        )
    with pytest.raises(ValidationError):
        services.user_set_password(actor=persona("sysadmin"), user=persona("liming"), password="taizhou2026")
