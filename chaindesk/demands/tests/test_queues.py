"""The work queues: a department's task queue and task page with its actions, the team's decisions, the chain
chief's 督办 queue and the 工作台 cards; persona-based scope, URL guessing, query budgets and the 409 path."""

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import User
from chaindesk.core import clock
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.demands.choices import OPEN_TASK, DemandStatus, Escalation, TaskStatus
from chaindesk.demands.models import Demand, Task
from chaindesk.demands.workdays import add_workdays

pytestmark = pytest.mark.clock  # depends on today: CI runs it under other clocks too

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def task_for(make_demand: Callable[..., Demand], make_task: Callable[..., Task]) -> Callable[..., Task]:
    """An accepted demand of 江苏博生 with one task for the given lead department."""

    def make(department_code: str = "zrzy", *, title: str = "新厂区用地指标", co: tuple[str, ...] = ()) -> Task:
        demand = make_demand(status=DemandStatus.ACCEPTED, title=title)
        return make_task(demand, department_code=department_code, co=co)

    return make


@pytest.fixture
def no_demo_demands(db: Any) -> None:  # noqa: ARG001
    """For tests that compare a card's order or counts: the demo city's own demands out of the way (rolled
    back after the test)."""
    Demand.objects.update(merged_into=None)
    apps.get_model("meetings", "Decision").objects.update(demand=None)  # a later app's link to the demo's demand
    Demand.objects.all().delete()


def _escalate(task: Task, level: str) -> None:
    """What the escalation job sets (its own tests cover the ladder); here only the mark matters — on a task
    the job could have marked: 预警 and 督办 only once overdue (督办 by more than 3 working days)."""
    today = clock.today()
    past = {Escalation.WARNED: add_workdays(today, -1), Escalation.SUPERVISED: add_workdays(today, -4)}
    deadline = min(task.deadline, past[level]) if level in past else task.deadline
    Task.objects.filter(pk=task.pk).update(escalation=level, deadline=deadline)


def _post(client: Client, name: str, task: Task, **data: Any) -> Any:
    data.setdefault("expected_status", Task.objects.get(pk=task.pk).status)
    return client.post(reverse(f"demands:{name}", args=[task.pk]), data)


# Access: anonymous, wrong role, in scope, out of scope.

QUEUE_PAGES = [
    "demands:tasks",
    "demands:supervision",
    "demands:card_supervision",
    "demands:card_triage",
    "demands:card_department",
    "demands:card_liaison",
    "demands:card_district",
    "demands:card_enterprise",
]


@pytest.mark.django_db
@pytest.mark.parametrize("name", QUEUE_PAGES)
def test_anonymous_is_sent_to_login(name):
    response = Client().get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "name"),
    [
        ("jiangdd", "demands:tasks"),
        ("liuyang", "demands:tasks"),
        ("chenjing", "demands:supervision"),
        ("liming", "demands:supervision"),
        ("liuyang", "demands:supervision"),
        ("wangzh", "demands:card_supervision"),
        ("jiangdd", "demands:card_triage"),
        ("jiangdd", "demands:card_department"),
        ("zhoutao", "demands:card_liaison"),
        ("liming", "demands:card_district"),
        ("liming", "demands:card_enterprise"),
        ("sysadmin", "demands:card_enterprise"),
    ],
)
def test_wrong_role_gets_403(client_as, username, name):
    assert client_as(username).get(reverse(name)).status_code == 403


@pytest.mark.django_db
def test_department_handler_sees_only_their_departments_tasks(client_as, task_for):
    mine = task_for("zrzy", title="用地指标协调")
    other = task_for("fgw", title="项目立项核准")
    page = client_as("chenjing").get(reverse("demands:tasks")).content.decode()
    assert "用地指标协调" in page
    assert "项目立项核准" not in page
    assert reverse("demands:task_detail", args=[mine.pk]) in page
    # URL guessing: another department's task answers 404 like a missing one
    assert client_as("chenjing").get(reverse("demands:task_detail", args=[other.pk])).status_code == 404
    assert client_as("chenjing").get(reverse("demands:task_detail", args=[99999999])).status_code == 404
    assert client_as("chenjing").get(reverse("demands:task_detail", args=[mine.pk])).status_code == 200


