"""The work queues: a department's task queue and task page with its actions, the team's decisions, the chain
chief's 督办 queue and the 工作台 cards; persona-based scope, URL guessing, query budgets and the 409 path.

Everything runs on the fixed personas (chaindesk/testkit/personas.py). "Our" department is 测试甲局, the
handler's; "the other" department is 测试乙局 (theirs). The world already holds one task of ours: the
pending task for 测试甲局 on our demand (`personas.ours.task`, due in 10 working days), which shows in the
handler's queue and on the cards next to what each test adds. The demands and tasks a test adds come from the
demands conftest's `make_demand` and `make_task` (factories.DemandWorld): submitted by `ent_user`, accepted by our
chief, cut into a task for 测试甲局 that `handler` signs and finishes, confirmed 满意 by `ent_user`."""

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import User
from chaindesk.core import clock
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.demands.choices import DemandStatus, Escalation, TaskStatus
from chaindesk.demands.models import Demand, Task
from chaindesk.demands.workdays import add_workdays
from chaindesk.testkit.calendar import workdays_overdue

pytestmark = pytest.mark.clock  # depends on today: CI runs it under other clocks too

HX = {"HX-Request": "true"}


def _client(user: User) -> Client:
    """A test client signed in as `user` (force_login: no password hashing, no audit noise)."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def task_for(make_demand: Callable[..., Demand], make_task: Callable[..., Task]) -> Callable[..., Task]:
    """An accepted demand of our enterprise with one task: task_for("ours") is led by 测试甲局 (the handler's
    department), task_for("theirs") by 测试乙局; co= names the co-departments the same way."""

    def make(lead: str = "ours", *, title: str = "新厂区用地指标", co: tuple[str, ...] = ()) -> Task:
        demand = make_demand(status=DemandStatus.ACCEPTED, title=title)
        return make_task(demand, department=lead, co=co)

    return make


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


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("chief", "demands:tasks"),
        ("ent_user", "demands:tasks"),
        ("handler", "demands:supervision"),
        ("liaison", "demands:supervision"),
        ("ent_user", "demands:supervision"),
        ("member", "demands:card_supervision"),
        ("chief", "demands:card_triage"),
        ("chief", "demands:card_department"),
        ("district", "demands:card_liaison"),
        ("liaison", "demands:card_district"),
        ("liaison", "demands:card_enterprise"),
        ("sysadmin", "demands:card_enterprise"),
    ],
)
def test_wrong_role_gets_403(personas, key, name):
    assert _client(personas.user(key)).get(reverse(name)).status_code == 403


def test_department_handler_sees_only_their_departments_tasks(personas, task_for):
    mine = task_for("ours", title="用地指标协调")
    other = task_for("theirs", title="项目立项核准")
    client = _client(personas.handler)
    page = client.get(reverse("demands:tasks")).content.decode()
    assert "用地指标协调" in page
    assert "项目立项核准" not in page
    assert reverse("demands:task_detail", args=[mine.pk]) in page
    # URL guessing: another department's task answers 404 like a missing one
    assert client.get(reverse("demands:task_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("demands:task_detail", args=[personas.theirs.task.pk])).status_code == 404
    assert client.get(reverse("demands:task_detail", args=[99999999])).status_code == 404
    assert client.get(reverse("demands:task_detail", args=[mine.pk])).status_code == 200


def test_lead_and_co_tasks_are_listed_separately(personas, task_for):
    task_for("ours", title="主办的事项")
    task_for("theirs", title="协办的事项", co=("ours",))
    client = _client(personas.handler)
    lead = client.get(reverse("demands:tasks")).content.decode()
    co = client.get(reverse("demands:tasks") + "?side=co").content.decode()
    assert "主办的事项" in lead and "协办的事项" not in lead
    assert "协办的事项" in co and "主办的事项" not in co
    # the tabs' badges count the open tasks on each side (a task both led and co-handled counts as 主办)
    task_for("ours", title="自己协办自己", co=("ours",))
    counts = client.get(reverse("demands:tasks")).context["queue"]["side_counts"]
    # 主办: the world's own task for 测试甲局, 主办的事项 and 自己协办自己; 协办: 协办的事项 only
    assert counts == {"lead": 3, "co": 1}
    # a co-department may read the task but not act on it
    co_task = Task.objects.get(demand__title="协办的事项")
    detail = client.get(reverse("demands:task_detail", args=[co_task.pk])).content.decode()
    assert 'data-testid="form-sign"' not in detail
    assert _post(client, "task_sign", co_task).status_code == 403


def test_task_detail_out_of_scope(personas, task_for):
    task = task_for("ours")
    url = reverse("demands:task_detail", args=[task.pk])
    assert _client(personas.chief).get(url).status_code == 200  # chain chief of the enterprise's chain
    assert _client(personas.liaison).get(url).status_code == 200  # the enterprise's liaison reads it
    assert _client(personas.x_chief).get(url).status_code == 404  # chief of another chain
    assert _client(personas.x_liaison).get(url).status_code == 404  # 测试乙区's liaison
    assert _client(personas.x_district).get(url).status_code == 404  # 测试乙区's district admin
    assert _client(personas.x_handler).get(url).status_code == 404  # 测试乙局: not its task
    assert _client(personas.ent_user).get(url).status_code == 403  # enterprises follow the demand, not the tasks


def test_overdue_first_with_working_days_left_and_badges(personas, task_for):
    late = task_for("ours", title="逾期的事项")
    soon = task_for("ours", title="正常的事项")
    # Working days are counted by the calendar (its own tests hold it to the official one); here only the
    # queue's order and wording matter, on whatever day the test runs.
    late_on, soon_on = add_workdays(clock.today(), -3), add_workdays(clock.today(), 2)
    Task.objects.filter(pk=late.pk).update(deadline=late_on, escalation=Escalation.SUPERVISED)
    Task.objects.filter(pk=soon.pk).update(deadline=soon_on)
    client = _client(personas.handler)
    page = client.get(reverse("demands:tasks")).content.decode()
    assert page.index("逾期的事项") < page.index("正常的事项") < page.index(personas.ours.demand.title)
    assert "督办" in page
    assert "剩 2 个工作日" in page
    only = client.get(reverse("demands:tasks") + "?escalation=supervised").content.decode()
    assert "逾期的事项" in only and "正常的事项" not in only
    signed = client.get(reverse("demands:tasks") + "?status=in_progress").content.decode()
    assert "逾期的事项" not in signed


def test_task_queue_query_budget(personas, task_for, django_assert_max_num_queries):
    for i in range(4):
        task_for("ours", title=f"事项{i}", co=("theirs",))
    client = _client(personas.handler)
    client.get(reverse("demands:tasks"))
    with django_assert_max_num_queries(6):
        assert client.get(reverse("demands:tasks")).status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(reverse("demands:tasks") + "?side=co&status=all").status_code == 200


# Handler actions through the services, with the expected status.


def test_sign_from_the_queue_returns_to_it(personas, task_for):
    task = task_for("ours")
    client = _client(personas.handler)
    queue = reverse("demands:tasks")
    response = _post(client, "task_sign", task, next=queue)
    assert response.status_code == 302 and response.url == queue
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS
    assert task.handler == personas.handler


def test_stale_page_gets_409_and_nothing_changes(personas, task_for):
    task = task_for("ours")
    client = _client(personas.handler)
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


def test_progress_extension_and_completion(personas, task_for):
    task = task_for("ours")
    client = _client(personas.handler)
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


def test_return_needs_a_reason_and_the_confirmation(personas, task_for):
    task = task_for("ours")
    client = _client(personas.handler)
    bad = _post(client, "task_return", task, reason="属于发改委职责")
    assert bad.status_code == 400 and "请勾选确认后再退回" in bad.content.decode()
    bad = _post(client, "task_return", task, reason="", confirm="on")
    assert bad.status_code == 400
    assert Task.objects.get(pk=task.pk).status == TaskStatus.PENDING
    assert _post(client, "task_return", task, reason="属于发改委职责", confirm="on").status_code == 302
    assert Task.objects.get(pk=task.pk).status == TaskStatus.RETURNED


def test_team_cannot_do_the_handlers_work_and_vice_versa(personas, task_for):
    task = task_for("ours")
    handler = _client(personas.handler)
    assert _post(_client(personas.chief), "task_sign", task).status_code == 403
    _post(handler, "task_sign", task)
    _post(handler, "task_extension", task, extra_days="3", reason="等待批复")
    assert Task.objects.get(pk=task.pk).status == TaskStatus.EXTENSION_REQUESTED
    assert _post(handler, "task_decide_extension", task, approve="1").status_code == 403
    assert _post(_client(personas.x_chief), "task_decide_extension", task, approve="1").status_code == 404
    assert Task.objects.get(pk=task.pk).status == TaskStatus.EXTENSION_REQUESTED


# Team decisions on the task page.


def test_team_approves_an_extension(personas, task_for):
    task = task_for("ours")
    before = task.deadline
    handler, team = _client(personas.handler), _client(personas.chief)
    _post(handler, "task_sign", task)
    _post(handler, "task_extension", task, extra_days="3", reason="等待批复")
    page = team.get(reverse("demands:task_detail", args=[task.pk])).content.decode()
    assert 'data-testid="form-decide-extension"' in page and "等待批复" in page
    assert _post(team, "task_decide_extension", task, approve="1", note="同意").status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS
    assert task.deadline > before


def test_team_rejects_then_accepts_completion(personas, task_for):
    task = task_for("ours")
    handler, team = _client(personas.handler), _client(personas.chief)
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


def test_task_detail_query_budget(personas, task_for, django_assert_max_num_queries):
    task = task_for("ours", co=("theirs",))
    client = _client(personas.handler)
    _post(client, "task_sign", task)
    _post(client, "task_progress", task, note="一")
    _post(client, "task_progress", task, note="二")
    url = reverse("demands:task_detail", args=[task.pk])
    client.get(url)
    with django_assert_max_num_queries(8):
        assert client.get(url).status_code == 200


# 督办 queue.


def test_supervision_queue(personas, task_for, django_assert_max_num_queries):
    supervised = task_for("ours", title="督办的事项")
    warned = task_for("theirs", title="预警的事项")
    task_for("ours", title="正常的事项")
    _escalate(supervised, Escalation.SUPERVISED)
    _escalate(warned, Escalation.WARNED)
    Task.objects.filter(pk=supervised.pk).update(deadline=workdays_overdue(clock.today(), 3))
    _escalate(personas.theirs.task, Escalation.SUPERVISED)  # on 测试乙链: not our chief's
    client = _client(personas.chief)
    everything = client.get(reverse("demands:supervision")).content.decode()
    assert everything.index("督办的事项") < everything.index("预警的事项")  # 预警 below, greyed
    assert "正常的事项" not in everything and personas.theirs.demand.title not in everything
    assert ">3 个工作日<" in everything  # the 逾期 column
    page = client.get(reverse("demands:supervision") + "?show=supervised").content.decode()
    assert "督办的事项" in page and "预警的事项" not in page and "正常的事项" not in page
    assert "督办的事项" in _client(personas.member).get(reverse("demands:supervision")).content.decode()
    outsider = _client(personas.x_chief).get(reverse("demands:supervision")).content.decode()
    assert "督办的事项" not in outsider and personas.theirs.demand.title in outsider
    with django_assert_max_num_queries(6):
        assert client.get(reverse("demands:supervision")).status_code == 200


# 工作台 cards.


def test_supervision_card(personas, task_for, django_assert_max_num_queries):
    task = task_for("ours", title="督办的事项")
    _escalate(task, Escalation.SUPERVISED)
    client = _client(personas.chief)
    url = reverse("demands:card_supervision")
    page = client.get(url, headers=HX).content.decode()
    assert 'data-testid="card-supervision"' in page and "督办的事项" in page
    assert "<html" not in page
    assert "<html" in client.get(url).content.decode()  # without htmx: a full page
    # session, user, count, rows, the triage backlog (the team's chains, the rollup's count and first month, the
    # oldest from that month)
    with django_assert_max_num_queries(7):
        client.get(url, headers=HX)
    assert "督办的事项" not in _client(personas.x_chief).get(url, headers=HX).content.decode()
    warned = task_for("theirs", title="预警的事项")
    _escalate(warned, Escalation.WARNED)
    assert "预警的事项" not in client.get(url, headers=HX).content.decode()  # the card counts 督办 only


def test_triage_card_shows_the_oldest_submitted(personas, make_demand, django_assert_max_num_queries):
    make_demand(title="较早的诉求")
    make_demand(title="较晚的诉求")
    make_demand(title="已受理的诉求", status=DemandStatus.ACCEPTED)
    url = reverse("demands:card_triage")
    client = _client(personas.member)
    page = client.get(url, headers=HX).content.decode()
    assert page.index("较早的诉求") < page.index("较晚的诉求")
    assert "已受理的诉求" not in page
    with django_assert_max_num_queries(5):  # session, user, rows, the team's chains and the rollup's count
        client.get(url, headers=HX)


def test_department_card(personas, task_for, django_assert_max_num_queries):
    late = task_for("ours", title="逾期的事项")
    task_for("ours", title="本部门事项")
    task_for("theirs", title="别的部门")
    Task.objects.filter(pk=late.pk).update(deadline=add_workdays(clock.today(), -3))
    client = _client(personas.handler)
    url = reverse("demands:card_department")
    page = client.get(url, headers=HX).content.decode()
    assert page.index("逾期的事项") < page.index("本部门事项")
    assert "别的部门" not in page
    assert "1 项逾期" in page
    # session, user, the 主办 and 协办 counts (one query each, from their own indexes), the rows
    with django_assert_max_num_queries(5):
        client.get(url, headers=HX)


def test_department_card_of_a_handler_without_department(personas, task_for):
    task_for("ours", title="本部门事项")
    # The services refuse a handler without a department (User.clean); only a raw row can be one, and the card
    # must then show nothing rather than every department's tasks.
    nodept = User.objects.create_user(username="p_nodept", password=None, role=Role.DEPT_HANDLER)
    assert nodept.department_id is None
    page = _client(nodept).get(reverse("demands:card_department"), headers=HX).content.decode()
    assert 'data-testid="card-department"' in page
    assert "本部门事项" not in page and personas.ours.demand.title not in page


@pytest.mark.parametrize(
    ("key", "name", "testid"),
    [
        ("liaison", "demands:card_liaison", "card-liaison"),
        ("district", "demands:card_district", "card-district"),
        ("ent_user", "demands:card_enterprise", "card-enterprise"),
    ],
)
def test_demand_cards(personas, make_demand, django_assert_max_num_queries, key, name, testid):
    make_demand(title="办理中的诉求", status=DemandStatus.IN_PROGRESS)
    make_demand(title="待确认的诉求", status=DemandStatus.AWAITING_CONFIRMATION)
    make_demand(title="已办结的诉求", status=DemandStatus.CLOSED)
    client = _client(personas.user(key))
    page = client.get(reverse(name), headers=HX).content.decode()
    assert f'data-testid="{testid}"' in page
    assert page.index("待确认的诉求") < page.index("办理中的诉求")
    assert "已办结的诉求" not in page and personas.theirs.demand.title not in page
    # session, user, the count, the rows awaiting confirmation, then the other open ones (two ordered index walks:
    # one sort over a province district's open demands took 14 s)
    with django_assert_max_num_queries(5):
        client.get(reverse(name), headers=HX)


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("x_liaison", "demands:card_liaison"),
        ("x_district", "demands:card_district"),
    ],
)
def test_demand_cards_out_of_scope(personas, make_demand, key, name):
    make_demand(title="本企业的诉求", status=DemandStatus.IN_PROGRESS)
    page = _client(personas.user(key)).get(reverse(name), headers=HX).content.decode()
    assert "本企业的诉求" not in page
    assert personas.theirs.demand.title in page  # the card is theirs, not empty


def test_card_counts_only_open_demands_of_the_enterprise(personas, make_demand):
    make_demand(title="办理中的诉求", status=DemandStatus.IN_PROGRESS)
    make_demand(title="已办结的诉求", status=DemandStatus.CLOSED)
    # open: the world's own demand (in progress) and 办理中的诉求; closed ones and 测试乙链's demand do not count
    page = _client(personas.ent_user).get(reverse("demands:card_enterprise"), headers=HX).content.decode()
    assert 'data-testid="card-count">2<' in page


def test_every_row_is_the_departments(personas, task_for):
    task_for("ours", title="主办的事项")
    task_for("theirs", title="协办的事项", co=("ours",))
    task_for("theirs", title="别的部门")
    ours = personas.handler.department_id
    assert ours == personas.ours.department.pk
    client = _client(personas.handler)
    lead = client.get(reverse("demands:tasks") + "?status=all").context["page_obj"].object_list
    co = client.get(reverse("demands:tasks") + "?side=co&status=all").context["page_obj"].object_list
    assert {t.demand.title for t in lead} == {"主办的事项", personas.ours.demand.title}
    assert {t.demand.title for t in co} == {"协办的事项"}
    assert all(t.lead_department_id == ours for t in lead)
    assert all(t.lead_department_id != ours and t.co_departments.filter(pk=ours).exists() for t in co)
    card = client.get(reverse("demands:card_department"), headers=HX).context["rows"]
    assert {t.demand.title for t in card} == {"主办的事项", "协办的事项", personas.ours.demand.title}


def _export_rows(client: Client, query: str = "") -> list[list[Any]]:
    response = client.get(reverse("demands:tasks_export") + query)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = rows.index(next(r for r in rows if r[0] == "诉求事项"))
    return rows[header + 1 :]


def test_export_is_exactly_the_filtered_queue_and_audited(personas, task_for, django_assert_max_num_queries):
    task_for("ours", title="主办的事项")
    late = task_for("ours", title="督办的事项")
    _escalate(late, Escalation.SUPERVISED)
    task_for("theirs", title="协办的事项", co=("ours",))
    task_for("theirs", title="别的部门")
    client = _client(personas.handler)
    listed = {t.demand.title for t in client.get(reverse("demands:tasks")).context["page_obj"].object_list}
    assert listed == {"主办的事项", "督办的事项", personas.ours.demand.title}
    rows = _export_rows(client)
    assert {r[0] for r in rows} == listed
    only = _export_rows(client, "?escalation=supervised")
    assert [r[0] for r in only] == ["督办的事项"] and only[0][11] == "督办"
    co = _export_rows(client, "?side=co")
    assert [r[0] for r in co] == ["协办的事项"]
    assert AuditLog.objects.filter(action=AuditAction.EXPORT, actor=personas.handler).count() == 3
    assert _client(personas.chief).get(reverse("demands:tasks_export")).status_code == 403
    with django_assert_max_num_queries(8):
        _export_rows(client)


def test_supervision_queue_filters_by_chain_in_the_url(personas, django_assert_max_num_queries):
    """chain=<id> keeps one of the reader's chains (the 下次会议 card links so), kept by the tabs and cleared by
    查看全部产业链; an id out of shape is ignored, another chain's id leaves nothing; the name costs one query."""
    from chaindesk.chains.models import TeamRole
    from chaindesk.testkit.personas import join_team

    ours, theirs = personas.ours, personas.theirs
    join_team(personas.member, theirs.chain, TeamRole.MEMBER)  # on both chains' teams
    _escalate(ours.task, Escalation.SUPERVISED)
    _escalate(theirs.task, Escalation.SUPERVISED)
    client = _client(personas.member)
    url = reverse("demands:supervision")

    def rows(query: str) -> list[int]:
        response = client.get(url + query)
        assert response.status_code == 200
        return [t.pk for t in response.context["page_obj"].object_list]

    assert sorted(rows("")) == sorted([ours.task.pk, theirs.task.pk])
    assert rows(f"?chain={ours.chain.pk}") == [ours.task.pk]
    assert rows(f"?show=supervised&chain={theirs.chain.pk}") == [theirs.task.pk]
    assert sorted(rows("?chain=abc")) == sorted(rows("?chain=²")) == sorted([ours.task.pk, theirs.task.pk])
    outsider = _client(personas.x_chief).get(url + f"?chain={ours.chain.pk}")
    assert list(outsider.context["page_obj"].object_list) == []  # not the reader's chain: nothing
    page = client.get(url + f"?show=supervised&chain={ours.chain.pk}").content.decode()
    assert f'data-testid="supervision-chain">产业链：{ours.chain.name}' in page
    assert 'href="?show=supervised" data-testid="supervision-all-chains"' in page
    assert f'href="?chain={ours.chain.pk}">督办与预警' in page  # the other tab keeps the chain
    with django_assert_max_num_queries(7):
        client.get(url + f"?chain={ours.chain.pk}")


def test_the_next_meeting_card_links_the_queue_of_its_chain(personas):
    from chaindesk.core.actors import FIXTURES
    from chaindesk.core.services import audited_create
    from chaindesk.meetings.agenda import next_meeting_card
    from chaindesk.meetings.models import Meeting, MeetingKind

    ours = personas.ours
    _escalate(ours.task, Escalation.SUPERVISED)
    audited_create(
        model=Meeting,
        actor=FIXTURES,
        chain=ours.chain,
        title="测试甲链下次例会",
        kind=MeetingKind.REGULAR,
        held_on=clock.today() + dt.timedelta(days=6),
        region=ours.region,
        leader=ours.meeting.leader,
    )
    [supervised] = [p for p in next_meeting_card(personas.chief)["agenda"] if p.key == "supervised"]
    assert supervised.url == reverse("demands:supervision") + f"?show=supervised&chain={ours.chain.pk}"
    listed = _client(personas.chief).get(supervised.url).context["page_obj"].object_list
    assert [t.pk for t in listed] == [t.pk for t in supervised.rows] == [ours.task.pk]
