"""Leaders act (issue 11, item 7): the chain chief and the team leads write a 批示 on a demand or a task and
催办 a task's department; both are audited, notify exactly the people concerned, show on the demand's timeline,
the task page and the 督办 queue, and count in the metrics (被催办).

On the fixed personas (chaindesk/testkit/personas.py): on 测试甲链 `chief` is the 链长 and `member` the 牵头部门负责人
(both lead); `plain` (added here) is a plain 成员 and `chair` the 召集人. `handler` works in 测试甲局 (ours),
`x_handler` in 测试乙局; `x_chief` leads 测试乙链 only."""

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chaindesk.accounts.choices import DepartmentKind, Role
from chaindesk.accounts.models import Department, User
from chaindesk.accounts.services import department_set_recipient
from chaindesk.chains.models import TeamRole
from chaindesk.core import clock
from chaindesk.core.actors import FIXTURES
from chaindesk.core.models import AuditAction, AuditLog, Notification
from chaindesk.core.services import audited_create
from chaindesk.demands import metrics, services
from chaindesk.demands.choices import DemandStatus, Escalation, TaskStatus
from chaindesk.demands.models import Demand, LeaderNote, Task
from chaindesk.demands.services_leaders import leader_instruct, leader_urge
from chaindesk.demands.workdays import add_workdays, workdays_between
from chaindesk.testkit.html import login
from chaindesk.testkit.personas import add_user, join_team

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


@pytest.fixture
def plain(personas: Any) -> User:
    """A plain member (成员) of 测试甲链's team: on the team, not a leader."""
    user = add_user("p_plain", "测试普通成员", Role.TEAM_MEMBER, personas.city, personas.ours.department)
    join_team(user, personas.ours.chain, TeamRole.MEMBER)
    return user


@pytest.fixture
def head(personas: Any) -> User:
    """The head of 测试甲局 (a handler with the head's flag)."""
    user = add_user("p_head", "测试甲局局长", Role.DEPT_HANDLER, personas.city, personas.ours.department)
    User.objects.filter(pk=user.pk).update(is_department_head=True)
    return user


def _recipients(note: LeaderNote) -> set[str]:
    keys = Notification.objects.filter(dedupe_key__startswith=f"leader_note:{note.pk}:")
    return set(keys.values_list("recipient__username", flat=True))


# --- who may -----------------------------------------------------------------------------------------------------


def test_the_chief_the_chair_and_the_lead_may(personas: Any, world: Any) -> None:
    task = personas.ours.task
    for user in (personas.chief, personas.member, world.chair()):
        note = leader_instruct(task=task, actor=user, text=f"{user.display_name}：抓紧办理")
        assert (
            note.kind == LeaderNote.Kind.INSTRUCTION and note.author == user and note.department == task.lead_department
        )


@pytest.mark.parametrize("key", ["plain", "x_chief", "liaison", "handler", "district", "ent_user", "sysadmin"])
def test_everyone_else_is_refused(personas: Any, plain: User, key: str) -> None:
    user = plain if key == "plain" else personas.user(key)
    task = personas.ours.task
    with pytest.raises(PermissionDenied, match="只有该产业链的链长、召集人和牵头部门负责人"):
        leader_instruct(task=task, actor=user, text="批示")
    with pytest.raises(PermissionDenied):
        leader_instruct(demand=task.demand, actor=user, text="批示")
    with pytest.raises(PermissionDenied):
        leader_urge(task=task, actor=user)
    assert not LeaderNote.objects.exists()


def test_refusals_change_nothing(personas: Any, make_demand: Any) -> None:
    task = personas.ours.task
    with pytest.raises(ValidationError, match="请填写批示内容"):
        leader_instruct(task=task, actor=personas.chief, text="   ")
    with pytest.raises(ValidationError, match="500字以内"):
        leader_instruct(demand=task.demand, actor=personas.chief, text="长" * 501)
    with pytest.raises(ValidationError, match="300字以内"):
        leader_urge(task=task, actor=personas.chief, note="长" * 301)
    closed = make_demand(status=DemandStatus.CLOSED)
    with pytest.raises(ValidationError, match="已办结"):
        leader_instruct(demand=closed, actor=personas.chief, text="再看看")
    done = closed.tasks.get()
    with pytest.raises(ValidationError, match="不能批示"):
        leader_instruct(task=done, actor=personas.chief, text="再看看")
    with pytest.raises(ValidationError, match="无需催办"):
        leader_urge(task=done, actor=personas.chief)
    assert not LeaderNote.objects.exists()
    assert not Notification.objects.filter(kind__startswith="leader_").exists()