@pytest.mark.django_db
def test_lead_and_co_tasks_are_listed_separately(client_as, task_for):
    task_for("zrzy", title="主办的事项")
    task_for("fgw", title="协办的事项", co=("zrzy",))
    client = client_as("chenjing")
    lead = client.get(reverse("demands:tasks")).content.decode()
    co = client.get(reverse("demands:tasks") + "?side=co").content.decode()
    assert "主办的事项" in lead and "协办的事项" not in lead
    assert "协办的事项" in co and "主办的事项" not in co
    # the tabs' badges count the open tasks on each side (a task both led and co-handled counts as 主办)
    task_for("zrzy", title="自己协办自己", co=("zrzy",))
    counts = client.get(reverse("demands:tasks")).context["queue"]["side_counts"]
    zrzy_open = Task.objects.filter(status__in=OPEN_TASK)
    assert counts == {
        "lead": zrzy_open.filter(lead_department__code="zrzy").count(),
        "co": zrzy_open.filter(co_departments__code="zrzy").exclude(lead_department__code="zrzy").count(),
    }
    assert counts["co"] >= 1 and counts["lead"] >= 2
    # a co-department may read the task but not act on it
    co_task = Task.objects.get(demand__title="协办的事项")
    detail = client.get(reverse("demands:task_detail", args=[co_task.pk])).content.decode()
    assert 'data-testid="form-sign"' not in detail
    assert _post(client, "task_sign", co_task).status_code == 403


@pytest.mark.django_db
def test_task_detail_out_of_scope(client_as, task_for):
    task = task_for("zrzy")
    url = reverse("demands:task_detail", args=[task.pk])
    assert client_as("jiangdd").get(url).status_code == 200  # chain chief of the enterprise's chain
    assert client_as("liming").get(url).status_code == 200  # the enterprise's liaison reads it
    assert client_as("lead_equip").get(url).status_code == 404  # chief of another chain
    assert client_as("lz_321282").get(url).status_code == 404  # 靖江 liaison
    assert client_as("da_321282").get(url).status_code == 404  # 靖江 district admin
    assert client_as("liuyang").get(url).status_code == 403  # enterprises follow the demand, not the tasks


@pytest.mark.django_db
def test_overdue_first_with_working_days_left_and_badges(no_demo_demands, client_as, task_for):
    late = task_for("zrzy", title="逾期的事项")
    soon = task_for("zrzy", title="正常的事项")
    # Working days are counted by the calendar (its own tests hold it to the official one); here only the
    # queue's order and wording matter, on whatever day the test runs.
    late_on, soon_on = add_workdays(clock.today(), -3), add_workdays(clock.today(), 2)
    Task.objects.filter(pk=late.pk).update(deadline=late_on, escalation=Escalation.SUPERVISED)
    Task.objects.filter(pk=soon.pk).update(deadline=soon_on)
    page = client_as("chenjing").get(reverse("demands:tasks")).content.decode()
    assert page.index("逾期的事项") < page.index("正常的事项")
    assert "督办" in page
    assert "剩 2 个工作日" in page
    only = client_as("chenjing").get(reverse("demands:tasks") + "?escalation=supervised").content.decode()
    assert "逾期的事项" in only and "正常的事项" not in only
    signed = client_as("chenjing").get(reverse("demands:tasks") + "?status=in_progress").content.decode()
    assert "逾期的事项" not in signed


@pytest.mark.django_db
def test_task_queue_query_budget(client_as, task_for, django_assert_max_num_queries):
    for i in range(4):
        task_for("zrzy", title=f"事项{i}", co=("fgw",))
    client = client_as("chenjing")
    client.get(reverse("demands:tasks"))
    with django_assert_max_num_queries(6):
        assert client.get(reverse("demands:tasks")).status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(reverse("demands:tasks") + "?side=co&status=all").status_code == 200


# Handler actions through the services, with the expected status.


@pytest.mark.django_db
def test_sign_from_the_queue_returns_to_it(client_as, task_for, persona):
    task = task_for("zrzy")
    client = client_as("chenjing")
    queue = reverse("demands:tasks")
    response = _post(client, "task_sign", task, next=queue)
    assert response.status_code == 302 and response.url == queue
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS
    assert task.handler == persona("chenjing")


@pytest.mark.django_db
def test_stale_page_gets_409_and_nothing_changes(client_as, task_for):
    task = task_for("zrzy")
    client = client_as("chenjing")
    assert _post(client, "task_sign", task).status_code == 302
    # the same page, still showing 待签收, posts again: 409 with the current state
    response = _post(client, "task_sign", task, expected_status=TaskStatus.PENDING)
    assert response.status_code == 409
    assert "操作未执行" in response.content.decode()
    response = _post(client, "task_completion", task, expected_status=TaskStatus.PENDING, result="已办好")
    assert response.status_code == 409
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS
    assert not task.result


