"""Demand and task services: every legal and illegal transition (driven by DEMAND_TRANSITIONS and
TASK_TRANSITIONS), stale 409s, permissions per persona, closure only on confirmation, 不满意 reopens, proxy
confirmation, and the metrics fields on hand-built data with a holiday in between."""

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from chaindesk.accounts.models import User
from chaindesk.core.exceptions import InvalidTransition
from chaindesk.core.models import AuditLog
from chaindesk.demands import services
from chaindesk.demands.choices import DEMAND_TRANSITIONS, Channel, DemandStatus, Rating, TaskStatus
from chaindesk.demands.models import Category, Demand, DemandEvent, Task, TaskUpdate
from chaindesk.enterprises.models import Enterprise
from chaindesk.liaison.models import VisitIssue

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: depends on today, CI runs it under other clocks too

TEAM = "jiangdd"
HANDLER = "chenjing"
OWNER = "liuyang"
LIAISON = "liming"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    "status",
    [
        DemandStatus.SUBMITTED,
        DemandStatus.NEEDS_INFO,
        DemandStatus.REJECTED,
        DemandStatus.ACCEPTED,
        DemandStatus.IN_PROGRESS,
        DemandStatus.AWAITING_CONFIRMATION,
        DemandStatus.CLOSED,
    ],
)
def test_factory_reaches_status(make_demand: Callable[..., Demand], status: str) -> None:
    demand = make_demand(status=status)
    demand.refresh_from_db()
    assert demand.status == status


def test_categories_migrated() -> None:
    names = list(Category.objects.values_list("name", flat=True))
    assert names == [
        "用地规划",
        "审批手续",
        "环评能评",
        "用能用电",
        "融资金融",
        "人才用工",
        "政策兑现",
        "市场订单",
        "研发创新",
        "基础设施",
        "其他",
    ]


def test_category_migration_is_idempotent() -> None:
    from importlib import import_module

    from django.apps import apps

    migration = import_module("chaindesk.demands.migrations.0002_categories")
    Category.objects.filter(code="other").update(name="其他事项")  # an edited name is kept
    migration.create_categories(apps, None)
    migration.create_categories(apps, None)
    assert Category.objects.count() == 11
    assert Category.objects.get(code="other").name == "其他事项"


# --- intake ------------------------------------------------------------------------------------------------


def test_submit_copies_enterprise_facts_and_records(make_demand: Callable[..., Demand], boshen: Enterprise) -> None:
    demand = make_demand()
    assert demand.status == DemandStatus.SUBMITTED
    assert demand.region_id == boshen.region_id
    assert demand.liaison_id == boshen.liaison_id
    assert demand.chain == boshen.chains.order_by("sort_order", "code").first()
    assert demand.chain is not None
    assert demand.submitted_at is not None
    assert demand.submitted_by.username == OWNER
    assert list(demand.events.values_list("kind", "to_status")) == [("submitted", DemandStatus.SUBMITTED)]
    assert AuditLog.objects.for_object(demand).exists()


@pytest.mark.parametrize(
    ("username", "channel"),
    [
        (OWNER, Channel.ENTERPRISE),
        (LIAISON, Channel.LIAISON),
        (TEAM, Channel.TEAM),
        ("wangzh", Channel.MEETING),
        ("zhangkun", Channel.API),
    ],
)
def test_submit_allowed(make_demand: Callable[..., Demand], username: str, channel: str) -> None:
    assert make_demand(actor=username, channel=channel).status == DemandStatus.SUBMITTED


@pytest.mark.parametrize("username", ["lz_321282", "chenjing", "lead_equip", "zhoutao", "sysadmin", "auditor"])
def test_submit_refused_out_of_scope(make_demand: Callable[..., Demand], username: str) -> None:
    demands_before = Demand.objects.count()
    with pytest.raises(PermissionDenied):
        make_demand(actor=username, channel=Channel.TEAM)
    assert Demand.objects.count() == demands_before


def test_enterprise_user_only_for_own_enterprise(
    persona: Callable[[str], User], categories: dict[str, Category], boshen: Enterprise
) -> None:
    demands_before = Demand.objects.count()
    other = Enterprise.objects.exclude(pk=boshen.pk).first()
    assert other is not None
    with pytest.raises(PermissionDenied):
        services.demand_submit(
            actor=persona(OWNER),
            enterprise=other,
            title="x",
            description="y",
            category=categories["other"],
            channel=Channel.ENTERPRISE,
        )
    assert Demand.objects.count() == demands_before


