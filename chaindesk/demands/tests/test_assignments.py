"""A meeting's 交办事项 (Demand of kind ASSIGNMENT, chaindesk/demands/services_assignments.py): created accepted
with one task per department, worked in the same task workflow (签收, 申请办结, the team's acceptance, the
escalation ladder, the 督办 queue), closed without any enterprise confirmation; and left out of everything that
counts an enterprise's demands (the ledger, its API list, the metrics, the search, the 工作台 cards, the
enterprise's tab), which the counts before and after prove.

On the fixed personas: the chief and the member are on 测试甲链's team; `handler` works in 测试甲局 (ours),
`x_handler` in 测试乙局 (theirs); the district admin administers 测试甲区, where the 交办事项 is placed."""

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from chaindesk.accounts.models import User
from chaindesk.core import clock
from chaindesk.core.models import AuditAction, AuditLog, Notification
from chaindesk.core.search import search
from chaindesk.demands import jobs, services
from chaindesk.demands.choices import Channel, DemandKind, DemandStatus, Escalation, TaskStatus
from chaindesk.demands.metrics import metric_table
from chaindesk.demands.models import Demand, DemandEvent, Task
from chaindesk.demands.selectors import demand_list, enterprise_demands
from chaindesk.demands.selectors_queues import district_card, supervision_tasks
from chaindesk.demands.services_assignments import assignment_create
from chaindesk.demands.workdays import add_workdays
from chaindesk.testkit.calendar import workdays_overdue
from chaindesk.testkit.personas import Personas

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # written for any day (CI runs it under other clocks)

CONTENT = "研究制定产业链人才引育专项政策\n两周内形成初稿。"
SOURCE = ("《测试甲链专题会》议定事项 2", "/meetings/1/#decision-2")


def _assign(p: Personas, *, actor: User | None = None, start: dt.date | None = None, days: int = 10) -> Demand:
    """A 交办事项 of 测试甲链 held in 测试甲区, for 测试甲局 (lead) and 测试乙局."""
    return assignment_create(
        actor=actor or p.member,
        chain=p.ours.chain,
        region=p.ours.region,
        content=CONTENT,
        departments=[p.ours.department, p.theirs.department],
        working_days=days,
        start=start or p.today,
        source_label=SOURCE[0],
        source_url=SOURCE[1],
    )


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _done(task: Task, handler: User, team: User) -> None:
    """The department signs and asks for completion; the team accepts."""
    services.task_sign(task=task, actor=handler)
    services.task_request_completion(task=task, actor=handler, result="已形成政策初稿。")
    services.task_accept_completion(task=Task.objects.get(pk=task.pk), actor=team)


# --- creation ------------------------------------------------------------------------------------------------


def test_creation_cuts_one_task_per_department_from_the_meeting_day_over_a_holiday(personas: Personas) -> None:
    """Held on 2026-09-29, 5 working days: 09-30, 10-08, 10-09, 10-10 (the make-up Saturday), 10-12; the 国庆
    days do not count."""
    held = dt.date(2026, 9, 29)
    demand = _assign(personas, start=held, days=5)
    assert demand.kind == DemandKind.ASSIGNMENT and demand.enterprise is None and demand.category is None
    assert demand.channel == Channel.MEETING and demand.status == DemandStatus.IN_PROGRESS
    assert (demand.chain, demand.region, demand.submitted_by) == (
        personas.ours.chain,
        personas.ours.region,
        personas.member,
    )
    assert demand.title == "研究制定产业链人才引育专项政策" and demand.description == CONTENT
    assert (demand.source_label, demand.source_url) == SOURCE
    assert demand.accepted_at is not None and demand.response_days == 0
    tasks = list(demand.tasks.order_by("pk"))
    assert [t.lead_department for t in tasks] == [personas.ours.department, personas.theirs.department]
    assert {(t.instructions, t.working_days, t.deadline, t.status) for t in tasks} == {
        (CONTENT, 5, dt.date(2026, 10, 12), TaskStatus.PENDING)
    }
    assert add_workdays(held, 5) == dt.date(2026, 10, 12)
    events = list(DemandEvent.objects.filter(demand=demand).values_list("kind", flat=True))
    assert events == ["assigned", "task_created", "task_created"]
    audited = AuditLog.objects.filter(action=AuditAction.CREATE)
    assert audited.filter(content_type__model="demand", object_id=str(demand.pk)).count() == 1
    assert audited.filter(content_type__model="task", object_id__in=[str(t.pk) for t in tasks]).count() == 2
    # each department is told, as for a split; the notice names the decision, not an enterprise
    told = Notification.objects.filter(kind="task_assigned", title__contains=demand.title)
    assert set(told.values_list("recipient", flat=True)) == {personas.handler.pk, personas.x_handler.pk}
    assert all(f"会议交办：{SOURCE[0]}" in n.body for n in told)


