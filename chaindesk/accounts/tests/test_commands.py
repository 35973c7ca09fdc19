import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chaindesk.accounts.models import User
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.demo import city


def test_createuser_creates_an_audited_account(personas):
    out = io.StringIO()
    call_command(
        "createuser",
        "--username",
        "Wuli",
        "--name",
        "吴丽",
        "--role",
        "liaison",
        "--region",
        personas.ours.region.code,
        "--password",
        "Longer-pass-Qx7",
        stdout=out,
    )
    user = User.objects.get(username="wuli")
    assert user.region == personas.ours.region and user.region.code == "329901"
    assert user.role == "liaison" and user.display_name == "吴丽" and user.check_password("Longer-pass-Qx7")
    assert AuditLog.objects.for_object(user).filter(action=AuditAction.CREATE).exists()
    assert "created wuli" in out.getvalue()


@pytest.mark.django_db
def test_createuser_refuses_weak_password_and_unknown_scope():
    with pytest.raises(CommandError, match="太短"):
        call_command("createuser", "--username", "a", "--name", "甲", "--role", "liaison", "--password", "short1")
    with pytest.raises(CommandError, match="找不到部门"):
        call_command(
            "createuser",
            "--username",
            "b",
            "--name",
            "乙",
            "--role",
            "dept_handler",
            "--department",
            "nope",
            "--password",
            "Longer-pass-Qx7",
        )
    with pytest.raises(CommandError, match="部门经办人必须指定所属部门"):
        call_command(
            "createuser", "--username", "c", "--name", "丙", "--role", "dept_handler", "--password", "Longer-pass-Qx7"
        )
    assert not User.objects.filter(username__in=["a", "b", "c"]).exists()


@pytest.mark.django_db
@pytest.mark.demo
def test_demo_command_is_idempotent_and_prints_logins():
    out = io.StringIO()
    call_command("demo", "--enterprises", "40", stdout=out)
    text = out.getvalue()
    assert "demo: nothing new" in text
    for role, username in city.DEMO_LOGINS:
        assert f"{role:<15} {username:<10} {city.DEMO_PASSWORD}" in text
    out = io.StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert "already has data" in out.getvalue()
