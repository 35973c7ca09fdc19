"""本部门任务 declared once (resources_tasks.TASKS): the queue page's filter bar and columns, the 部门交办任务台账
export's headers and rows, and the filters that parse the URL all come from the one declaration; bad values
are ignored (never a server error); the ledger keeps the staff-only fields from readers who may not read them."""

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from chaindesk.accounts.models import User
from chaindesk.core import clock
from chaindesk.demands import services
from chaindesk.demands.choices import OPEN_TASK, DemandStatus, Escalation, TaskStatus
from chaindesk.demands.models import Demand, Task
from chaindesk.demands.resources_tasks import TASKS
from chaindesk.demands.workdays import add_workdays

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

HANDLER = "chenjing"  # 自然资源和规划局
SECRET = "内部交办：先核实用地红线再答复企业"


@pytest.fixture
def queue(make_demand: Callable[..., Demand], make_task: Callable[..., Task], persona: Callable[[str], User]) -> Task:
    """A signed, overdue 主办 task of 自然资源和规划局 marked 预警 (co-handled by 发改委), and a 协办 one."""
    led = make_task(make_demand(status=DemandStatus.ACCEPTED, title="主办的事项"), co=("fgw",), instructions=SECRET)
    services.task_sign(task=led, actor=persona(HANDLER))
    Task.objects.filter(pk=led.pk).update(escalation=Escalation.WARNED, deadline=add_workdays(clock.today(), -1))
    make_task(make_demand(status=DemandStatus.ACCEPTED, title="协办的事项"), department_code="fgw", co=("zrzy",))
    return Task.objects.select_related("demand__enterprise", "demand__category", "lead_department", "handler").get(
        pk=led.pk
    )


def _headers(page: str) -> list[str]:
    thead = re.search(r'data-testid="task-table">\s*<thead>(.*?)</thead>', page, re.S)
    assert thead is not None
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<th[^>]*>(.*?)</th>", thead.group(1))]


def _ledger(client: Client, query: str = "") -> tuple[list[Any], list[list[Any]]]:
    response = client.get(reverse("demands:tasks_export") + query)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = next(i for i, r in enumerate(rows) if r[0] == "诉求事项")
    return rows[header], rows[header + 1 :]


def test_the_page_shows_the_declared_filters_and_columns(client_as: Callable[[str], Client], queue: Task) -> None:
    client = client_as(HANDLER)
    lead = client.get(reverse("demands:tasks")).content.decode()
    names = re.findall(r'name="([a-z_]+)"', lead.split('data-testid="task-filters"')[1].split("</form>")[0])
    assert names == list(TASKS.filter_names)
    shown = [str(c.page_label) for c in TASKS.page_columns()]
    assert _headers(lead) == [h for h in shown if h != "主办部门"]  # the 主办 side: always the reader's own
    co = client.get(reverse("demands:tasks") + "?side=co").content.decode()
    assert _headers(co) == shown
    assert 'data-testid="task-queue"' in lead and 'data-testid="task-export"' in lead
    assert (
        lead.count('data-testid="task-row"')
        == Task.objects.filter(lead_department__code="zrzy", status__in=OPEN_TASK).count()
    )
    assert '<tr data-testid="task-row" class="bg-red-lt">' in lead  # the overdue row is tinted


def test_the_export_has_the_declared_columns_and_the_rows_values(
    client_as: Callable[[str], Client], queue: Task
) -> None:
    header, rows = _ledger(client_as(HANDLER))
    assert header == [str(c.label) for c in TASKS.export_columns()]
    row = next(r for r in rows if r[0] == "主办的事项")
    task = queue
    assert row == [
        "主办的事项",
        task.demand.enterprise.name,
        str(task.demand.category),
        task.lead_department.name,
        task.co_departments.get().short_name,
        SECRET,
        10,
        f"{timezone.localtime(task.created_at):%Y-%m-%d}",
        task.deadline.isoformat(),
        -1,
        "预警",
        "办理中",
        str(task.handler),
        f"{timezone.localtime(task.signed_at):%Y-%m-%d %H:%M}",
        None,
    ]
    assert [r[0] for r in _ledger(client_as(HANDLER), "?side=co")[1]] == ["协办的事项"]


@pytest.mark.parametrize("query", ["?side=both", "?status=bogus", "?escalation=%00", "?status=%E2%91%A0&page=abc"])
def test_bad_values_are_ignored_by_the_declared_filters(
    client_as: Callable[[str], Client], queue: Task, query: str
) -> None:
    client = client_as(HANDLER)
    response = client.get(reverse("demands:tasks") + query)
    assert response.status_code == 200
    page = response.content.decode()
    assert "主办的事项" in page  # the default queue: 主办, open tasks, every mark
    assert 'data-testid="params-note"' in page  # the filter bar says which value it ignored
    assert client.get(reverse("demands:tasks_export") + query).status_code == 200


def test_the_filters_parse_through_the_declaration(client_as: Callable[[str], Client], queue: Task) -> None:
    assert TASKS.parse({"side": "co", "status": "all", "escalation": "warned"}) == {
        "side": "co",
        "status": "all",
        "escalation": "warned",
    }
    assert TASKS.parse({"side": "x", "status": "x", "escalation": "x"}) == dict.fromkeys(TASKS.filter_names)
    client = client_as(HANDLER)
    Task.objects.filter(pk=queue.pk).update(status=TaskStatus.DONE)
    assert "主办的事项" not in client.get(reverse("demands:tasks")).content.decode()  # open only by default
    assert "主办的事项" in client.get(reverse("demands:tasks") + "?status=all").content.decode()
    assert "主办的事项" in client.get(reverse("demands:tasks") + "?status=done&escalation=warned").content.decode()
    assert (
        "主办的事项" not in client.get(reverse("demands:tasks") + "?status=done&escalation=supervised").content.decode()
    )


def test_the_ledger_withholds_staff_only_fields_from_a_reader_who_may_not_read_them(
    queue: Task, persona: Callable[[str], User]
) -> None:
    columns = [c.key for c in TASKS.export_columns()]
    staff = dict(zip(columns, next(TASKS.ledger_rows([queue], persona(HANDLER))), strict=True))
    assert (staff["instructions"], staff["escalation"]) == (SECRET, "预警")
    fresh = Task.objects.select_related("demand__enterprise", "demand__category", "lead_department").get(pk=queue.pk)
    outside = dict(zip(columns, next(TASKS.ledger_rows([fresh], persona("liuyang"))), strict=True))
    assert (outside["instructions"], outside["escalation"]) == ("", "")
    assert outside["title"] == "主办的事项"