def test_one_urge_a_day_per_task(personas: Any) -> None:
    task = personas.ours.task
    leader_urge(task=task, actor=personas.chief, note="请本周内答复")
    with pytest.raises(ValidationError, match="今天已催办过"):
        leader_urge(task=task, actor=personas.member)
    assert LeaderNote.objects.filter(kind=LeaderNote.Kind.URGE).count() == 1


def test_each_act_is_audited(personas: Any) -> None:
    note = leader_urge(task=personas.ours.task, actor=personas.chief, note="请本周内答复")
    line = AuditLog.objects.for_object(note).get()
    assert line.action == AuditAction.CREATE and line.actor == personas.chief and line.message == "请本周内答复"


# --- who is told -------------------------------------------------------------------------------------------------


def test_an_instruction_on_a_task_tells_its_department(personas: Any, head: User) -> None:
    User.objects.create(username="p_gone", role=Role.DEPT_HANDLER, department=personas.ours.department, is_active=False)
    note = leader_instruct(task=personas.ours.task, actor=personas.chief, text="本周内拿出方案")
    assert _recipients(note) == {"p_handler", "p_head"}  # not the inactive handler, not the team member of 测试甲局
    notice = Notification.objects.get(dedupe_key=f"leader_note:{note.pk}:{personas.handler.pk}")
    assert notice.kind == "leader_instruction" and "本周内拿出方案" in notice.body
    assert notice.url == reverse("demands:task_detail", args=[personas.ours.task.pk])


def test_an_instruction_on_a_demand_tells_the_team_and_the_open_tasks_departments(
    personas: Any, world: Any, make_demand: Any
) -> None:
    demand = make_demand(status=DemandStatus.IN_PROGRESS)  # one open task for 测试甲局
    third = world.task(demand, department="third")
    services.task_sign(task=third, actor=world.user("third_handler"))
    services.task_request_completion(task=third, actor=world.user("third_handler"), result="已办")
    services.task_accept_completion(task=third, actor=personas.chief)  # 测试丙局 is done: not told
    world.task(demand, department="theirs")  # open: 测试乙局 is told
    chair = world.chair()
    note = leader_instruct(demand=demand, actor=personas.chief, text="各部门协同，月底前办结")
    assert _recipients(note) == {"p_member", chair.username, "p_handler", "p_x_handler"}  # not the author
    assert Notification.objects.get(dedupe_key=f"leader_note:{note.pk}:{personas.member.pk}").url == reverse(
        "demands:detail", args=[demand.pk]
    )


def test_an_urge_tells_the_department_s_handlers_and_head(personas: Any, head: User) -> None:
    task = personas.ours.task
    Task.objects.filter(pk=task.pk).update(deadline=add_workdays(clock.today(), -3))
    task.refresh_from_db()
    overdue = -workdays_between(clock.today(), task.deadline)  # 2 or 3: today may be a rest day (clock runs)
    assert overdue > 0
    note = leader_urge(task=task, actor=personas.member, note="请今天回复")
    assert _recipients(note) == {"p_handler", "p_head"}
    body = Notification.objects.get(dedupe_key=f"leader_note:{note.pk}:{head.pk}").body
    assert "测试成员催办测试甲局" in body and f"已逾期{overdue}个工作日" in body and body.endswith("请今天回复")


def test_an_urge_to_a_department_without_handler_reaches_its_recipient(personas: Any, world: Any) -> None:
    """A department with no handler and no head: the 部门收件人 the administrator named hears the 催办."""
    department = audited_create(
        model=Department,
        actor=FIXTURES,
        code="p_dept_d",
        name="测试市测试丁局",
        short_name="测试丁局",
        kind=DepartmentKind.GOVERNMENT,
        region=personas.city,
    )
    department_set_recipient(actor=personas.sysadmin, department=department, recipient=personas.liaison)
    task = world.task(world.demand(status=DemandStatus.ACCEPTED), department=department)
    note = leader_urge(task=task, actor=personas.member, note="请尽快安排经办人")
    assert _recipients(note) == {"p_liaison"}


# --- where it shows ---------------------------------------------------------------------------------------------


def test_the_timeline_shows_them_to_officials_not_to_the_enterprise(personas: Any) -> None:
    demand, task = personas.ours.demand, personas.ours.task
    leader_instruct(demand=demand, actor=personas.chief, text="尽快协调用地")
    leader_urge(task=task, actor=personas.member, note="请本周答复")
    url = reverse("demands:detail", args=[demand.pk])
    for key in ("chief", "member", "liaison", "district", "handler"):
        page = login(personas.user(key)).get(url).content.decode()
        assert "尽快协调用地" in page and "请本周答复" in page, key
        timeline = page.split('data-testid="timeline"')[1]
        assert "批示" in timeline and "催办" in timeline, key
    ent_page = login(personas.ent_user).get(url).content.decode()
    assert "尽快协调用地" not in ent_page and "请本周答复" not in ent_page