@pytest.mark.parametrize(
    ("username", "channel"),
    [
        (OWNER, Channel.TEAM),
        (OWNER, Channel.API),
        (TEAM, Channel.ENTERPRISE),
        (TEAM, "fax"),
        (TEAM, Channel.LIAISON),
        (LIAISON, Channel.TEAM),
        (LIAISON, Channel.ENTERPRISE),
    ],
)
def test_submit_channel_checked(make_demand: Callable[..., Demand], username: str, channel: str) -> None:
    demands_before = Demand.objects.count()
    with pytest.raises(ValidationError):
        make_demand(actor=username, channel=channel)
    assert Demand.objects.count() == demands_before


@pytest.mark.parametrize(("title", "description"), [("", "内容"), ("  ", "内容"), ("标题", ""), ("长" * 101, "内容")])
def test_submit_requires_title_and_description(
    make_demand: Callable[..., Demand], title: str, description: str
) -> None:
    demands_before = Demand.objects.count()
    with pytest.raises(ValidationError):
        make_demand(title=title, description=description)
    assert Demand.objects.count() == demands_before


def test_submit_from_visit_issue(
    make_demand: Callable[..., Demand], persona: Callable[[str], User], categories: dict[str, Category]
) -> None:
    issue = (
        VisitIssue.objects.filter(visit__enterprise__liaison__username=LIAISON, demand__isnull=True)
        .select_related("visit")
        .first()
    )
    if issue is None:
        pytest.skip("the demo has no visit issue for liming's enterprises")
    enterprise = issue.visit.enterprise
    kwargs: dict[str, Any] = {
        "actor": persona(LIAISON),
        "enterprise": enterprise,
        "title": "走访反映问题",
        "description": issue.text,
        "category": categories["other"],
        "channel": Channel.LIAISON,
        "visit_issue": issue,
    }
    demand = services.demand_submit(**kwargs)
    assert demand.visit_issue == issue
    with pytest.raises(ValidationError):
        services.demand_submit(**kwargs)  # one demand per issue
    other_issue = VisitIssue.objects.exclude(visit__enterprise=enterprise).first()
    if other_issue is not None:
        with pytest.raises(ValidationError):
            services.demand_submit(**{**kwargs, "visit_issue": other_issue})


# --- demand transitions ------------------------------------------------------------------------------------


def _other_open(make_demand: Callable[..., Demand]) -> Demand:
    return make_demand(title="重复的用地诉求")


DEMAND_ACTIONS: dict[str, tuple[str, Callable[..., Any]]] = {
    # action: (target status, call(demand, persona, make_demand))
    "accept": (DemandStatus.ACCEPTED, lambda d, p, m: services.demand_accept(demand=d, actor=p(TEAM))),
    "reject": (DemandStatus.REJECTED, lambda d, p, m: services.demand_reject(demand=d, actor=p(TEAM), reason="无")),
    "merge": (
        DemandStatus.MERGED,
        lambda d, p, m: services.demand_merge(demand=d, into=_other_open(m), actor=p(TEAM), note="重复"),
    ),
    "request_info": (
        DemandStatus.NEEDS_INFO,
        lambda d, p, m: services.demand_request_info(demand=d, actor=p(TEAM), note="请补充"),
    ),
    "supply_info": (
        DemandStatus.SUBMITTED,
        lambda d, p, m: services.demand_supply_info(demand=d, actor=p(OWNER), note="已补充"),
    ),
    "confirm_satisfied": (
        DemandStatus.CLOSED,
        lambda d, p, m: services.demand_confirm(demand=d, actor=p(OWNER), rating=Rating.SATISFIED),
    ),
    "confirm_unsatisfied": (
        DemandStatus.IN_PROGRESS,
        lambda d, p, m: services.demand_confirm(demand=d, actor=p(OWNER), rating=Rating.UNSATISFIED, comment="没解决"),
    ),
}
# Actions that share a target state with another move start only from these states.
ACTION_SOURCES = {"confirm_unsatisfied": {DemandStatus.AWAITING_CONFIRMATION}}
REACHABLE = [
    DemandStatus.SUBMITTED,
    DemandStatus.NEEDS_INFO,
    DemandStatus.ACCEPTED,
    DemandStatus.IN_PROGRESS,
    DemandStatus.AWAITING_CONFIRMATION,
    DemandStatus.CLOSED,
    DemandStatus.REJECTED,
]


