"""A decision's responsible departments and working-day deadline, and 交办: a decision that is not about one
enterprise assigned to its departments (chaindesk.meetings.services.decision_assign), at most once, by the
chain's team only; and the meeting page's decisions table with each decision's departments, deadline and status
(未办, 办理中, 逾期, 已办结).

On the fixed personas: the member and the chief are on 测试甲链's team; the liaison (who attends) and the
district admin (of 测试甲区, where the meeting is held) read the meeting only; x_chief leads another chain;
`handler` works in 测试甲局 (ours), `x_handler` in 测试乙局 (theirs)."""

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from chaindesk.accounts.models import Department, User
from chaindesk.core.actors import FIXTURES
from chaindesk.core.models import AuditAction, AuditLog, Notification
from chaindesk.core.services import audited_create
from chaindesk.demands import services as demand_services
from chaindesk.demands.choices import DemandKind, DemandStatus, TaskStatus
from chaindesk.demands.models import Demand, Task
from chaindesk.demands.workdays import add_workdays
from chaindesk.meetings import services
from chaindesk.meetings.models import Decision, Meeting, MeetingKind
from chaindesk.testkit.personas import Personas

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # written for any day (CI runs it under other clocks)

TALENT = "研究制定产业链人才引育专项政策，两周内形成初稿。"


def _user(personas: Personas, key: str) -> User:
    user = personas.user(key)
    assert user is not None, key
    return user


def _client(user: User | None) -> Client:
    assert user is not None
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def meeting(personas: Personas) -> Meeting:
    """A 测试甲链 meeting held three days ago in 测试甲区, attended by the team and our liaison."""
    return audited_create(
        model=Meeting,
        actor=FIXTURES,
        chain=personas.ours.chain,
        title="测试甲链人才专题会",
        kind=MeetingKind.TOPIC,
        held_on=personas.today - dt.timedelta(days=3),
        region=personas.ours.region,
        leader=personas.chief,
        attendees=[personas.chief, personas.member, personas.liaison],
    )


@pytest.fixture
def talent(meeting: Meeting, personas: Personas) -> Decision:
    """Not about one enterprise, for 测试乙局 and 测试甲局 (牵头), 10 working days."""
    return services.decision_add(
        actor=personas.member,
        meeting=meeting,
        content=TALENT,
        departments=[personas.theirs.department, personas.ours.department],
        lead=personas.ours.department,
        working_days=10,
    )


def _departments(decision: Decision) -> list[tuple[Department, bool]]:
    return [(r.department, r.lead) for r in decision.responsible.select_related("department")]


# --- recording ------------------------------------------------------------------------------------------------


