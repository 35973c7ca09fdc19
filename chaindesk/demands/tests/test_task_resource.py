"""本部门任务 declared once (resources_tasks.TASKS): the queue page's filter bar and columns, the 部门交办任务台账
export's headers and rows, and the filters that parse the URL all come from the one declaration; bad values
are ignored (never a server error); the ledger keeps the staff-only fields from readers who may not read them.

On the fixed personas: `handler` works in 测试甲局 ("ours"), whose queue holds the world's own open task (our
demand's) and the tasks made here; 测试乙局 ("theirs") co-handles or leads the others."""

import datetime as dt
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
from chaindesk.demands.choices import DemandStatus, Escalation, TaskStatus
from chaindesk.demands.models import Demand, Task
from chaindesk.demands.resources_tasks import TASKS
from chaindesk.demands.workdays import is_provisional
from chaindesk.testkit.calendar import workdays_overdue
from chaindesk.testkit.html import headers
from chaindesk.testkit.personas import Personas

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

SECRET = "内部交办：先核实用地红线再答复企业"


@pytest.fixture
def queue(make_demand: Callable[..., Demand], make_task: Callable[..., Task], personas: Personas) -> Task:
    """A signed, overdue 主办 task of 测试甲局 marked 预警 (co-handled by 测试乙局), and a 协办 one led by 测试乙局."""
    led = make_task(make_demand(status=DemandStatus.ACCEPTED, title="主办的事项"), co=("theirs",), instructions=SECRET)
    services.task_sign(task=led, actor=personas.handler)
    Task.objects.filter(pk=led.pk).update(escalation=Escalation.WARNED, deadline=workdays_overdue(clock.today(), 1))
    make_task(make_demand(status=DemandStatus.ACCEPTED, title="协办的事项"), department="theirs", co=("ours",))
    return Task.objects.select_related("demand__enterprise", "demand__category", "lead_department", "handler").get(
        pk=led.pk
    )


def _headers(page: str) -> list[str]:
    return headers(page, "task-table")


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _ledger(client: Client, query: str = "") -> tuple[list[Any], list[list[Any]]]:
    response = client.get(reverse("demands:tasks_export") + query)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = next(i for i, r in enumerate(rows) if r[0] == "诉求事项")
    return rows[header], rows[header + 1 :]


def test_the_page_shows_the_declared_filters_and_columns(personas: Personas, queue: Task) -> None:
    client = _client(personas.handler)
    lead = client.get(reverse("demands:tasks")).content.decode()
    names = re.findall(r'name="([a-z_]+)"', lead.split('data-testid="task-filters"')[1].split("</form>")[0])
    assert names == list(TASKS.filter_names)
    shown = [str(c.page_label) for c in TASKS.page_columns()]
    assert _headers(lead) == [h for h in shown if h != "主办部门"]  # the 主办 side: always the reader's own
    co = client.get(reverse("demands:tasks") + "?side=co").content.decode()
    assert _headers(co) == shown
    assert 'data-testid="task-queue"' in lead and 'data-testid="task-export"' in lead
    # 测试甲局 leads two open tasks: the world's own (our demand's) and 主办的事项; 协办的事项 is on the co side.
    assert lead.count('data-testid="task-row"') == 2
    assert "主办的事项" in lead and personas.ours.demand.title in lead and "协办的事项" not in lead
    assert "协办的事项" in co and "主办的事项" not in co
    assert '<tr data-testid="task-row" class="bg-red-lt">' in lead  # the overdue row is tinted


def test_the_export_has_the_declared_columns_and_the_rows_values(personas: Personas, queue: Task) -> None:
    header, rows = _ledger(_client(personas.handler))
    assert header == [str(c.label) for c in TASKS.export_columns()]
    row = next(r for r in rows if r[0] == "主办的事项")
    task = queue
    assert row == [
        "主办的事项",
        "测试甲企业有限公司",
        "用地规划",  # the data migration's name of the category "land"
        "测试市测试甲局",
        "测试乙局",
        SECRET,
        10,
        dt.datetime.combine(timezone.localtime(task.created_at).date(), dt.time()),  # dates are Excel dates
        dt.datetime.combine(task.deadline, dt.time()),
        "预估" if is_provisional(task.deadline) else None,  # 期限依据: estimated past the published calendar
        -1,
        "预警",
        "办理中",
        "测试经办",  # the handler who signed
        timezone.localtime(task.signed_at).replace(tzinfo=None, second=0, microsecond=0),
        None,
    ]
    assert [r[0] for r in _ledger(_client(personas.handler), "?side=co")[1]] == ["协办的事项"]


@pytest.mark.parametrize("query", ["?side=both", "?status=bogus", "?escalation=%00", "?status=%E2%91%A0&page=abc"])
def test_bad_values_are_ignored_by_the_declared_filters(personas: Personas, queue: Task, query: str) -> None:
    client = _client(personas.handler)
    response = client.get(reverse("demands:tasks") + query)
    assert response.status_code == 200
    page = response.content.decode()
    assert "主办的事项" in page  # the default queue: 主办, open tasks, every mark
    assert 'data-testid="params-note"' in page  # the filter bar says which value it ignored
    assert client.get(reverse("demands:tasks_export") + query).status_code == 200


def test_the_filters_parse_through_the_declaration(personas: Personas, queue: Task) -> None:
    assert TASKS.parse({"side": "co", "status": "all", "escalation": "warned"}) == {
        "side": "co",
        "status": "all",
        "escalation": "warned",
    }
    assert TASKS.parse({"side": "x", "status": "x", "escalation": "x"}) == dict.fromkeys(TASKS.filter_names)
    client = _client(personas.handler)
    Task.objects.filter(pk=queue.pk).update(status=TaskStatus.DONE)
    assert "主办的事项" not in client.get(reverse("demands:tasks")).content.decode()  # open only by default
    assert "主办的事项" in client.get(reverse("demands:tasks") + "?status=all").content.decode()
    assert "主办的事项" in client.get(reverse("demands:tasks") + "?status=done&escalation=warned").content.decode()
    assert (
        "主办的事项" not in client.get(reverse("demands:tasks") + "?status=done&escalation=supervised").content.decode()
    )


def test_the_ledger_withholds_staff_only_fields_from_a_reader_who_may_not_read_them(
    queue: Task, personas: Personas
) -> None:
    columns = [c.key for c in TASKS.export_columns()]
    staff = dict(zip(columns, next(TASKS.ledger_rows([queue], personas.handler)), strict=True))
    assert (staff["instructions"], staff["escalation"]) == (SECRET, "预警")
    fresh = Task.objects.select_related("demand__enterprise", "demand__category", "lead_department").get(pk=queue.pk)
    outside = dict(zip(columns, next(TASKS.ledger_rows([fresh], personas.ent_user)), strict=True))
    assert (outside["instructions"], outside["escalation"]) == ("", "")
    assert outside["title"] == "主办的事项"