def _legal(action: str, source: str) -> bool:
    target = DEMAND_ACTIONS[action][0]
    return target in DEMAND_TRANSITIONS[source] and source in ACTION_SOURCES.get(action, {source})


@pytest.mark.parametrize("source", REACHABLE)
@pytest.mark.parametrize("action", list(DEMAND_ACTIONS))
def test_demand_transition(
    make_demand: Callable[..., Demand], persona: Callable[[str], User], source: str, action: str
) -> None:
    demand = make_demand(status=source)
    target, call = DEMAND_ACTIONS[action]
    if _legal(action, source):
        call(demand, persona, make_demand)
        assert demand.status == target
        stored = Demand.objects.get(pk=demand.pk)
        assert stored.status == target
        event = stored.events.exclude(kind="merged_from").order_by("-pk").first()
        assert event is not None and (event.from_status, event.to_status) == (source, target)
        assert AuditLog.objects.for_object(stored).filter(action="transition").exists()
    else:
        events = DemandEvent.objects.filter(demand=demand).count()
        with pytest.raises(ValidationError):
            call(demand, persona, make_demand)
        assert Demand.objects.get(pk=demand.pk).status == source
        assert DemandEvent.objects.filter(demand=demand).count() == events


def test_every_demand_table_move_is_exercised() -> None:
    """Each move of DEMAND_TRANSITIONS is made by an action above or by the task services."""
    by_actions = {(s, DEMAND_ACTIONS[a][0]) for a in DEMAND_ACTIONS for s in REACHABLE if _legal(a, s)}
    by_tasks = {
        (DemandStatus.ACCEPTED, DemandStatus.IN_PROGRESS),  # first task
        (DemandStatus.IN_PROGRESS, DemandStatus.AWAITING_CONFIRMATION),  # last task done
    }
    table = {(s, t) for s, targets in DEMAND_TRANSITIONS.items() for t in targets}
    assert table == by_actions | by_tasks


@pytest.mark.parametrize(
    ("action", "source"),
    [(a, s) for a in DEMAND_ACTIONS for s in REACHABLE if _legal(a, s)],
)
def test_demand_stale_instance_is_409(
    make_demand: Callable[..., Demand], persona: Callable[[str], User], action: str, source: str
) -> None:
    demand = make_demand(status=source)
    stale = Demand.objects.get(pk=demand.pk)
    # someone else moves it first (reject is possible from both triage states; accept/confirm otherwise)
    if source in (DemandStatus.SUBMITTED, DemandStatus.NEEDS_INFO):
        services.demand_reject(demand=demand, actor=persona("wangzh"), reason="他人先处理")
    else:
        services.demand_confirm(demand=demand, actor=persona(OWNER), rating=Rating.BASICALLY)
    with pytest.raises(InvalidTransition):
        DEMAND_ACTIONS[action][1](stale, persona, make_demand)


def test_merge_rules(make_demand: Callable[..., Demand], persona: Callable[[str], User]) -> None:
    demand = make_demand()
    with pytest.raises(ValidationError):
        services.demand_merge(demand=demand, into=demand, actor=persona(TEAM))
    closed = make_demand(status=DemandStatus.REJECTED, title="已不予受理")
    with pytest.raises(ValidationError):
        services.demand_merge(demand=demand, into=closed, actor=persona(TEAM))
    other_enterprise = make_demand(
        actor=TEAM, channel=Channel.TEAM, enterprise=_other_enterprise_of_team(), title="别家"
    )
    with pytest.raises(ValidationError):
        services.demand_merge(demand=demand, into=other_enterprise, actor=persona(TEAM))
    into = make_demand(title="主诉求")
    services.demand_merge(demand=demand, into=into, actor=persona(TEAM), note="同一事项")
    demand.refresh_from_db()
    assert demand.merged_into == into
    assert into.events.filter(kind="merged_from").exists()
    assert AuditLog.objects.for_object(into).exists()