@pytest.mark.django_db
def test_progress_extension_and_completion(client_as, task_for):
    task = task_for("zrzy")
    client = client_as("chenjing")
    _post(client, "task_sign", task)
    bad = _post(client, "task_progress", task, note="  ")
    assert bad.status_code == 400 and "请填写办理进展" in bad.content.decode()
    assert _post(client, "task_progress", task, note="已现场踏勘").status_code == 302
    bad = _post(client, "task_extension", task, extra_days="0", reason="等待省厅批复")
    assert bad.status_code == 400 and "延期至少 1 个工作日" in bad.content.decode()
    assert Task.objects.get(pk=task.pk).status == TaskStatus.IN_PROGRESS
    assert _post(client, "task_extension", task, extra_days="5", reason="等待省厅批复").status_code == 302
    assert Task.objects.get(pk=task.pk).status == TaskStatus.EXTENSION_REQUESTED
    page = client.get(reverse("demands:task_detail", args=[task.pk])).content.decode()
    assert "已现场踏勘" in page and "等待省厅批复" in page
    # the queue's row buttons open the matching form on the task page
    queue = client.get(reverse("demands:tasks")).content.decode()
    assert f"{reverse('demands:task_detail', args=[task.pk])}?act=progress#act-progress" in queue
    opened = client.get(reverse("demands:task_detail", args=[task.pk]) + "?act=progress").content.decode()
    assert 'id="act-progress" open' in opened


@pytest.mark.django_db
def test_return_needs_a_reason_and_the_confirmation(client_as, task_for):
    task = task_for("zrzy")
    client = client_as("chenjing")
    bad = _post(client, "task_return", task, reason="属于发改委职责")
    assert bad.status_code == 400 and "请勾选确认后再退回" in bad.content.decode()
    bad = _post(client, "task_return", task, reason="", confirm="on")
    assert bad.status_code == 400
    assert Task.objects.get(pk=task.pk).status == TaskStatus.PENDING
    assert _post(client, "task_return", task, reason="属于发改委职责", confirm="on").status_code == 302
    assert Task.objects.get(pk=task.pk).status == TaskStatus.RETURNED


@pytest.mark.django_db
def test_team_cannot_do_the_handlers_work_and_vice_versa(client_as, task_for):
    task = task_for("zrzy")
    assert _post(client_as("jiangdd"), "task_sign", task).status_code == 403
    _post(client_as("chenjing"), "task_sign", task)
    _post(client_as("chenjing"), "task_extension", task, extra_days="3", reason="等待批复")
    assert _post(client_as("chenjing"), "task_decide_extension", task, approve="1").status_code == 403
    assert _post(client_as("lead_equip"), "task_decide_extension", task, approve="1").status_code == 404


# Team decisions on the task page.


@pytest.mark.django_db
def test_team_approves_an_extension(client_as, task_for):
    task = task_for("zrzy")
    before = task.deadline
    _post(client_as("chenjing"), "task_sign", task)
    _post(client_as("chenjing"), "task_extension", task, extra_days="3", reason="等待批复")
    page = client_as("jiangdd").get(reverse("demands:task_detail", args=[task.pk])).content.decode()
    assert 'data-testid="form-decide-extension"' in page and "等待批复" in page
    assert _post(client_as("jiangdd"), "task_decide_extension", task, approve="1", note="同意").status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS
    assert task.deadline > before


@pytest.mark.django_db
def test_team_rejects_then_accepts_completion(client_as, task_for):
    task = task_for("zrzy")
    handler, team = client_as("chenjing"), client_as("jiangdd")
    _post(handler, "task_sign", task)
    _post(handler, "task_completion", task, result="已完成用地预审")
    bad = _post(team, "task_decide_completion", task, accept="0", note="")
    assert bad.status_code == 400 and "退回重办须写明理由" in bad.content.decode()
    assert _post(team, "task_decide_completion", task, accept="0", note="缺少批复文件").status_code == 302
    assert Task.objects.get(pk=task.pk).status == TaskStatus.IN_PROGRESS
    _post(handler, "task_completion", task, result="已补充批复文件")
    assert _post(team, "task_decide_completion", task, accept="1").status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert task.demand.status == DemandStatus.AWAITING_CONFIRMATION


