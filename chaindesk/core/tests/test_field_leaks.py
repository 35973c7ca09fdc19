"""Issue 10, 7b: the 历史记录 tab withholds staff-only fields from enterprise users (a visit's internal notes),
and the audit trail of accounts is read by the audit administrator only, never by the system administrator
who manages them (三权分立)."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from chaindesk.core import clock
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.core.privacy import staff_fields_hidden_from
from chaindesk.enterprises.models import Enterprise
from chaindesk.liaison import services as liaison_services
from chaindesk.liaison.models import Visit

pytestmark = pytest.mark.django_db

BOSHEN = "江苏博生医用新材料股份有限公司"
NOTES = "内部研判：企业现金流紧张，暂缓推荐贷款"
CORRECTED = "内部研判（更正）：企业拟迁往外市，需市领导出面"


@pytest.fixture
def visit(persona: Callable[[str], Any]) -> Visit:
    liming = persona("liming")
    boshen = Enterprise.objects.get(name=BOSHEN)
    visit = liaison_services.visit_create(
        actor=liming, enterprise=boshen, visited_on=clock.today() - dt.timedelta(days=2), notes=NOTES
    )
    return liaison_services.visit_update(
        actor=liming, visit=visit, visited_on=visit.visited_on, kind=visit.kind, notes=CORRECTED
    )


def test_enterprise_user_sees_the_visit_history_without_its_notes(visit: Visit, client_as: Callable[..., Any]) -> None:
    url = f"/system/history/liaison/visit/{visit.pk}/"
    own = client_as("liuyang").get(url)
    assert own.status_code == 200  # the visit itself is theirs to see (date, kind, who came), as on its page
    page = own.content.decode()
    assert NOTES not in page and CORRECTED not in page
    assert "内部信息，不予显示" in page
    staff = client_as("liming").get(url).content.decode()
    assert NOTES in staff and CORRECTED in staff


def test_staff_only_fields_are_declared_on_the_models(persona: Callable[[str], Any]) -> None:
    from chaindesk.demands.models import Task  # noqa: PLC0415
    from chaindesk.liaison.models import NextStep, VisitIssue  # noqa: PLC0415

    liuyang, liming = persona("liuyang"), persona("liming")
    assert staff_fields_hidden_from(Visit, liuyang) == {"notes"}
    assert {"instructions", "escalation"} <= staff_fields_hidden_from(Task, liuyang)
    assert staff_fields_hidden_from(VisitIssue, liuyang) == {"text"}
    assert "text" in staff_fields_hidden_from(NextStep, liuyang)
    assert staff_fields_hidden_from(Visit, liming) == frozenset()


def test_system_admin_manages_accounts_but_cannot_read_their_history(
    client_as: Callable[..., Any], persona: Callable[[str], Any]
) -> None:
    liming = persona("liming")
    sysadmin = client_as("sysadmin")
    assert sysadmin.get(f"/system/users/{liming.pk}/").status_code == 200  # still manages the account
    url = f"/system/history/accounts/user/{liming.pk}/"
    assert sysadmin.get(url).status_code == 404
    assert sysadmin.get(f"/system/history/accounts/user/{persona('sysadmin').pk}/").status_code == 404
    denied = AuditLog.objects.filter(action=AuditAction.PERMISSION_DENIED, actor__username="sysadmin")
    assert denied.filter(object_id=str(liming.pk)).exists()
    assert client_as("auditor").get(url).status_code == 200
    assert client_as("liming").get(url).status_code == 404  # nor the account holder: the trail is the auditor's
