"""Login, lock-out, password rules, idle timeout, and that each of them leaves an audit line.

On the fixed personas (chaindesk/testkit/personas.py), whose accounts all take `PASSWORD`: `p_liaison` is the one
who logs in, `p_district` and `p_member` are other accounts; `p_sysadmin` manages them, `p_auditor` is out of its
reach (三权分立)."""

import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from chaindesk.accounts import lockout, services
from chaindesk.accounts.choices import Role
from chaindesk.accounts.middleware import LAST_SEEN
from chaindesk.accounts.models import User
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.testkit.personas import PASSWORD

LOGIN = "/accounts/login/"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _login(client: Client, username: str, password: str, ip: str = "10.0.0.1"):  # noqa: ANN202
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_login_and_logout_are_audited_with_address_and_request_id(personas):
    client = Client()
    response = _login(client, "p_liaison", PASSWORD, ip="192.0.2.7")
    assert response.status_code == 302
    assert response.url == "/"
    entry = AuditLog.objects.filter(action=AuditAction.LOGIN, actor_name="p_liaison").first()
    assert entry.ip == "192.0.2.7"
    assert len(entry.request_id) == 32
    assert entry.actor.username == "p_liaison"
    client.post("/accounts/logout/", REMOTE_ADDR="192.0.2.7")
    assert AuditLog.objects.filter(action=AuditAction.LOGOUT, actor_name="p_liaison").exists()
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_wrong_password_shows_chinese_message_and_is_audited(personas):
    response = _login(Client(), "p_liaison", "wrong-password-123")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert AuditLog.objects.filter(action=AuditAction.LOGIN_FAILED, actor_name="p_liaison").count() == 1


@pytest.mark.django_db
def test_username_is_case_insensitive(personas):
    assert _login(Client(), "P_Liaison", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_five_failures_lock_the_account_even_with_the_right_password(personas):
    for i in range(5):
        _login(Client(), "p_liaison", f"wrong-{i}-password", ip=f"198.51.100.{i}")
    response = _login(Client(), "p_liaison", PASSWORD, ip="198.51.100.99")
    assert response.status_code == 200
    assert "已被锁定15分钟" in response.content.decode()
    assert AuditLog.objects.filter(action=AuditAction.LOGIN_LOCKED, actor_name="p_liaison").count() == 1
    assert not AuditLog.objects.filter(action=AuditAction.LOGIN, actor_name="p_liaison").exists()
    # another account from a fresh address is not affected
    assert _login(Client(), "p_district", PASSWORD, ip="198.51.100.100").status_code == 302


@pytest.mark.django_db
def test_fifth_failure_itself_says_locked(personas):
    for i in range(4):
        _login(Client(), "p_member", f"bad-{i}-password", ip=f"203.0.113.{i}")
    response = _login(Client(), "p_member", "bad-4-password", ip="203.0.113.4")
    assert "已被锁定" in response.content.decode()


@pytest.mark.django_db
def test_five_failures_from_one_address_lock_that_address_for_every_account(personas):
    for name in ["a1", "a2", "a3", "a4", "a5"]:
        _login(Client(), name, "whatever-password", ip="203.0.113.50")
    response = _login(Client(), "p_district", PASSWORD, ip="203.0.113.50")
    assert "已被锁定" in response.content.decode()
    assert _login(Client(), "p_district", PASSWORD, ip="203.0.113.51").status_code == 302


@pytest.mark.django_db
def test_failures_outside_the_window_do_not_count(personas, settings):
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 0
    for i in range(6):
        _login(Client(), "p_liaison", f"wrong-{i}-password")
    assert lockout.account_failures("p_liaison") == 0
    assert _login(Client(), "p_liaison", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_successful_login_resets_the_account_counter(personas):
    for i in range(3):
        _login(Client(), "p_liaison", f"wrong-{i}-password", ip=f"192.0.2.{i}")
    assert lockout.account_failures("p_liaison") == 3
    _login(Client(), "p_liaison", PASSWORD, ip="192.0.2.40")
    assert lockout.account_failures("p_liaison") == 0


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1!short", "太短"),
        ("1234567890123", "只包含数字"),
        ("password123", "太常见"),
    ],
)
def test_password_rules_have_chinese_messages(password, message):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        validate_password(password, User(username="someone", display_name="某人"))
    assert any(message in m for m in exc.value.messages), exc.value.messages


@pytest.mark.django_db
def test_user_create_enforces_rules_and_scope(personas):
    admin = personas.sysadmin
    with pytest.raises(ValidationError):
        services.user_create(actor=admin, username="x1", display_name="甲", role=Role.LIAISON, password="123")
    with pytest.raises(ValidationError):
        services.user_create(
            actor=admin, username="x2", display_name="乙", role=Role.DEPT_HANDLER, password="Longer-pass-Qx7"
        )
    assert not User.objects.filter(username__in=["x1", "x2"]).exists()
    user = services.user_create(
        actor=admin, username="X3", display_name="丙", role=Role.LIAISON, password="Longer-pass-Qx7"
    )
    assert user.username == "x3"
    entry = AuditLog.objects.for_object(user).get()
    assert entry.action == AuditAction.CREATE
    assert entry.actor == admin
    assert "password" not in entry.after
    assert entry.after["role"] == "liaison"


@pytest.mark.django_db
def test_idle_session_is_ended_after_30_minutes(personas, settings):
    client = _client(personas.liaison)
    assert client.get("/").status_code == 200
    session = client.session
    session[LAST_SEEN] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 5
    session.save()
    response = client.get("/enterprises/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert client.get("/").status_code == 302  # logged out for good


@pytest.mark.django_db
def test_active_session_survives(personas):
    client = _client(personas.liaison)
    for _ in range(3):
        assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_inactive_user_cannot_log_in(personas):
    user = personas.liaison
    services.user_update(actor=personas.sysadmin, user=user, is_active=False)
    response = _login(Client(), "p_liaison", PASSWORD)
    assert response.status_code == 200
    assert "不正确" in response.content.decode()


@pytest.mark.django_db
def test_system_admin_cannot_touch_audit_admin_accounts(personas):
    admin, auditor = personas.sysadmin, personas.auditor
    with pytest.raises(ValidationError, match="三权分立"):
        services.user_set_password(actor=admin, user=auditor, password="Another-pass-Qx7")
    with pytest.raises(ValidationError, match="三权分立"):
        services.user_update(actor=admin, user=auditor, is_active=False)
    with pytest.raises(ValidationError, match="三权分立"):
        services.user_update(actor=admin, user=personas.liaison, role=Role.AUDIT_ADMIN)
    with pytest.raises(ValidationError, match="三权分立"):
        services.user_create(
            actor=admin, username="aud2", display_name="审", role=Role.AUDIT_ADMIN, password="Longer-pass-Qx7"
        )
    auditor.refresh_from_db()
    assert auditor.is_active and auditor.check_password(PASSWORD)
    assert User.objects.get(pk=personas.liaison.pk).role == Role.LIAISON


@pytest.mark.django_db
def test_deactivating_the_auditor_from_the_page_is_refused_with_a_message(personas):
    auditor = personas.auditor
    response = _client(personas.sysadmin).post(f"/system/users/{auditor.pk}/active/", {"active": "0"}, follow=True)
    assert response.status_code == 200
    assert "三权分立" in response.content.decode()
    auditor.refresh_from_db()
    assert auditor.is_active