def _other_enterprise_of_team() -> Enterprise:
    boshen_chains = Enterprise.objects.get(name="江苏博生医用新材料股份有限公司").chains.all()
    other = (
        Enterprise.objects.filter(chains__in=boshen_chains)
        .exclude(name="江苏博生医用新材料股份有限公司")
        .distinct()
        .first()
    )
    assert other is not None
    return other


@pytest.mark.parametrize("reason", ["", "   "])
def test_reject_needs_reason(make_demand: Callable[..., Demand], persona: Callable[[str], User], reason: str) -> None:
    demand = make_demand()
    with pytest.raises(ValidationError):
        services.demand_reject(demand=demand, actor=persona(TEAM), reason=reason)
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.SUBMITTED


@pytest.mark.parametrize("username", [OWNER, LIAISON, HANDLER, "lead_equip", "lz_321282", "zhoutao"])
def test_triage_only_by_team(make_demand: Callable[..., Demand], persona: Callable[[str], User], username: str) -> None:
    demand = make_demand()
    for call in (
        lambda: services.demand_accept(demand=demand, actor=persona(username)),
        lambda: services.demand_reject(demand=demand, actor=persona(username), reason="x"),
        lambda: services.demand_request_info(demand=demand, actor=persona(username), note="x"),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.SUBMITTED


@pytest.mark.parametrize("username", ["jiangdd", "zhangkun", "wangzh"])
def test_triage_by_each_team_member(
    make_demand: Callable[..., Demand], persona: Callable[[str], User], username: str
) -> None:
    demand = make_demand()
    services.demand_accept(demand=demand, actor=persona(username))
    assert demand.status == DemandStatus.ACCEPTED


# --- closure -----------------------------------------------------------------------------------------------


def test_split_demand_waits_for_every_task(
    make_demand: Callable[..., Demand], make_task: Callable[..., Task], persona: Callable[[str], User]
) -> None:
    demand = make_demand(status=DemandStatus.ACCEPTED)
    first = make_task(demand)
    second = make_task(demand, department_code="fgw")
    third = make_task(demand, department_code="gxj")
    services.task_sign(task=first, actor=persona(HANDLER))
    services.task_request_completion(task=first, actor=persona(HANDLER), result="完成")
    services.task_accept_completion(task=first, actor=persona(TEAM))
    demand.refresh_from_db()
    assert demand.status == DemandStatus.IN_PROGRESS
    # closure impossible while a task is open: the demand is not awaiting confirmation
    with pytest.raises(ValidationError):
        services.demand_confirm(demand=demand, actor=persona(OWNER), rating=Rating.SATISFIED)
    services.task_return(task=third, actor=persona("dh_gxj"), reason="不属本部门")
    demand.refresh_from_db()
    assert demand.status == DemandStatus.IN_PROGRESS
    services.task_sign(task=second, actor=persona("dh_fgw"))
    services.task_request_completion(task=second, actor=persona("dh_fgw"), result="完成")
    services.task_accept_completion(task=second, actor=persona(TEAM))
    demand.refresh_from_db()
    assert demand.status == DemandStatus.AWAITING_CONFIRMATION  # returned tasks do not count
    assert demand.closed_at is None


def test_all_tasks_returned_does_not_await_confirmation(
    make_demand: Callable[..., Demand], make_task: Callable[..., Task], persona: Callable[[str], User]
) -> None:
    demand = make_demand(status=DemandStatus.ACCEPTED)
    task = make_task(demand)
    services.task_return(task=task, actor=persona(HANDLER), reason="不属本部门")
    demand.refresh_from_db()
    assert demand.status == DemandStatus.IN_PROGRESS


def test_closure_impossible_without_confirmation(make_demand: Callable[..., Demand]) -> None:
    demand = make_demand(status=DemandStatus.AWAITING_CONFIRMATION)
    assert demand.status == DemandStatus.AWAITING_CONFIRMATION
    assert demand.closed_at is None and demand.rating == ""
    assert set(demand.tasks.values_list("status", flat=True)) == {TaskStatus.DONE}


def test_confirmation_refused_when_a_task_is_open(
    make_demand: Callable[..., Demand], persona: Callable[[str], User]
) -> None:
    """Even if the demand somehow awaits confirmation, an open task forbids closure."""
    demand = make_demand(status=DemandStatus.AWAITING_CONFIRMATION)
    Task.objects.filter(demand=demand).update(status=TaskStatus.IN_PROGRESS)
    with pytest.raises(ValidationError):
        services.demand_confirm(demand=demand, actor=persona(OWNER), rating=Rating.SATISFIED)
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.AWAITING_CONFIRMATION


@pytest.mark.parametrize("username", [TEAM, HANDLER, "zhangkun", "lz_321282", "zhoutao"])
def test_confirm_only_by_enterprise_or_liaison(
    make_demand: Callable[..., Demand], persona: Callable[[str], User], username: str
) -> None:
    demand = make_demand(status=DemandStatus.AWAITING_CONFIRMATION)
    with pytest.raises(PermissionDenied):
        services.demand_confirm(demand=demand, actor=persona(username), rating=Rating.SATISFIED, proxy_note="代")
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.AWAITING_CONFIRMATION


def test_proxy_confirmation_needs_note(make_demand: Callable[..., Demand], persona: Callable[[str], User]) -> None:
    demand = make_demand(status=DemandStatus.AWAITING_CONFIRMATION)
    for note in ("", "   "):
        with pytest.raises(ValidationError):
            services.demand_confirm(demand=demand, actor=persona(LIAISON), rating=Rating.SATISFIED, proxy_note=note)
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.AWAITING_CONFIRMATION
    services.demand_confirm(
        demand=demand, actor=persona(LIAISON), rating=Rating.BASICALLY, proxy_note="企业负责人电话确认，11月25日"
    )
    stored = Demand.objects.get(pk=demand.pk)
    assert stored.status == DemandStatus.CLOSED
    assert stored.proxy_note == "企业负责人电话确认，11月25日"
    assert stored.confirmed_by.username == LIAISON
    assert "代为确认" in stored.events.get(kind="confirmed").note


def test_enterprise_confirmation_keeps_no_proxy_note(
    make_demand: Callable[..., Demand], persona: Callable[[str], User]
) -> None:
    demand = make_demand(status=DemandStatus.AWAITING_CONFIRMATION)
    services.demand_confirm(demand=demand, actor=persona(OWNER), rating=Rating.SATISFIED, proxy_note="ignored")
    stored = Demand.objects.get(pk=demand.pk)
    assert stored.proxy_note == ""
    assert stored.rating == Rating.SATISFIED
    assert stored.closed_at is not None and stored.close_days is not None and stored.closed_on_time is True


def test_unsatisfied_reopens_and_can_close_again(
    make_demand: Callable[..., Demand], persona: Callable[[str], User]
) -> None:
    demand = make_demand(status=DemandStatus.AWAITING_CONFIRMATION)
    with pytest.raises(ValidationError):  # 不满意 needs a comment
        services.demand_confirm(demand=demand, actor=persona(OWNER), rating=Rating.UNSATISFIED)
    services.demand_confirm(demand=demand, actor=persona(OWNER), rating=Rating.UNSATISFIED, comment="指标仍未落实")
    stored = Demand.objects.get(pk=demand.pk)
    assert stored.status == DemandStatus.IN_PROGRESS
    assert stored.reopen_count == 1 and demand.reopen_count == 1
    assert stored.closed_at is None
    task = stored.tasks.get()
    assert task.status == TaskStatus.IN_PROGRESS and task.completed_at is None
    assert task.updates.filter(kind=TaskUpdate.Kind.REOPEN).exists()
    assert stored.events.filter(kind="reopened").exists()
    services.task_request_completion(task=task, actor=persona(HANDLER), result="指标已落实")
    services.task_accept_completion(task=task, actor=persona(TEAM))
    stored.refresh_from_db()
    assert stored.status == DemandStatus.AWAITING_CONFIRMATION
    services.demand_confirm(demand=stored, actor=persona(OWNER), rating=Rating.SATISFIED, comment="满意")
    stored.refresh_from_db()
    assert stored.status == DemandStatus.CLOSED and stored.reopen_count == 1 and stored.rating == Rating.SATISFIED


def test_bad_rating_refused(make_demand: Callable[..., Demand], persona: Callable[[str], User]) -> None:
    demand = make_demand(status=DemandStatus.AWAITING_CONFIRMATION)
    with pytest.raises(ValidationError):
        services.demand_confirm(demand=demand, actor=persona(OWNER), rating="great")


# --- metrics fields on hand-built data ---------------------------------------------------------------------


def _at(y: int, m: int, d: int, h: int = 10) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=SHANGHAI)