def test_a_department_reads_only_what_is_addressed_to_it(personas: Any, world: Any) -> None:
    demand = personas.ours.demand
    theirs = world.task(demand, department="theirs")
    leader_urge(task=theirs, actor=personas.chief, note="乙局请加快")
    leader_instruct(task=personas.ours.task, actor=personas.chief, text="甲局请加快")
    leader_instruct(demand=demand, actor=personas.chief, text="各部门请加快")
    visible = set(LeaderNote.objects.visible_to(personas.handler).values_list("text", flat=True))
    assert visible == {"甲局请加快", "各部门请加快"}
    assert set(LeaderNote.objects.visible_to(personas.x_handler).values_list("text", flat=True)) == {
        "乙局请加快",
        "各部门请加快",
    }
    assert not LeaderNote.objects.visible_to(personas.ent_user).exists()
    assert not LeaderNote.objects.visible_to(personas.x_chief).exists()


def test_the_task_page_shows_the_notes_and_the_forms_to_leaders_only(personas: Any, plain: User) -> None:
    task = personas.ours.task
    leader_instruct(task=task, actor=personas.chief, text="本周内拿出方案")
    url = reverse("demands:task_detail", args=[task.pk])
    page = login(personas.member).get(url).content.decode()
    assert "本周内拿出方案" in page and 'data-testid="form-instruct"' in page and 'data-testid="form-urge"' in page
    for user in (plain, personas.handler, personas.liaison):
        other = login(user).get(url).content.decode()
        assert "本周内拿出方案" in other and 'data-testid="form-instruct"' not in other
        assert 'data-testid="form-urge"' not in other


def test_the_demand_page_offers_the_forms_to_leaders_only(personas: Any, plain: User) -> None:
    url = reverse("demands:detail", args=[personas.ours.demand.pk])
    page = login(personas.chief).get(url).content.decode()
    assert 'data-testid="form-instruct"' in page and 'data-testid="task-urge"' in page
    for user in (plain, personas.handler, personas.ent_user):
        other = login(user).get(url).content.decode()
        assert 'data-testid="form-instruct"' not in other and 'data-testid="task-urge"' not in other


def _supervised(make_demand: Any, world: Any, title: str) -> Task:
    task = world.task(make_demand(status=DemandStatus.ACCEPTED, title=title))
    Task.objects.filter(pk=task.pk).update(escalation=Escalation.SUPERVISED, deadline=add_workdays(clock.today(), -4))
    task.refresh_from_db()
    return task


def test_the_supervision_queue_shows_urges_and_the_latest_instruction(
    personas: Any, make_demand: Any, world: Any
) -> None:
    task = _supervised(make_demand, world, "督办的事项")
    leader_urge(task=task, actor=personas.chief)
    LeaderNote.objects.filter(task=task).update(created_at=clock.now() - dt.timedelta(days=1))  # yesterday's
    leader_urge(task=task, actor=personas.chief)
    leader_instruct(demand=task.demand, actor=personas.member, text="旧的批示")
    leader_instruct(task=task, actor=personas.chief, text="最新的批示")
    row = (
        login(personas.chief)
        .get(reverse("demands:supervision"))
        .content.decode()
        .split('data-testid="supervision-row"')[1]
    )
    assert "已催办 2 次" in row and "最新的批示" in row and "旧的批示" not in row
    assert 'data-testid="row-urge"' in row
    member_row = login(personas.member).get(reverse("demands:supervision")).content.decode()
    assert 'data-testid="row-urge"' in member_row  # the lead department's head leads too


def test_urging_from_the_supervision_queue_comes_back_to_it(personas: Any, make_demand: Any, world: Any) -> None:
    task = _supervised(make_demand, world, "督办的事项")
    queue = reverse("demands:supervision") + "?show=supervised"
    response = login(personas.chief).post(reverse("demands:task_urge", args=[task.pk]), {"note": "", "next": queue})
    assert response.status_code == 302 and response.url == queue
    assert LeaderNote.objects.filter(task=task, kind=LeaderNote.Kind.URGE).count() == 1


