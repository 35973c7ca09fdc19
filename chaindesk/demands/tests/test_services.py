"""Demand and task services: every legal and illegal transition (driven by DEMAND_TRANSITIONS and
TASK_TRANSITIONS), stale 409s, permissions per persona, closure only on confirmation, 不满意 reopens, proxy
confirmation, and the metrics fields on hand-built data with a holiday in between.

Everything runs on the fixed personas (chaindesk/testkit/personas.py) through `DemandWorld` (factories.py): the
demands are our enterprise's (测试甲链, 测试甲区, served by `liaison`, its user `ent_user`); `chief` and `member`
are its team; "ours" is 测试甲局 (`handler`), "theirs" 测试乙局 (`x_handler`)."""

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from chaindesk.core.exceptions import InvalidTransition
from chaindesk.core.models import AuditLog
from chaindesk.demands import services
from chaindesk.demands.choices import DEMAND_TRANSITIONS, Channel, DemandStatus, Rating, TaskStatus
from chaindesk.demands.models import Category, Demand, DemandEvent, Task, TaskUpdate
from chaindesk.demands.tests.factories import DemandWorld
from chaindesk.testkit.personas import Personas

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: depends on today, CI runs it under other clocks too

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


def test_submit_copies_enterprise_facts_and_records(make_demand: Callable[..., Demand], personas: Personas) -> None:
    demand = make_demand()
    assert demand.status == DemandStatus.SUBMITTED
    # our enterprise lies in 测试甲区, is served by the liaison and sits on 测试甲链 only
    assert demand.region == personas.ours.region and demand.region.name == "测试甲区"
    assert demand.liaison == personas.liaison
    assert demand.chain == personas.ours.chain and demand.chain.name == "测试甲链"
    assert demand.submitted_at is not None
    assert demand.submitted_by == personas.ent_user
    assert list(demand.events.values_list("kind", "to_status")) == [("submitted", DemandStatus.SUBMITTED)]
    assert AuditLog.objects.for_object(demand).exists()


@pytest.mark.parametrize(
    ("who", "channel"),
    [
        ("ent_user", Channel.ENTERPRISE),
        ("liaison", Channel.LIAISON),
        ("chief", Channel.TEAM),
        ("member", Channel.MEETING),
        ("chair", Channel.API),
    ],
)
def test_submit_allowed(make_demand: Callable[..., Demand], who: str, channel: str) -> None:
    assert make_demand(actor=who, channel=channel).status == DemandStatus.SUBMITTED


@pytest.mark.parametrize(
    "who", ["x_liaison", "handler", "x_chief", "district", "sysadmin", "auditor", "x_handler", "x_district"]
)
def test_submit_refused_out_of_scope(make_demand: Callable[..., Demand], who: str) -> None:
    demands_before = Demand.objects.count()
    with pytest.raises(PermissionDenied):
        make_demand(actor=who, channel=Channel.TEAM)
    assert Demand.objects.count() == demands_before


def test_enterprise_user_only_for_own_enterprise(personas: Personas) -> None:
    demands_before = Demand.objects.count()
    # ent2 is on the same chain with the same liaison, theirs is on the other chain: neither is ent_user's
    for other in (personas.ent2, personas.theirs.enterprise):
        with pytest.raises(PermissionDenied):
            services.demand_submit(
                actor=personas.ent_user,
                enterprise=other,
                title="x",
                description="y",
                category=Category.objects.get(code="other"),
                channel=Channel.ENTERPRISE,
            )
    assert Demand.objects.count() == demands_before


@pytest.mark.parametrize(
    ("who", "channel"),
    [
        ("ent_user", Channel.TEAM),
        ("ent_user", Channel.API),
        ("chief", Channel.ENTERPRISE),
        ("chief", "fax"),
        ("chief", Channel.LIAISON),
        ("liaison", Channel.TEAM),
        ("liaison", Channel.ENTERPRISE),
    ],
)
def test_submit_channel_checked(make_demand: Callable[..., Demand], who: str, channel: str) -> None:
    demands_before = Demand.objects.count()
    with pytest.raises(ValidationError):
        make_demand(actor=who, channel=channel)
    assert Demand.objects.count() == demands_before