def test_metrics_fields_across_national_day(
    make_demand: Callable[..., Demand], make_task: Callable[..., Task], persona: Callable[[str], User], settings: Any
) -> None:
    """Submitted Tue 30 Sep 2025, accepted Thu 9 Oct (国庆 1-8 Oct in between): 1 working day. Closed Sat
    11 Oct 2025 (a make-up workday): 3 working days; done on its deadline: on time."""
    from django.utils import timezone

    settings.TIME_ZONE = "Asia/Shanghai"
    demand = make_demand()
    Demand.objects.filter(pk=demand.pk).update(submitted_at=_at(2025, 9, 30))
    demand.refresh_from_db()
    with _frozen(_at(2025, 10, 9)):
        services.demand_accept(demand=demand, actor=persona(TEAM))
        assert timezone.localdate() == dt.date(2025, 10, 9)
        task = make_task(demand, working_days=2)  # 10 Oct, 11 Oct (make-up Saturday)
    assert task.deadline == dt.date(2025, 10, 11)
    assert Demand.objects.get(pk=demand.pk).response_days == 1
    services.task_sign(task=task, actor=persona(HANDLER))
    services.task_request_completion(task=task, actor=persona(HANDLER), result="完成")
    with _frozen(_at(2025, 10, 11, 16)):
        services.task_accept_completion(task=task, actor=persona(TEAM))
        demand.refresh_from_db()
        services.demand_confirm(demand=demand, actor=persona(OWNER), rating=Rating.SATISFIED)
    stored = Demand.objects.get(pk=demand.pk)
    assert (stored.response_days, stored.close_days, stored.closed_on_time) == (1, 3, True)