def test_a_decision_keeps_its_departments_lead_first_and_a_working_day_deadline(
    talent: Decision, meeting: Meeting, personas: Personas
) -> None:
    ours, theirs = personas.ours.department, personas.theirs.department
    assert _departments(talent) == [(ours, True), (theirs, False)]
    assert talent.working_days == 10 and talent.deadline == add_workdays(meeting.held_on, 10)
    line = AuditLog.objects.get(action=AuditAction.CREATE, content_type__model="decision", object_id=str(talent.pk))
    assert line.after is not None and line.after["departments"] == [ours.pk, theirs.pk]
    services.decision_update(
        actor=personas.chief, decision=talent, content=TALENT, departments=[theirs], working_days=20
    )
    talent.refresh_from_db()
    assert _departments(talent) == [(theirs, True)] and talent.deadline == add_workdays(meeting.held_on, 20)
    line = AuditLog.objects.filter(action=AuditAction.UPDATE, content_type__model="decision").latest("pk")
    assert line.after is not None and line.after["departments"] == [theirs.pk] and line.after["working_days"] == 20


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (0, "办理时限须在1至250个工作日之间。"),
        (251, "办理时限须在1至250个工作日之间。"),
        ("十", "办理时限须为正整数（工作日）。"),
    ],
)
def test_working_days_are_checked(meeting: Meeting, personas: Personas, days: Any, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        services.decision_add(actor=personas.member, meeting=meeting, content="某事项", working_days=days)
    assert refused.value.message_dict == {"working_days": [message]}
    assert not meeting.decisions.exists()


def test_the_lead_must_be_one_of_the_departments(meeting: Meeting, personas: Personas) -> None:
    with pytest.raises(ValidationError) as refused:
        services.decision_add(
            actor=personas.member,
            meeting=meeting,
            content="某事项",
            departments=[personas.ours.department],
            lead=personas.theirs.department,
        )
    assert refused.value.message_dict == {"lead": ["牵头部门须为所选责任部门之一。"]}


# --- 交办 -------------------------------------------------------------------------------------------------------


def test_assigning_cuts_a_task_per_department_linked_back_to_the_decision(
    talent: Decision, meeting: Meeting, personas: Personas
) -> None:
    demand = services.decision_assign(actor=personas.member, decision=talent)
    talent.refresh_from_db()
    assert talent.demand == demand and demand.meeting_decision == talent
    assert demand.kind == DemandKind.ASSIGNMENT and demand.enterprise is None
    assert demand.source_label == f"《{meeting.title}》议定事项 1"
    assert demand.source_url == f"/meetings/{meeting.pk}/#decision-1"
    tasks = list(demand.tasks.order_by("pk"))
    assert [t.lead_department for t in tasks] == [personas.ours.department, personas.theirs.department]
    assert {(t.deadline, t.working_days, t.instructions) for t in tasks} == {(talent.deadline, 10, TALENT)}
    assert AuditLog.objects.filter(
        action=AuditAction.UPDATE, content_type__model="decision", object_id=str(talent.pk), after={"demand": demand.pk}
    ).exists()
    with pytest.raises(ValidationError, match="该议定事项已交办"):
        services.decision_assign(actor=personas.chief, decision=talent)
    with pytest.raises(ValidationError, match="该议定事项已交办，不能删除"):
        services.decision_delete(actor=personas.member, decision=talent)
    with pytest.raises(ValidationError, match="不能更改责任部门和办理时限"):
        services.decision_update(
            actor=personas.member,
            decision=talent,
            content=TALENT,
            departments=[personas.ours.department],
            working_days=10,
        )
    services.decision_update(  # the wording may still be corrected
        actor=personas.member,
        decision=talent,
        content=TALENT + "（补充）",
        departments=[personas.theirs.department, personas.ours.department],
        lead=personas.ours.department,
        working_days=10,
    )


def test_a_second_page_assigning_the_same_decision_changes_nothing(talent: Decision, personas: Personas) -> None:
    """Like decision_to_demand's race: a page opened before the first 交办 holds a decision without a demand; its
    compare-and-set finds the link taken and rolls its 交办事项, tasks and notices back."""
    stale = Decision.objects.select_related("meeting__chain", "meeting__region").get(pk=talent.pk)
    first = services.decision_assign(actor=personas.member, decision=talent)
    before = (Demand.objects.count(), Task.objects.count(), Notification.objects.count())
    with pytest.raises(ValidationError, match="该议定事项已交办"):
        services.decision_assign(actor=personas.chief, decision=stale)
    assert (Demand.objects.count(), Task.objects.count(), Notification.objects.count()) == before
    assert Decision.objects.get(pk=talent.pk).demand == first
    assert Demand.objects.filter(source_url__endswith=f"/meetings/{talent.meeting_id}/#decision-1").get() == first


def test_assigning_needs_departments_and_no_enterprise(meeting: Meeting, personas: Personas) -> None:
    bare = services.decision_add(actor=personas.member, meeting=meeting, content="建立一对一跟踪服务机制")
    firm = services.decision_add(
        actor=personas.member,
        meeting=meeting,
        content="协调用地",
        enterprise=personas.ours.enterprise,
        departments=[personas.ours.department],
        working_days=10,
    )
    before = Demand.objects.count()
    with pytest.raises(ValidationError) as no_department:
        services.decision_assign(actor=personas.member, decision=bare)
    assert no_department.value.message_dict == {"departments": ["请至少指定一个责任部门后再交办。"]}
    with pytest.raises(ValidationError, match="涉及企业的议定事项请转为该企业的诉求"):
        services.decision_assign(actor=personas.member, decision=firm)
    assert Demand.objects.count() == before


@pytest.mark.parametrize("key", ["liaison", "district", "ent_user", "x_chief", "handler"])
def test_only_the_chains_team_assigns(key: str, talent: Decision, personas: Personas) -> None:
    before = Demand.objects.count()
    with pytest.raises(PermissionDenied):
        services.decision_assign(actor=_user(personas, key), decision=talent)
    assert Demand.objects.count() == before and Decision.objects.get(pk=talent.pk).demand is None


# --- pages ----------------------------------------------------------------------------------------------------


def test_the_team_assigns_from_the_meeting_page(talent: Decision, meeting: Meeting, personas: Personas) -> None:
    client = _client(personas.member)
    url = reverse("meetings:detail", args=[meeting.pk])
    page = client.get(url).content.decode()
    assign = reverse("meetings:decision_to_demand", args=[talent.pk])
    assert 'data-testid="decision-assign"' in page and assign in page
    assert 'data-progress="not_started"' in page and "未办" in page
    assert page.count('data-testid="decision-lead"') == 1
    confirm = client.get(assign)
    assert confirm.status_code == 200
    text = confirm.content.decode()
    assert "测试甲局" in text and "测试乙局" in text and talent.deadline.isoformat() in text
    assert not Demand.objects.filter(meeting_decision=talent).exists()  # the GET only asks
    response = client.post(assign)
    demand = Demand.objects.get(meeting_decision=talent)
    assert response.status_code == 302 and response["Location"] == reverse("demands:detail", args=[demand.pk])
    page = client.get(url).content.decode()
    assert 'data-progress="in_progress"' in page and "已交办 · 2 项任务" in page
    assert 'data-testid="decision-assign"' not in page and 'data-testid="decision-delete"' not in page
    again = client.get(assign)
    assert again.status_code == 302 and again["Location"] == reverse("demands:detail", args=[demand.pk])


def test_other_readers_cannot_assign(talent: Decision, personas: Personas) -> None:
    url = reverse("meetings:decision_to_demand", args=[talent.pk])
    for key in ("liaison", "district", "ent_user"):
        client = _client(personas.user(key))
        assert client.get(url).status_code == 403 and client.post(url).status_code == 403, key
    assert _client(personas.x_chief).post(url).status_code == 404
    assert Decision.objects.get(pk=talent.pk).demand is None


def test_the_form_says_what_is_wrong_in_chinese(meeting: Meeting, personas: Personas) -> None:
    client = _client(personas.member)
    add = reverse("meetings:decision_add", args=[meeting.pk])
    ours, theirs = personas.ours.department.pk, personas.theirs.department.pk
    cases: list[tuple[dict[str, Any], str]] = [
        ({"departments": [ours, theirs], "working_days": 10}, "选择了多个责任部门，请指定其中的牵头部门。"),
        ({"departments": [ours], "lead": theirs, "working_days": 10}, "牵头部门须为所选责任部门之一。"),
        ({"working_days": 0}, "办理时限须在1至250个工作日之间。"),
        ({"working_days": 300}, "办理时限须在1至250个工作日之间。"),
        ({}, "请填写办理时限（工作日）。"),
    ]
    for extra, message in cases:
        response = client.post(add, {"content": "保留的内容", **extra})
        assert response.status_code == 400, extra
        assert message in response.content.decode(), extra
    assert not meeting.decisions.exists()
    response = client.post(add, {"content": TALENT, "departments": [ours, theirs], "lead": theirs, "working_days": 15})
    assert response.status_code == 302
    decision = meeting.decisions.get()
    assert _departments(decision) == [(personas.theirs.department, True), (personas.ours.department, False)]
    edit = client.get(reverse("meetings:decision_edit", args=[decision.pk]))
    assert edit.context["form"].initial["lead"] == theirs and edit.context["form"].initial["working_days"] == 15


def test_the_meeting_page_shows_each_decisions_status(meeting: Meeting, personas: Personas) -> None:
    """未办 (nothing assigned), 办理中 (tasks at work), 逾期 (a task past its deadline) and 已办结 (every task
    accepted), read from the tasks in the decisions' own query."""
    team, ours, theirs = personas.member, personas.ours.department, personas.theirs.department

    def decision(text: str, *departments: Department) -> Decision:
        return services.decision_add(
            actor=team, meeting=meeting, content=text, departments=departments, working_days=10
        )

    decision("未交办的事项", ours)
    working = decision("办理中的事项", ours, theirs)
    late = decision("已逾期的事项", theirs)
    done = decision("已办结的事项", ours)
    for d in (working, late, done):
        services.decision_assign(actor=team, decision=d)
    Task.objects.filter(demand__meeting_decision=late).update(deadline=personas.today - dt.timedelta(days=1))
    (task,) = Task.objects.filter(demand__meeting_decision=done)
    demand_services.task_sign(task=task, actor=personas.handler)
    demand_services.task_request_completion(task=task, actor=personas.handler, result="已办结。")
    demand_services.task_accept_completion(task=Task.objects.get(pk=task.pk), actor=team)
    assert Demand.objects.get(meeting_decision=done).status == DemandStatus.CLOSED
    assert set(Task.objects.filter(demand__meeting_decision=working).values_list("status", flat=True)) == {
        TaskStatus.PENDING
    }
    for key in ("member", "liaison", "district"):
        page = _client(personas.user(key)).get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
        rows = page.split('data-testid="decision-row"')[1:]
        assert [r.split('data-progress="')[1].split('"')[0] for r in rows] == [
            "not_started",
            "in_progress",
            "overdue",
            "done",
        ], key
        assert "逾期" in rows[2] and "已办结" in rows[3]