@pytest.mark.django_db
def test_task_detail_query_budget(client_as, task_for, django_assert_max_num_queries):
    task = task_for("zrzy", co=("fgw",))
    client = client_as("chenjing")
    _post(client, "task_sign", task)
    _post(client, "task_progress", task, note="一")
    _post(client, "task_progress", task, note="二")
    url = reverse("demands:task_detail", args=[task.pk])
    client.get(url)
    with django_assert_max_num_queries(8):
        assert client.get(url).status_code == 200


# 督办 queue.


@pytest.mark.django_db
def test_supervision_queue(no_demo_demands, client_as, task_for, django_assert_max_num_queries):
    supervised = task_for("zrzy", title="督办的事项")
    warned = task_for("fgw", title="预警的事项")
    task_for("zrzy", title="正常的事项")
    _escalate(supervised, Escalation.SUPERVISED)
    _escalate(warned, Escalation.WARNED)
    Task.objects.filter(pk=supervised.pk).update(deadline=add_workdays(clock.today(), -3))
    client = client_as("jiangdd")
    everything = client.get(reverse("demands:supervision")).content.decode()
    assert everything.index("督办的事项") < everything.index("预警的事项")  # 预警 below, greyed
    assert "正常的事项" not in everything
    assert ">3 个工作日<" in everything  # the 逾期 column
    page = client.get(reverse("demands:supervision") + "?show=supervised").content.decode()
    assert "督办的事项" in page and "预警的事项" not in page and "正常的事项" not in page
    assert "督办的事项" in client_as("wangzh").get(reverse("demands:supervision")).content.decode()
    assert "督办的事项" not in client_as("lead_equip").get(reverse("demands:supervision")).content.decode()
    with django_assert_max_num_queries(6):
        assert client.get(reverse("demands:supervision")).status_code == 200


# 工作台 cards.


@pytest.mark.django_db
def test_supervision_card(no_demo_demands, client_as, task_for, django_assert_max_num_queries):
    task = task_for("zrzy", title="督办的事项")
    _escalate(task, Escalation.SUPERVISED)
    client = client_as("jiangdd")
    url = reverse("demands:card_supervision")
    page = client.get(url, **HX).content.decode()
    assert 'data-testid="card-supervision"' in page and "督办的事项" in page
    assert "<html" not in page
    assert "<html" in client.get(url).content.decode()  # without htmx: a full page
    with django_assert_max_num_queries(4):
        client.get(url, **HX)
    assert "督办的事项" not in client_as("lead_equip").get(url, **HX).content.decode()
    warned = task_for("fgw", title="预警的事项")
    _escalate(warned, Escalation.WARNED)
    assert "预警的事项" not in client.get(url, **HX).content.decode()  # the card counts 督办 only


@pytest.mark.django_db
def test_triage_card_shows_the_oldest_submitted(no_demo_demands, client_as, make_demand, django_assert_max_num_queries):
    make_demand(title="较早的诉求")
    make_demand(title="较晚的诉求")
    make_demand(title="已受理的诉求", status=DemandStatus.ACCEPTED)
    url = reverse("demands:card_triage")
    client = client_as("wangzh")
    page = client.get(url, **HX).content.decode()
    assert page.index("较早的诉求") < page.index("较晚的诉求")
    assert "已受理的诉求" not in page
    with django_assert_max_num_queries(4):
        client.get(url, **HX)


@pytest.mark.django_db
def test_department_card(no_demo_demands, client_as, task_for, django_assert_max_num_queries):
    late = task_for("zrzy", title="逾期的事项")
    task_for("zrzy", title="本部门事项")
    task_for("fgw", title="别的部门")
    Task.objects.filter(pk=late.pk).update(deadline=add_workdays(clock.today(), -3))
    client = client_as("chenjing")
    url = reverse("demands:card_department")
    page = client.get(url, **HX).content.decode()
    assert page.index("逾期的事项") < page.index("本部门事项")
    assert "别的部门" not in page
    assert "1 项逾期" in page
    with django_assert_max_num_queries(4):
        client.get(url, **HX)