@pytest.mark.parametrize(("title", "description"), [("", "内容"), ("  ", "内容"), ("标题", ""), ("长" * 101, "内容")])
def test_submit_requires_title_and_description(
    make_demand: Callable[..., Demand], title: str, description: str
) -> None:
    demands_before = Demand.objects.count()
    with pytest.raises(ValidationError):
        make_demand(title=title, description=description)
    assert Demand.objects.count() == demands_before


def test_submit_from_visit_issue(personas: Personas) -> None:
    # the liaison's visit to our enterprise raised one issue, not yet a demand
    issue = personas.ours.visit.issues.get()
    assert issue.text == "测试问题：用地指标紧张。"
    kwargs: dict[str, Any] = {
        "actor": personas.liaison,
        "enterprise": personas.ours.enterprise,
        "title": "走访反映问题",
        "description": issue.text,
        "category": Category.objects.get(code="other"),
        "channel": Channel.LIAISON,
        "visit_issue": issue,
    }
    demand = services.demand_submit(**kwargs)
    assert demand.visit_issue == issue
    demands_after = Demand.objects.count()
    with pytest.raises(ValidationError):
        services.demand_submit(**kwargs)  # one demand per issue
    # an issue raised at another enterprise's visit (theirs) cannot become our enterprise's demand
    with pytest.raises(ValidationError):
        services.demand_submit(**{**kwargs, "visit_issue": personas.theirs.visit.issues.get()})
    assert Demand.objects.count() == demands_after


# --- demand transitions ------------------------------------------------------------------------------------


def _other_open(world: DemandWorld) -> Demand:
    return world.demand(title="重复的用地诉求")