def test_only_the_chains_team_assigns(personas: Personas) -> None:
    before = Demand.objects.count()
    for key in ("liaison", "district", "ent_user", "handler", "x_chief"):
        with pytest.raises(PermissionDenied):
            _assign(personas, actor=personas.user(key))
    assert Demand.objects.count() == before
    with pytest.raises(ValidationError) as none:
        assignment_create(
            actor=personas.member,
            chain=personas.ours.chain,
            region=None,
            content=CONTENT,
            departments=[],
            working_days=10,
            start=personas.today,
            source_label="",
            source_url="",
        )
    assert none.value.message_dict == {"departments": ["请至少指定一个责任部门后再交办。"]}
    assert Demand.objects.count() == before


def test_an_enterprise_demand_still_needs_its_enterprise(personas: Personas) -> None:
    """The check constraint: only a 交办事项 may lack an enterprise (full_clean says it in Chinese)."""
    demand = Demand(
        title="无企业诉求",
        description="x",
        channel=Channel.TEAM,
        submitted_by=personas.member,
        submitted_at=clock.now(),
    )
    with pytest.raises(ValidationError, match="只有会议交办事项可以不指定企业"):
        demand.full_clean()


# --- the task workflow ---------------------------------------------------------------------------------------


def test_the_team_accepting_every_task_closes_the_assignment_without_the_enterprise(personas: Personas) -> None:
    demand = _assign(personas)
    ours, theirs = demand.tasks.order_by("pk")
    _done(ours, personas.handler, personas.member)
    demand.refresh_from_db()
    assert demand.status == DemandStatus.IN_PROGRESS  # one department still at work
    _done(theirs, personas.x_handler, personas.chief)
    demand.refresh_from_db()
    assert demand.status == DemandStatus.CLOSED and demand.closed_at is not None
    assert demand.close_days == 0 and demand.closed_on_time is True and demand.rating == ""
    kinds = list(DemandEvent.objects.filter(demand=demand).values_list("kind", flat=True))
    assert "awaiting_confirmation" not in kinds and kinds[-1] == "assignment_closed"
    assert not Notification.objects.filter(kind="demand_awaiting_confirmation", url__contains=f"/{demand.pk}/").exists()
    closed = Notification.objects.filter(kind="assignment_closed")
    assert closed.filter(recipient=personas.member).exists()  # who assigned it hears it is done
    with pytest.raises(PermissionDenied):  # nobody confirms or rates a 交办事项
        services.demand_confirm(demand=demand, actor=personas.chief, rating="satisfied")


def test_handlers_and_the_team_act_on_an_assignment_as_on_any_task(personas: Personas) -> None:
    demand = _assign(personas)
    ours, theirs = demand.tasks.order_by("pk")
    with pytest.raises(PermissionDenied):  # another department's handler
        services.task_sign(task=ours, actor=personas.x_handler)
    services.task_sign(task=ours, actor=personas.handler)
    services.task_request_extension(task=ours, actor=personas.handler, extra_days=3, reason="需征求意见")
    with pytest.raises(PermissionDenied):  # another chain's chief decides nothing here
        services.task_decide_extension(task=Task.objects.get(pk=ours.pk), actor=personas.x_chief, approve=True)
    services.task_decide_extension(task=Task.objects.get(pk=ours.pk), actor=personas.member, approve=True)
    assert Task.objects.get(pk=ours.pk).deadline == add_workdays(ours.deadline, 3)
    services.task_return(task=theirs, actor=personas.x_handler, reason="不属本局职责")
    page = _client(personas.member).get(reverse("demands:team_queue") + "?show=returned").content.decode()
    assert "会议交办" in page and "不属本局职责" in page


