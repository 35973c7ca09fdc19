"""Issue 10, 7b: the 历史记录 tab withholds staff-only fields from enterprise users (a visit's internal notes),
and the audit trail of accounts is read by the audit administrator only, never by the system administrator
who manages them (三权分立).

On the fixed personas (chaindesk/testkit/personas.py): `p_liaison` visits our enterprise, whose enterprise user
is `p_ent_user`; `p_sysadmin` manages the accounts, `p_auditor` reads their trail."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from chaindesk.core import clock
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.core.privacy import staff_fields_hidden_from
from chaindesk.liaison import services as liaison_services
from chaindesk.liaison.models import Visit

pytestmark = pytest.mark.django_db

NOTES = "内部研判：企业现金流紧张，暂缓推荐贷款"
CORRECTED = "内部研判（更正）：企业拟迁往外市，需市领导出面"


@pytest.fixture
def login_as(personas: Any) -> Callable[[str], Client]:
    """A test client logged in as the persona named by its key (force_login: no password hashing)."""

    def make(key: str) -> Client:
        client = Client()
        client.force_login(personas.user(key))
        return client

    return make


@pytest.fixture
def visit(personas: Any) -> Visit:
    liaison = personas.liaison
    visit = liaison_services.visit_create(
        actor=liaison, enterprise=personas.ours.enterprise, visited_on=clock.today() - dt.timedelta(days=2), notes=NOTES
    )
    return liaison_services.visit_update(
        actor=liaison, visit=visit, visited_on=visit.visited_on, kind=visit.kind, notes=CORRECTED
    )


def test_enterprise_user_sees_the_visit_history_without_its_notes(
    visit: Visit, login_as: Callable[[str], Client]
) -> None:
    url = f"/system/history/liaison/visit/{visit.pk}/"
    own = login_as("ent_user").get(url)
    assert own.status_code == 200  # the visit itself is theirs to see (date, kind, who came), as on its page
    page = own.content.decode()
    assert NOTES not in page and CORRECTED not in page
    assert "内部信息，不予显示" in page
    staff = login_as("liaison").get(url).content.decode()
    assert NOTES in staff and CORRECTED in staff


def test_staff_only_fields_are_declared_on_the_models(personas: Any) -> None:
    from chaindesk.demands.models import Task  # noqa: PLC0415
    from chaindesk.liaison.models import NextStep, VisitIssue  # noqa: PLC0415

    ent_user, liaison = personas.ent_user, personas.liaison
    assert staff_fields_hidden_from(Visit, ent_user) == {"notes"}
    assert {"instructions", "escalation"} <= staff_fields_hidden_from(Task, ent_user)
    assert staff_fields_hidden_from(VisitIssue, ent_user) == {"text"}
    assert "text" in staff_fields_hidden_from(NextStep, ent_user)
    assert staff_fields_hidden_from(Visit, liaison) == frozenset()


def test_system_admin_manages_accounts_but_cannot_read_their_history(
    login_as: Callable[[str], Client], personas: Any
) -> None:
    liaison = personas.liaison
    sysadmin = login_as("sysadmin")
    assert sysadmin.get(f"/system/users/{liaison.pk}/").status_code == 200  # still manages the account
    url = f"/system/history/accounts/user/{liaison.pk}/"
    assert sysadmin.get(url).status_code == 404
    assert sysadmin.get(f"/system/history/accounts/user/{personas.sysadmin.pk}/").status_code == 404
    denied = AuditLog.objects.filter(action=AuditAction.PERMISSION_DENIED, actor=personas.sysadmin)
    assert denied.filter(object_id=str(liaison.pk)).exists()
    assert login_as("auditor").get(url).status_code == 200
    assert login_as("liaison").get(url).status_code == 404  # nor the account holder: the trail is the auditor's