DEMAND_ACTIONS: dict[str, tuple[str, Callable[..., Any]]] = {
    # action: (target status, call(demand, personas, world))
    "accept": (DemandStatus.ACCEPTED, lambda d, p, w: services.demand_accept(demand=d, actor=p.chief)),
    "reject": (DemandStatus.REJECTED, lambda d, p, w: services.demand_reject(demand=d, actor=p.chief, reason="无")),
    "merge": (
        DemandStatus.MERGED,
        lambda d, p, w: services.demand_merge(demand=d, into=_other_open(w), actor=p.chief, note="重复"),
    ),
    "request_info": (
        DemandStatus.NEEDS_INFO,
        lambda d, p, w: services.demand_request_info(demand=d, actor=p.chief, note="请补充"),
    ),
    "supply_info": (
        DemandStatus.SUBMITTED,
        lambda d, p, w: services.demand_supply_info(demand=d, actor=p.ent_user, note="已补充"),
    ),
    "confirm_satisfied": (
        DemandStatus.CLOSED,
        lambda d, p, w: services.demand_confirm(demand=d, actor=p.ent_user, rating=Rating.SATISFIED),
    ),
    "confirm_unsatisfied": (
        DemandStatus.IN_PROGRESS,
        lambda d, p, w: services.demand_confirm(
            demand=d, actor=p.ent_user, rating=Rating.UNSATISFIED, comment="没解决"
        ),
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
def test_demand_transition(world: DemandWorld, personas: Personas, source: str, action: str) -> None:
    demand = world.demand(status=source)
    target, call = DEMAND_ACTIONS[action]
    if _legal(action, source):
        call(demand, personas, world)
        assert demand.status == target
        stored = Demand.objects.get(pk=demand.pk)
        assert stored.status == target
        event = stored.events.exclude(kind="merged_from").order_by("-pk").first()
        assert event is not None and (event.from_status, event.to_status) == (source, target)
        assert AuditLog.objects.for_object(stored).filter(action="transition").exists()
    else:
        events = DemandEvent.objects.filter(demand=demand).count()
        with pytest.raises(ValidationError):
            call(demand, personas, world)
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
def test_demand_stale_instance_is_409(world: DemandWorld, personas: Personas, action: str, source: str) -> None:
    demand = world.demand(status=source)
    stale = Demand.objects.get(pk=demand.pk)
    # someone else moves it first (reject is possible from both triage states; accept/confirm otherwise)
    if source in (DemandStatus.SUBMITTED, DemandStatus.NEEDS_INFO):
        services.demand_reject(demand=demand, actor=personas.member, reason="他人先处理")
    else:
        services.demand_confirm(demand=demand, actor=personas.ent_user, rating=Rating.BASICALLY)
    with pytest.raises(InvalidTransition):
        DEMAND_ACTIONS[action][1](stale, personas, world)


def test_merge_rules(make_demand: Callable[..., Demand], personas: Personas) -> None:
    demand = make_demand()
    with pytest.raises(ValidationError):
        services.demand_merge(demand=demand, into=demand, actor=personas.chief)
    closed = make_demand(status=DemandStatus.REJECTED, title="已不予受理")
    with pytest.raises(ValidationError):
        services.demand_merge(demand=demand, into=closed, actor=personas.chief)
    # ent2 is on the chief's chain too (so the chief may submit for it), but it is another enterprise
    other_enterprise = make_demand(actor="chief", channel=Channel.TEAM, enterprise=personas.ent2, title="别家")
    with pytest.raises(ValidationError):
        services.demand_merge(demand=demand, into=other_enterprise, actor=personas.chief)
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.SUBMITTED
    into = make_demand(title="主诉求")
    services.demand_merge(demand=demand, into=into, actor=personas.chief, note="同一事项")
    demand.refresh_from_db()
    assert demand.merged_into == into
    assert into.events.filter(kind="merged_from").exists()
    assert AuditLog.objects.for_object(into).exists()


@pytest.mark.parametrize("reason", ["", "   "])
def test_reject_needs_reason(make_demand: Callable[..., Demand], personas: Personas, reason: str) -> None:
    demand = make_demand()
    with pytest.raises(ValidationError):
        services.demand_reject(demand=demand, actor=personas.chief, reason=reason)
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.SUBMITTED


@pytest.mark.parametrize("who", ["ent_user", "liaison", "handler", "x_chief", "x_liaison", "district"])
def test_triage_only_by_team(make_demand: Callable[..., Demand], world: DemandWorld, who: str) -> None:
    demand = make_demand()
    user = world.user(who)
    for call in (
        lambda: services.demand_accept(demand=demand, actor=user),
        lambda: services.demand_reject(demand=demand, actor=user, reason="x"),
        lambda: services.demand_request_info(demand=demand, actor=user, note="x"),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.SUBMITTED


@pytest.mark.parametrize("who", ["chief", "chair", "member"])
def test_triage_by_each_team_member(make_demand: Callable[..., Demand], world: DemandWorld, who: str) -> None:
    demand = make_demand()
    services.demand_accept(demand=demand, actor=world.user(who))
    assert demand.status == DemandStatus.ACCEPTED
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.ACCEPTED


# --- closure -----------------------------------------------------------------------------------------------


def test_split_demand_waits_for_every_task(
    make_demand: Callable[..., Demand], make_task: Callable[..., Task], world: DemandWorld, personas: Personas
) -> None:
    demand = make_demand(status=DemandStatus.ACCEPTED)
    first = make_task(demand)
    second = make_task(demand, department="theirs")
    third = make_task(demand, department="third")
    services.task_sign(task=first, actor=personas.handler)
    services.task_request_completion(task=first, actor=personas.handler, result="完成")
    services.task_accept_completion(task=first, actor=personas.chief)
    demand.refresh_from_db()
    assert demand.status == DemandStatus.IN_PROGRESS
    # closure impossible while a task is open: the demand is not awaiting confirmation
    with pytest.raises(ValidationError):
        services.demand_confirm(demand=demand, actor=personas.ent_user, rating=Rating.SATISFIED)
    services.task_return(task=third, actor=world.user("third_handler"), reason="不属本部门")
    demand.refresh_from_db()
    assert demand.status == DemandStatus.IN_PROGRESS
    services.task_sign(task=second, actor=personas.x_handler)
    services.task_request_completion(task=second, actor=personas.x_handler, result="完成")
    services.task_accept_completion(task=second, actor=personas.chief)
    demand.refresh_from_db()
    assert demand.status == DemandStatus.AWAITING_CONFIRMATION  # returned tasks do not count
    assert demand.closed_at is None


def test_all_tasks_returned_does_not_await_confirmation(
    make_demand: Callable[..., Demand], make_task: Callable[..., Task], personas: Personas
) -> None:
    demand = make_demand(status=DemandStatus.ACCEPTED)
    task = make_task(demand)
    services.task_return(task=task, actor=personas.handler, reason="不属本部门")
    demand.refresh_from_db()
    assert demand.status == DemandStatus.IN_PROGRESS


def test_closure_impossible_without_confirmation(make_demand: Callable[..., Demand]) -> None:
    demand = make_demand(status=DemandStatus.AWAITING_CONFIRMATION)
    assert demand.status == DemandStatus.AWAITING_CONFIRMATION
    assert demand.closed_at is None and demand.rating == ""
    assert set(demand.tasks.values_list("status", flat=True)) == {TaskStatus.DONE}


def test_confirmation_refused_when_a_task_is_open(make_demand: Callable[..., Demand], personas: Personas) -> None:
    """Even if the demand somehow awaits confirmation, an open task forbids closure."""
    demand = make_demand(status=DemandStatus.AWAITING_CONFIRMATION)
    Task.objects.filter(demand=demand).update(status=TaskStatus.IN_PROGRESS)
    with pytest.raises(ValidationError):
        services.demand_confirm(demand=demand, actor=personas.ent_user, rating=Rating.SATISFIED)
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.AWAITING_CONFIRMATION


@pytest.mark.parametrize("who", ["chief", "handler", "chair", "x_liaison", "district", "x_ent_user"])
def test_confirm_only_by_enterprise_or_liaison(
    make_demand: Callable[..., Demand], world: DemandWorld, who: str
) -> None:
    demand = make_demand(status=DemandStatus.AWAITING_CONFIRMATION)
    with pytest.raises(PermissionDenied):
        services.demand_confirm(demand=demand, actor=world.user(who), rating=Rating.SATISFIED, proxy_note="代")
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.AWAITING_CONFIRMATION


def test_proxy_confirmation_needs_note(make_demand: Callable[..., Demand], personas: Personas) -> None:
    demand = make_demand(status=DemandStatus.AWAITING_CONFIRMATION)
    for note in ("", "   "):
        with pytest.raises(ValidationError):
            services.demand_confirm(demand=demand, actor=personas.liaison, rating=Rating.SATISFIED, proxy_note=note)
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.AWAITING_CONFIRMATION
    services.demand_confirm(
        demand=demand, actor=personas.liaison, rating=Rating.BASICALLY, proxy_note="企业负责人电话确认，11月25日"
    )
    stored = Demand.objects.get(pk=demand.pk)
    assert stored.status == DemandStatus.CLOSED
    assert stored.proxy_note == "企业负责人电话确认，11月25日"
    assert stored.confirmed_by == personas.liaison
    assert "代为确认" in stored.events.get(kind="confirmed").note


def test_enterprise_confirmation_keeps_no_proxy_note(make_demand: Callable[..., Demand], personas: Personas) -> None:
    demand = make_demand(status=DemandStatus.AWAITING_CONFIRMATION)
    services.demand_confirm(demand=demand, actor=personas.ent_user, rating=Rating.SATISFIED, proxy_note="ignored")
    stored = Demand.objects.get(pk=demand.pk)
    assert stored.proxy_note == ""
    assert stored.rating == Rating.SATISFIED
    assert stored.confirmed_by == personas.ent_user
    # submitted, accepted, done and confirmed within the same moment of the fixed clock: 0 working days
    assert stored.closed_at is not None and stored.close_days == 0 and stored.closed_on_time is True


def test_unsatisfied_reopens_and_can_close_again(make_demand: Callable[..., Demand], personas: Personas) -> None:
    demand = make_demand(status=DemandStatus.AWAITING_CONFIRMATION)
    with pytest.raises(ValidationError):  # 不满意 needs a comment
        services.demand_confirm(demand=demand, actor=personas.ent_user, rating=Rating.UNSATISFIED)
    services.demand_confirm(demand=demand, actor=personas.ent_user, rating=Rating.UNSATISFIED, comment="指标仍未落实")
    stored = Demand.objects.get(pk=demand.pk)
    assert stored.status == DemandStatus.IN_PROGRESS
    assert stored.reopen_count == 1 and demand.reopen_count == 1
    assert stored.closed_at is None
    task = stored.tasks.get()
    assert task.status == TaskStatus.IN_PROGRESS and task.completed_at is None
    assert task.updates.filter(kind=TaskUpdate.Kind.REOPEN).exists()
    assert stored.events.filter(kind="reopened").exists()
    services.task_request_completion(task=task, actor=personas.handler, result="指标已落实")
    services.task_accept_completion(task=task, actor=personas.chief)
    stored.refresh_from_db()
    assert stored.status == DemandStatus.AWAITING_CONFIRMATION
    services.demand_confirm(demand=stored, actor=personas.ent_user, rating=Rating.SATISFIED, comment="满意")
    stored.refresh_from_db()
    assert stored.status == DemandStatus.CLOSED and stored.reopen_count == 1 and stored.rating == Rating.SATISFIED


def test_bad_rating_refused(make_demand: Callable[..., Demand], personas: Personas) -> None:
    demand = make_demand(status=DemandStatus.AWAITING_CONFIRMATION)
    with pytest.raises(ValidationError):
        services.demand_confirm(demand=demand, actor=personas.ent_user, rating="great")
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.AWAITING_CONFIRMATION


# --- metrics fields on hand-built data ---------------------------------------------------------------------


def _at(y: int, m: int, d: int, h: int = 10) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=SHANGHAI)


def test_metrics_fields_across_national_day(
    make_demand: Callable[..., Demand], make_task: Callable[..., Task], personas: Personas, settings: Any
) -> None:
    """Submitted Tue 30 Sep 2025, accepted Thu 9 Oct (国庆 1-8 Oct in between): 1 working day. Closed Sat
    11 Oct 2025 (a make-up workday): 3 working days; done on its deadline: on time."""
    from django.utils import timezone

    settings.TIME_ZONE = "Asia/Shanghai"
    demand = make_demand()
    Demand.objects.filter(pk=demand.pk).update(submitted_at=_at(2025, 9, 30))
    demand.refresh_from_db()
    with _frozen(_at(2025, 10, 9)):
        services.demand_accept(demand=demand, actor=personas.chief)
        assert timezone.localdate() == dt.date(2025, 10, 9)
        task = make_task(demand, working_days=2)  # 10 Oct, 11 Oct (make-up Saturday)
    assert task.deadline == dt.date(2025, 10, 11)
    assert Demand.objects.get(pk=demand.pk).response_days == 1
    services.task_sign(task=task, actor=personas.handler)
    services.task_request_completion(task=task, actor=personas.handler, result="完成")
    with _frozen(_at(2025, 10, 11, 16)):
        services.task_accept_completion(task=task, actor=personas.chief)
        demand.refresh_from_db()
        services.demand_confirm(demand=demand, actor=personas.ent_user, rating=Rating.SATISFIED)
    stored = Demand.objects.get(pk=demand.pk)
    assert (stored.response_days, stored.close_days, stored.closed_on_time) == (1, 3, True)


def test_metrics_late_task_is_not_on_time(
    make_demand: Callable[..., Demand], make_task: Callable[..., Task], personas: Personas, settings: Any
) -> None:
    """Submitted Fri 13 Feb 2026, accepted Tue 24 Feb after 春节 (14 Feb is a make-up workday): 2 working
    days. A 1-day task (deadline Wed 25 Feb) done Fri 27 Feb: late. Closed Mon 2 Mar: 8 working days."""
    settings.TIME_ZONE = "Asia/Shanghai"
    demand = make_demand()
    Demand.objects.filter(pk=demand.pk).update(submitted_at=_at(2026, 2, 13))
    demand.refresh_from_db()
    with _frozen(_at(2026, 2, 24)):
        services.demand_accept(demand=demand, actor=personas.chief)
        task = make_task(demand, working_days=1)
        on_time = make_task(demand, department="theirs", working_days=20)
    assert task.deadline == dt.date(2026, 2, 25)
    services.task_sign(task=task, actor=personas.handler)
    services.task_request_completion(task=task, actor=personas.handler, result="完成")
    services.task_sign(task=on_time, actor=personas.x_handler)
    services.task_request_completion(task=on_time, actor=personas.x_handler, result="完成")
    with _frozen(_at(2026, 2, 27)):
        services.task_accept_completion(task=task, actor=personas.chief)
        services.task_accept_completion(task=on_time, actor=personas.chief)
    demand.refresh_from_db()
    with _frozen(_at(2026, 3, 2)):
        services.demand_confirm(demand=demand, actor=personas.ent_user, rating=Rating.BASICALLY)
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
def committed_world(transactional_db: None, monkeypatch: pytest.MonkeyPatch) -> DemandWorld:
    """The personas' world committed, so that other threads' connections see it. Transactional tests start from
    whatever the last one left (a flush also empties the categories that the data migration created), so the
    categories are put back first; attachments stay in memory, as with the `personas` fixture."""
    from chaindesk.testkit import personas as personas_module

    return DemandWorld(personas_module.build_committed(monkeypatch))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("rounds", range(2))
def test_two_last_tasks_accepted_at_once_move_the_demand_once(committed_world: DemandWorld, rounds: int) -> None:
    """Two team members accept the completion of the demand's last two tasks at the same moment: the demand
    row lock makes the second see the first's task done, so the demand awaits confirmation, exactly once."""
    p = committed_world.personas
    demand = committed_world.demand(status=DemandStatus.ACCEPTED)
    tasks = [committed_world.task(demand), committed_world.task(demand, department="theirs")]
    for task, handler in zip(tasks, (p.handler, p.x_handler), strict=True):
        services.task_sign(task=task, actor=handler)
        services.task_request_completion(task=task, actor=handler, result="完成")
    deciders = (p.chief, p.member)
    results = _together(2, lambda i: services.task_accept_completion(task=tasks[i], actor=deciders[i]))
    assert all(isinstance(r, Task) for r in results), results
    stored = Demand.objects.get(pk=demand.pk)
    assert stored.status == DemandStatus.AWAITING_CONFIRMATION
    assert stored.events.filter(kind="awaiting_confirmation").count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_triagers_at_once_one_wins_the_other_gets_409(committed_world: DemandWorld) -> None:
    p = committed_world.personas
    demand = committed_world.demand()
    copies = [Demand.objects.get(pk=demand.pk), Demand.objects.get(pk=demand.pk)]
    results = _together(
        2,
        lambda i: (
            services.demand_accept(demand=copies[0], actor=p.chief)
            if i == 0
            else services.demand_reject(demand=copies[1], actor=p.member, reason="重复")
        ),
    )
    assert sum(isinstance(r, Demand) for r in results) == 1, results
    assert sum(isinstance(r, InvalidTransition) for r in results) == 1, results
    stored = Demand.objects.get(pk=demand.pk)
    assert stored.status in (DemandStatus.ACCEPTED, DemandStatus.REJECTED)
    assert stored.events.exclude(kind="submitted").count() == 1


def test_timeline_tells_an_accepted_completion_once(make_demand: Callable[..., Demand], personas: Personas) -> None:
    """The task's 办结 update and the demand's 任务办结 event are one step: told once to a reader who sees the
    task, and by the demand's event to one who does not (another department's handler)."""
    from chaindesk.demands.selectors import timeline

    demand = make_demand(status="in_progress")
    task = demand.tasks.get()
    services.task_sign(task=task, actor=personas.handler)
    task.refresh_from_db()
    services.task_request_completion(task=task, actor=personas.handler, result="用地指标已落实")
    task.refresh_from_db()
    services.task_accept_completion(task=task, actor=personas.chief)
    labels = [e.label for e in timeline(demand, [task])]
    assert labels.count("确认办结") == 1 and "任务办结" not in labels
    # Without the task (a reader who does not see it) the demand's own event tells it.
    labels = [e.label for e in timeline(demand, [])]
    assert labels.count("任务办结") == 1 and "确认办结" not in labels