def test_the_pages_read_an_assignment_as_a_meeting_assignment(personas: Personas) -> None:
    demand = _assign(personas)
    task = demand.tasks.order_by("pk").first()
    assert task is not None
    page = _client(personas.member).get(reverse("demands:detail", args=[demand.pk])).content.decode()
    assert 'data-testid="assignment-pretitle"' in page and 'data-testid="demand-kind"' in page
    assert f'href="{SOURCE[1]}"' in page and 'data-testid="back-to-decision"' in page
    assert 'id="panel-confirm"' not in page and "挂钩服务专员" not in page and "类别 / 紧急程度" not in page
    queue = _client(personas.handler).get(reverse("demands:tasks")).content.decode()
    assert 'data-testid="assignment-tag"' in queue and SOURCE[0] in queue
    assert f'href="{SOURCE[1]}"' not in queue  # a department reads the source, not the meeting
    task_page = _client(personas.handler).get(reverse("demands:task_detail", args=[task.pk])).content.decode()
    assert "会议交办" in task_page and "议定内容" not in task_page  # the instructions already say it
    api = _client(personas.member).get(f"/api/demands/{demand.pk}").json()
    assert (api["kind"], api["enterprise_id"], api["enterprise"], api["category"]) == ("assignment", None, None, None)
    assert len(api["tasks"]) == 2


# --- escalation and the 督办 queue ---------------------------------------------------------------------------


def test_an_overdue_assignment_task_is_supervised_and_shows_in_the_chiefs_queue(personas: Personas) -> None:
    today = personas.today
    held = workdays_overdue(today, 15)  # 10 working days from then: 5 working days overdue, past 督办's 3
    demand = _assign(personas, start=held, days=10)
    counts = jobs.run_escalation(today=today)
    assert counts["supervised"] >= 2
    assert set(demand.tasks.values_list("escalation", flat=True)) == {Escalation.SUPERVISED}
    queue, _filters = supervision_tasks(personas.chief, {"show": "supervised"}, today)
    assert set(demand.tasks.values_list("pk", flat=True)) <= set(queue.values_list("pk", flat=True))
    page = _client(personas.chief).get(reverse("demands:supervision") + "?show=supervised").content.decode()
    assert demand.title in page and 'data-testid="assignment-tag"' in page and f'href="{SOURCE[1]}"' in page
    assert not supervision_tasks(personas.x_chief, {}, today)[0].filter(demand=demand).exists()


# --- what counts an enterprise's demands leaves assignments out ------------------------------------------------


def _counts(p: Personas) -> dict[str, Any]:
    chief, district = p.chief, p.district
    year = p.today.year
    table = metric_table(chief, dimension="chain", start=dt.date(year, 1, 1), end=p.today)
    departments = metric_table(chief, dimension="department", start=dt.date(year, 1, 1), end=p.today)
    api = _client(chief).get("/api/demands/?limit=200").json()
    ledger = _client(chief).get(reverse("demands:list")).context["page_obj"].paginator.count
    return {
        "ledger": demand_list(chief, {})[0].count(),
        "ledger_page": ledger,
        "api": api["count"],
        "received": table.total.received,
        "department_cases": departments.total.received,
        "open_tasks": departments.total.open_tasks,
        "district_card": district_card(district)["count"],
        "enterprise_tab": enterprise_demands(chief, p.ours.enterprise).count(),
        "search": sum(len(g.hits) for g in search(chief, "人才引育").groups if g.source.key == "demands"),
    }


def test_assignments_are_not_an_enterprises_demands(personas: Personas) -> None:
    before = _counts(personas)
    demand = _assign(personas)
    assert _counts(personas) == before
    # yet they are there for those who read them: the team, the district where the meeting was held, the
    # departments through their tasks; never a liaison or the enterprise
    assert Demand.objects.visible_to(personas.chief).filter(pk=demand.pk).exists()
    assert Demand.objects.visible_to(personas.district).filter(pk=demand.pk).exists()
    assert Demand.objects.visible_to(personas.handler).filter(pk=demand.pk).exists()
    for key in ("liaison", "ent_user", "x_chief", "x_district"):
        assert not Demand.objects.visible_to(personas.user(key)).filter(pk=demand.pk).exists(), key
    assert Demand.objects.enterprise_demands().filter(pk=demand.pk).count() == 0
    assert Demand.objects.assignments().filter(pk=demand.pk).count() == 1