def _queries(client: Client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_supervision_queue_query_count_is_flat(personas: Any, make_demand: Any, world: Any) -> None:
    client = login(personas.chief)
    first = _supervised(make_demand, world, "督办0")
    leader_urge(task=first, actor=personas.chief)
    few = _queries(client, reverse("demands:supervision"))
    for i in range(1, 5):
        task = _supervised(make_demand, world, f"督办{i}")
        leader_urge(task=task, actor=personas.member)
        leader_instruct(task=task, actor=personas.chief, text=f"批示{i}")
    assert _queries(client, reverse("demands:supervision")) == few


# --- the pages' POSTs --------------------------------------------------------------------------------------------


def test_instruct_on_the_demand_page(personas: Any) -> None:
    demand = personas.ours.demand
    url = reverse("demands:instruct", args=[demand.pk])
    response = login(personas.member).post(url, {"text": "请牵头部门本周内拿出方案"})
    assert response.status_code == 302 and response.url == reverse("demands:detail", args=[demand.pk]) + "#leader-notes"
    assert LeaderNote.objects.get().text == "请牵头部门本周内拿出方案"
    refused = login(personas.member).post(url, {"text": ""})
    assert refused.status_code == 400 and "请填写批示内容。" in refused.content.decode()
    assert LeaderNote.objects.count() == 1


def test_instruct_and_urge_on_the_task_page(personas: Any) -> None:
    task = personas.ours.task
    client = login(personas.chief)
    response = client.post(reverse("demands:task_instruct", args=[task.pk]), {"text": "抓紧"})
    assert response.status_code == 302
    response = client.post(reverse("demands:task_urge", args=[task.pk]), {"note": "请今天回复"})
    assert response.status_code == 302 and response.url.endswith("#leader-notes")
    again = client.post(reverse("demands:task_urge", args=[task.pk]), {"note": "再催"})
    assert again.status_code == 400 and "今天已催办过" in again.content.decode()
    assert 'value="再催"' in again.content.decode()  # the form keeps what was typed
    assert LeaderNote.objects.count() == 2


def test_those_who_may_not_lead_get_403_or_404(personas: Any, plain: User) -> None:
    task = personas.ours.task
    posts = [
        reverse("demands:instruct", args=[task.demand_id]),
        reverse("demands:task_instruct", args=[task.pk]),
        reverse("demands:task_urge", args=[task.pk]),
    ]
    for url in posts:
        assert login(plain).post(url, {"text": "x", "note": "x"}).status_code == 403
        assert login(personas.handler).post(url, {"text": "x", "note": "x"}).status_code == 403
        assert login(personas.x_chief).post(url, {"text": "x", "note": "x"}).status_code == 404
        assert Client().post(url, {"text": "x"}).status_code == 302
        assert login(personas.chief).get(url).status_code == 405
    assert not LeaderNote.objects.exists()


# --- metrics ---------------------------------------------------------------------------------------------------


def test_urges_count_per_department_in_the_metrics(personas: Any, world: Any, make_demand: Any) -> None:
    """被催办 per lead department (metrics.metric_table, the one count of it): 催办 only, 批示 not; within the
    reader's visible demands; 催办 moves nothing."""
    ours = personas.ours.task
    theirs = world.task(make_demand(status=DemandStatus.ACCEPTED), department="theirs")
    leader_urge(task=ours, actor=personas.chief)
    LeaderNote.objects.update(created_at=clock.now() - dt.timedelta(days=1))  # yesterday's
    leader_urge(task=ours, actor=personas.chief)
    leader_urge(task=theirs, actor=personas.member)
    leader_instruct(task=theirs, actor=personas.member, text="批示不算催办")
    today = clock.today()

    def urged(user: User) -> dict[str, int | None]:
        table = metrics.metric_table(user, dimension="department", start=today - dt.timedelta(days=30), end=today)
        return {row.label: row.urged for row in table.rows}

    assert urged(personas.chief) == {"测试甲局": 2, "测试乙局": 1}
    assert set(urged(personas.x_chief).values()) <= {0}  # not their chain's demands
    assert Demand.objects.filter(pk=ours.demand_id, status=DemandStatus.IN_PROGRESS).exists()
    assert Task.objects.get(pk=ours.pk).status == TaskStatus.PENDING  # 催办 moves nothing


def test_the_metrics_page_counts_urges_per_department(personas: Any, world: Any, make_demand: Any) -> None:
    theirs = world.task(make_demand(status=DemandStatus.ACCEPTED), department="theirs")
    leader_urge(task=personas.ours.task, actor=personas.chief)
    leader_urge(task=theirs, actor=personas.chief)
    LeaderNote.objects.filter(task=theirs).update(created_at=clock.now() - dt.timedelta(days=1))
    leader_urge(task=theirs, actor=personas.member)
    start = (clock.today() - dt.timedelta(days=30)).isoformat()
    url = reverse("demands:metrics") + f"?dimension=department&start={start}&end={clock.today().isoformat()}"
    page = login(personas.chief).get(url).content.decode()
    assert "被催办(次)" in page
    rows = {
        row.split("</td>")[1]: row.split('data-testid="metrics-urged">')[1].split("<")[0]
        for row in page.split('data-testid="metrics-row"')[1:]
    }
    assert {label[-4:]: n for label, n in rows.items()} == {"测试甲局": "1", "测试乙局": "2"}
    total = page.split('data-testid="metrics-total"')[1]
    assert 'data-testid="metrics-urged">3<' in total