def test_metrics_late_task_is_not_on_time(
    make_demand: Callable[..., Demand], make_task: Callable[..., Task], persona: Callable[[str], User], settings: Any
) -> None:
    """Submitted Fri 13 Feb 2026, accepted Tue 24 Feb after 春节 (14 Feb is a make-up workday): 2 working
    days. A 1-day task (deadline Wed 25 Feb) done Fri 27 Feb: late. Closed Mon 2 Mar: 8 working days."""
    settings.TIME_ZONE = "Asia/Shanghai"
    demand = make_demand()
    Demand.objects.filter(pk=demand.pk).update(submitted_at=_at(2026, 2, 13))
    demand.refresh_from_db()
    with _frozen(_at(2026, 2, 24)):
        services.demand_accept(demand=demand, actor=persona(TEAM))
        task = make_task(demand, working_days=1)
        on_time = make_task(demand, department_code="fgw", working_days=20)
    assert task.deadline == dt.date(2026, 2, 25)
    services.task_sign(task=task, actor=persona(HANDLER))
    services.task_request_completion(task=task, actor=persona(HANDLER), result="完成")
    services.task_sign(task=on_time, actor=persona("dh_fgw"))
    services.task_request_completion(task=on_time, actor=persona("dh_fgw"), result="完成")
    with _frozen(_at(2026, 2, 27)):
        services.task_accept_completion(task=task, actor=persona(TEAM))
        services.task_accept_completion(task=on_time, actor=persona(TEAM))
    demand.refresh_from_db()
    with _frozen(_at(2026, 3, 2)):
        services.demand_confirm(demand=demand, actor=persona(OWNER), rating=Rating.BASICALLY)
    stored = Demand.objects.get(pk=demand.pk)
    # (13 Feb, 2 Mar]: 14 Feb, 24-28 Feb (5), 2 Mar = 7
    assert stored.response_days == 2
    assert stored.close_days == 7
    assert stored.closed_on_time is False


class _frozen:
    """Pin django.utils.timezone.now inside the services (no third-party freezer needed)."""

    def __init__(self, moment: dt.datetime) -> None:
        self.moment = moment

    def __enter__(self) -> None:
        self.patch = pytest.MonkeyPatch()
        self.patch.setattr("django.utils.timezone.now", lambda: self.moment)

    def __exit__(self, *exc: object) -> None:
        self.patch.undo()