@pytest.mark.django_db
def test_department_card_of_a_handler_without_department(client_as, task_for):
    task_for("zrzy", title="本部门事项")
    User.objects.create_user(username="nodept", password="x", role=Role.DEPT_HANDLER)
    page = client_as("nodept").get(reverse("demands:card_department"), **HX).content.decode()
    assert "本部门事项" not in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "name", "testid"),
    [
        ("liming", "demands:card_liaison", "card-liaison"),
        ("zhoutao", "demands:card_district", "card-district"),
        ("liuyang", "demands:card_enterprise", "card-enterprise"),
    ],
)
def test_demand_cards(no_demo_demands, client_as, make_demand, django_assert_max_num_queries, username, name, testid):
    make_demand(title="办理中的诉求", status=DemandStatus.IN_PROGRESS)
    make_demand(title="待确认的诉求", status=DemandStatus.AWAITING_CONFIRMATION)
    make_demand(title="已办结的诉求", status=DemandStatus.CLOSED)
    client = client_as(username)
    page = client.get(reverse(name), **HX).content.decode()
    assert f'data-testid="{testid}"' in page
    assert page.index("待确认的诉求") < page.index("办理中的诉求")
    assert "已办结的诉求" not in page
    with django_assert_max_num_queries(4):
        client.get(reverse(name), **HX)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "name"),
    [
        ("lz_321282", "demands:card_liaison"),
        ("da_321282", "demands:card_district"),
    ],
)
def test_demand_cards_out_of_scope(client_as, make_demand, username, name):
    make_demand(title="博生的诉求", status=DemandStatus.IN_PROGRESS)
    page = client_as(username).get(reverse(name), **HX).content.decode()
    assert "博生的诉求" not in page


@pytest.mark.django_db
def test_card_counts_only_open_demands_of_the_enterprise(no_demo_demands, client_as, make_demand, persona):
    make_demand(title="办理中的诉求", status=DemandStatus.IN_PROGRESS)
    expected = Demand.objects.visible_to(persona("liuyang")).exclude(
        status__in=[DemandStatus.CLOSED, DemandStatus.REJECTED, DemandStatus.MERGED]
    )
    page = client_as("liuyang").get(reverse("demands:card_enterprise"), **HX).content.decode()
    assert f'data-testid="card-count">{expected.count()}<' in page


@pytest.mark.django_db
def test_with_the_demo_city_every_row_is_the_departments(client_as, task_for, persona):
    task_for("zrzy", title="主办的事项")
    task_for("fgw", title="协办的事项", co=("zrzy",))
    task_for("fgw", title="别的部门")
    zrzy = persona("chenjing").department_id
    client = client_as("chenjing")
    lead = client.get(reverse("demands:tasks") + "?status=all").context["page_obj"].object_list
    co = client.get(reverse("demands:tasks") + "?side=co&status=all").context["page_obj"].object_list
    assert lead and co
    assert all(t.lead_department_id == zrzy for t in lead)
    assert all(t.lead_department_id != zrzy and t.co_departments.filter(pk=zrzy).exists() for t in co)
    card = client.get(reverse("demands:card_department"), **HX).context["rows"]
    assert all(t.lead_department_id == zrzy or t.co_departments.filter(pk=zrzy).exists() for t in card)


def _export_rows(client: Client, query: str = "") -> list[list[Any]]:
    response = client.get(reverse("demands:tasks_export") + query)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = rows.index(next(r for r in rows if r[0] == "诉求事项"))
    return rows[header + 1 :]


@pytest.mark.django_db
def test_export_is_exactly_the_filtered_queue_and_audited(
    no_demo_demands, client_as, task_for, django_assert_max_num_queries
):
    task_for("zrzy", title="主办的事项")
    late = task_for("zrzy", title="督办的事项")
    _escalate(late, Escalation.SUPERVISED)
    task_for("fgw", title="协办的事项", co=("zrzy",))
    task_for("fgw", title="别的部门")
    client = client_as("chenjing")
    listed = {t.demand.title for t in client.get(reverse("demands:tasks")).context["page_obj"].object_list}
    rows = _export_rows(client)
    assert {r[0] for r in rows} == listed
    assert "别的部门" not in listed and "协办的事项" not in listed
    only = _export_rows(client, "?escalation=supervised")
    assert [r[0] for r in only] == ["督办的事项"] and only[0][10] == "督办"
    co = _export_rows(client, "?side=co")
    assert "协办的事项" in {r[0] for r in co}
    assert AuditLog.objects.filter(action=AuditAction.EXPORT, actor__username="chenjing").count() == 3
    assert client_as("jiangdd").get(reverse("demands:tasks_export")).status_code == 403
    with django_assert_max_num_queries(8):
        _export_rows(client)