# --- concurrency (PostgreSQL) ------------------------------------------------------------------------------


def _together(n: int, work: Callable[[int], object]) -> list[object]:
    """Run work(i) in n threads released together by a barrier; each thread's result or exception."""
    import threading

    from django.db import connections

    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.fixture
def fresh_demo(transactional_db: None) -> None:
    """Transactional tests start from whatever the last one left (a flush also empties the categories that
    the data migration created), so both are put back first."""
    from importlib import import_module

    from django.apps import apps

    from chaindesk.conftest import DEMO_TODAY
    from chaindesk.demo import city

    import_module("chaindesk.demands.migrations.0002_categories").create_categories(apps, None)
    city.load(enterprises=40, today=DEMO_TODAY)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("rounds", range(2))
def test_two_last_tasks_accepted_at_once_move_the_demand_once(
    fresh_demo: None, make_demand: Callable[..., Demand], make_task: Callable[..., Task], rounds: int
) -> None:
    """Two team members accept the completion of the demand's last two tasks at the same moment: the demand
    row lock makes the second see the first's task done, so the demand awaits confirmation, exactly once."""
    users = {u.username: u for u in User.objects.filter(username__in=["jiangdd", "wangzh", HANDLER, "dh_fgw"])}
    demand = make_demand(status=DemandStatus.ACCEPTED)
    tasks = [make_task(demand), make_task(demand, department_code="fgw")]
    for task, handler in zip(tasks, (HANDLER, "dh_fgw"), strict=True):
        services.task_sign(task=task, actor=users[handler])
        services.task_request_completion(task=task, actor=users[handler], result="完成")
    deciders = ("jiangdd", "wangzh")
    results = _together(2, lambda i: services.task_accept_completion(task=tasks[i], actor=users[deciders[i]]))
    assert all(isinstance(r, Task) for r in results), results
    stored = Demand.objects.get(pk=demand.pk)
    assert stored.status == DemandStatus.AWAITING_CONFIRMATION
    assert stored.events.filter(kind="awaiting_confirmation").count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_triagers_at_once_one_wins_the_other_gets_409(fresh_demo: None, make_demand: Callable[..., Demand]) -> None:
    team = [User.objects.get(username="jiangdd"), User.objects.get(username="wangzh")]
    demand = make_demand()
    copies = [Demand.objects.get(pk=demand.pk), Demand.objects.get(pk=demand.pk)]
    results = _together(
        2,
        lambda i: (
            services.demand_accept(demand=copies[0], actor=team[0])
            if i == 0
            else services.demand_reject(demand=copies[1], actor=team[1], reason="重复")
        ),
    )
    assert sum(isinstance(r, Demand) for r in results) == 1, results
    assert sum(isinstance(r, InvalidTransition) for r in results) == 1, results
    stored = Demand.objects.get(pk=demand.pk)
    assert stored.status in (DemandStatus.ACCEPTED, DemandStatus.REJECTED)
    assert stored.events.exclude(kind="submitted").count() == 1


@pytest.mark.django_db
def test_timeline_tells_an_accepted_completion_once(make_demand, persona) -> None:  # noqa: ANN001
    """The task's 办结 update and the demand's 任务办结 event are one step: told once to a reader who sees the
    task, and by the demand's event to one who does not (another department's handler)."""
    from chaindesk.demands.selectors import timeline

    demand = make_demand(status="in_progress")
    task = demand.tasks.get()
    chenjing, chief = persona("chenjing"), persona("jiangdd")
    services.task_sign(task=task, actor=chenjing)
    task.refresh_from_db()
    services.task_request_completion(task=task, actor=chenjing, result="用地指标已落实")
    task.refresh_from_db()
    services.task_accept_completion(task=task, actor=chief)
    labels = [e.label for e in timeline(demand, [task])]
    assert labels.count("确认办结") == 1 and "任务办结" not in labels
    # Without the task (a reader who does not see it) the demand's own event tells it.
    labels = [e.label for e in timeline(demand, [])]
    assert labels.count("任务办结") == 1 and "确认办结" not in labels
