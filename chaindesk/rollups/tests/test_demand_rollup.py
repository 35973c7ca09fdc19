"""办理指标 from its rollup equals 办理指标 from the demands, for every reader and dimension, after random writes
through the services: demands submitted on several days by either side's enterprise, accepted, rejected, given
tasks (returned ones too), urged, done, confirmed or reopened, and enterprises moved to another district or chain."""

import dataclasses
import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chaindesk.core.exceptions import InvalidTransition
from chaindesk.demands import metrics, selectors_queues, selectors_team, services
from chaindesk.demands import selectors as demand_selectors
from chaindesk.demands.choices import DemandStatus, Rating, TaskStatus
from chaindesk.demands.models import Demand, Task
from chaindesk.demands.services_leaders import leader_urge
from chaindesk.demands.tests.factories import DemandWorld
from chaindesk.enterprises import services as enterprise_services
from chaindesk.rollups import engine, reads_demands
from chaindesk.rollups.families_demands import CHAIN_SCOPED, DEMAND_DAYS, _days_q, within_chain
from chaindesk.rollups.models import DemandDay, DemandMonth
from chaindesk.rollups.reads import demand_spans
from chaindesk.targets.actuals import measure
from chaindesk.targets.choices import Metric, Owner
from chaindesk.testkit.personas import IN_SCOPE, OUT_OF_SCOPE, Personas

pytestmark = pytest.mark.django_db
READERS = (*IN_SCOPE, *OUT_OF_SCOPE)


def _tables(p: Personas) -> dict[str, Any]:
    """Every reader's table of every dimension, over 40 days (days only) and 150 days (whole months between); and
    of the dimensions a chain's cockpit ranks, over each chain's demands."""
    chains = (None, p.ours.chain.pk, p.theirs.chain.pk)
    return {
        f"{key}/{d}/{days}/{chain}": dataclasses.asdict(
            metrics.metric_table(
                p.user(key),
                dimension=d,
                start=p.today - dt.timedelta(days=days),
                end=p.today,
                today=p.today,
                chain=chain,
            )
        )
        for key in READERS
        for d in metrics.DIMENSIONS
        for days in (40, 150)
        for chain in (chains if d in CHAIN_SCOPED else (None,))
    }


class _Target:
    def __init__(self, owner: str, owner_id: int) -> None:
        self.owner, self.owner_id, self.metric = owner, owner_id, Metric.CLOSURE_RATE


def _rates(p: Personas) -> dict[Any, Any]:
    owners = [(Owner.CHAIN, p.ours.chain.pk), (Owner.CHAIN, p.theirs.chain.pk), (Owner.REGION, p.city.pk)]
    owners += [(Owner.DEPARTMENT, p.ours.department.pk), (Owner.DEPARTMENT, p.theirs.department.pk)]
    targets = [_Target(kind, pk) for kind, pk in owners]
    return measure(targets, year=p.today.year, today=p.today)  # type: ignore[arg-type]


def _states(p: Personas) -> dict[str, Any]:
    """Every reader's demands in a state now: the triage backlog (its count and oldest), the 待我处理 counts, the
    待受理 card's count, the open demands of the district's card (and those awaiting the enterprise)."""
    figures: dict[str, Any] = {}
    for key in READERS:
        user = p.user(key)
        figures[f"{key}/states"] = selectors_queues.demands_in_states(user)
        figures[f"{key}/backlog"] = metrics.triage_backlog(user, p.today)
        figures[f"{key}/queue"] = selectors_team.queue_counts(user)
        figures[f"{key}/card"] = selectors_queues.triage_card(user)["count"]
        counted = demand_selectors.triage_count(user)  # the triage page's total (None: the page counts)
        figures[f"{key}/triage"] = demand_selectors.triage_queue(user).count() if counted is None else counted
        district = selectors_queues.district_card(user)
        figures[f"{key}/district"] = (district["count"], district["awaiting"], district["rows"])
    return figures


def _assert_equal_to_live(p: Personas) -> None:
    rolled, rates, states = _tables(p), _rates(p), _states(p)
    with override_settings(CHAINDESK_ROLLUPS=False):
        assert _tables(p) == rolled
        assert _rates(p) == rates
        assert _states(p) == states
    assert engine.check() == []


def test_the_world_is_rolled_up(personas: Personas) -> None:
    assert DemandDay.objects.filter(dimension="chain", reader="chain").exists()
    _assert_equal_to_live(personas)


def test_a_chain_s_rankings_are_read_from_its_own_rows(personas: Personas) -> None:
    """A chain's cockpit ranks districts and departments over the chain's demands from rows kept per chain
    ("region@7"): the rollup answers (the demands are not read), and only for the dimensions it keeps."""
    chain = personas.ours.chain.pk
    assert DemandDay.objects.filter(dimension=within_chain("department", chain), reader="chain").exists()
    start, today = personas.today - dt.timedelta(days=150), personas.today
    for dimension in CHAIN_SCOPED:
        rows, _histograms = reads_demands.grouped(personas.chief, dimension, start, today, today, chain) or ([], {})
        assert (
            rows
            and sum(r["n_received"] for r in rows)
            == Demand.objects.filter(chain_id=chain, kind="demand", submitted_at__date__gte=start).count()
        )
    assert reads_demands.grouped(personas.chief, "liaison", start, today, today, chain) is None  # not kept


def test_a_period_reads_whole_months_and_the_days_left() -> None:
    def spans(start: dt.date, end: dt.date, before: dt.date | None = None) -> tuple[list[str], list[Any]]:
        months, days = demand_spans(start, end, before)
        return [f"{m:%Y-%m}" for m in months], [q.children[0][1] for q in days]

    d = dt.date
    assert spans(d(2026, 1, 1), d(2026, 12, 31)) == ([f"2026-{m:02}" for m in range(1, 13)], [])
    assert spans(d(2026, 1, 15), d(2026, 4, 10)) == (
        ["2026-02", "2026-03"],
        [(d(2026, 1, 15), d(2026, 1, 31)), (d(2026, 4, 1), d(2026, 4, 10))],
    )
    assert spans(d(2026, 2, 1), d(2026, 2, 27)) == ([], [(d(2026, 2, 1), d(2026, 2, 27))])  # not a whole month
    assert spans(d(2028, 2, 1), d(2028, 2, 29)) == (["2028-02"], [])  # a leap February, whole
    # waiting demands are late by the day: months read whole only before the response cutoff's month
    assert spans(d(2026, 1, 1), d(2026, 3, 31), before=d(2026, 3, 1)) == (
        ["2026-01", "2026-02"],
        [(d(2026, 3, 1), d(2026, 3, 31))],
    )
    assert spans(d(2026, 3, 5), d(2026, 3, 4)) == ([], [])


def test_days_become_index_friendly_ranges() -> None:
    d = dt.date(2026, 3, 1)
    q = _days_q("submitted_at", [d, d + dt.timedelta(days=1), d + dt.timedelta(days=5)])
    assert q.connector == "OR" and len(q.children) == 2  # [1 Mar, 2 Mar] and [6 Mar]
    assert _days_q("submitted_at", None).children == []


def test_a_demand_counts_once_per_reader_kind(personas: Personas) -> None:
    DemandWorld(personas).demand(status="closed")
    engine.flush()
    today = timezone.localdate()
    rows = DemandDay.objects.filter(day=today, dimension="chain")
    assert sum(r.received for r in rows.filter(reader="chain")) == sum(r.received for r in rows.filter(reader="region"))
    ours = rows.filter(reader="chain", reader_chains__contains=f",{personas.ours.chain.pk},")
    assert sum(r.closed for r in ours) >= 1


def _submit(world: DemandWorld, theirs: bool, days_ago: int) -> Demand:
    p = world.personas
    moment = timezone.now() - dt.timedelta(days=days_ago)
    with time_machine.travel(moment, tick=False):
        if theirs:
            return world.demand(actor="x_chief", enterprise=p.theirs.enterprise)
        return world.demand()


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("submit"), st.booleans(), st.integers(min_value=0, max_value=120)),
        st.tuples(
            st.sampled_from(
                [
                    "accept",
                    "reject",
                    "ask",
                    "supply",
                    "task",
                    "return",
                    "urge",
                    "request",
                    "extend",
                    "finish",
                    "confirm",
                    "reopen",
                ]
            ),
            st.integers(min_value=0, max_value=30),
            st.booleans(),
        ),
        st.tuples(st.just("move_firm"), st.booleans(), st.booleans()),
    ),
    min_size=1,
    max_size=10,
)


def _step(world: DemandWorld, op: tuple[Any, ...], made: list[Demand]) -> None:  # noqa: C901, PLR0912
    p = world.personas
    if op[0] == "submit":
        made.append(_submit(world, op[1], op[2]))
        return
    if op[0] == "move_firm":  # our enterprise moves district (reader "region") or takes a node of their chain
        firm = p.ours.enterprise
        if op[1]:
            region = p.city if firm.region_id != p.city.pk else p.ours.region
            enterprise_services.enterprise_update(actor=p.chief, enterprise=firm, region=region)
        else:
            nodes = [p.ours.node, p.theirs.node] if op[2] else [p.ours.node]
            enterprise_services.enterprise_update(actor=p.chief, enterprise=firm, nodes=nodes)
        return
    if not made:
        return
    demand = Demand.objects.get(pk=made[op[1] % len(made)].pk)
    chief = p.chief if demand.enterprise_id == p.ours.enterprise.pk else p.x_chief
    handler = {p.ours.department.pk: p.handler, p.theirs.department.pk: p.x_handler}
    tasks = list(demand.tasks.order_by("pk"))
    if op[0] == "accept" and demand.status == DemandStatus.SUBMITTED:
        services.demand_accept(demand=demand, actor=chief)
    elif op[0] == "reject" and demand.status == DemandStatus.SUBMITTED:
        services.demand_reject(demand=demand, actor=chief, reason="不属于服务范围")
    elif op[0] == "ask" and demand.status == DemandStatus.SUBMITTED:
        services.demand_request_info(demand=demand, actor=chief, note="请补充营业执照")
    elif op[0] == "supply" and demand.status == DemandStatus.NEEDS_INFO:
        user = p.ent_user if demand.enterprise_id == p.ours.enterprise.pk else p.x_ent_user
        services.demand_supply_info(demand=demand, actor=user, note="已补充")
    elif op[0] == "task" and demand.status in (DemandStatus.ACCEPTED, DemandStatus.IN_PROGRESS):
        world.task(demand, department="theirs" if op[2] else "ours", actor=chief)
    elif op[0] == "return" and tasks and tasks[-1].status == TaskStatus.PENDING:
        services.task_return(task=tasks[-1], actor=handler[tasks[-1].lead_department_id], reason="非本部门职责")
    elif op[0] == "urge" and tasks and tasks[0].status in (TaskStatus.PENDING, TaskStatus.IN_PROGRESS):
        leader_urge(task=tasks[0], actor=chief)
    elif op[0] in ("request", "extend") and tasks and tasks[0].status in (TaskStatus.PENDING, TaskStatus.IN_PROGRESS):
        worker = handler[tasks[0].lead_department_id]
        if tasks[0].status == TaskStatus.PENDING:
            services.task_sign(task=tasks[0], actor=worker)
        if op[0] == "request":  # left waiting on the team
            services.task_request_completion(task=tasks[0], actor=worker, result="已办结。")
        else:
            services.task_request_extension(task=tasks[0], actor=worker, extra_days=5, reason="需协调")
    elif op[0] == "finish":
        for task in tasks:
            if task.status in (TaskStatus.PENDING, TaskStatus.IN_PROGRESS):
                worker = handler[task.lead_department_id]
                if task.status == TaskStatus.PENDING:
                    services.task_sign(task=task, actor=worker)
                services.task_request_completion(task=task, actor=worker, result="已办结。")
                services.task_accept_completion(task=Task.objects.get(pk=task.pk), actor=chief)
    elif op[0] in ("confirm", "reopen") and demand.status == DemandStatus.AWAITING_CONFIRMATION:
        rating = Rating.UNSATISFIED if op[0] == "reopen" else (Rating.BASICALLY if op[2] else Rating.SATISFIED)
        user = p.ent_user if demand.enterprise_id == p.ours.enterprise.pk else p.x_ent_user
        services.demand_confirm(demand=demand, actor=user, rating=rating, comment="评价")


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_random_writes_keep_every_reader_s_metrics_equal_to_live(personas: Personas, ops: list[Any]) -> None:
    world = DemandWorld(personas)
    made: list[Demand] = []
    for op in ops:
        try:
            _step(world, op, made)
        except (PermissionDenied, ValidationError, InvalidTransition):
            pass  # a write the rules refuse changes nothing (its own transaction is rolled back)
    _assert_equal_to_live(personas)


def test_an_urge_moves_the_department_s_count(personas: Personas) -> None:
    demand = DemandWorld(personas).demand(status="in_progress")
    task = demand.tasks.get()
    engine.flush()
    day = timezone.localdate(demand.submitted_at)
    department = DemandDay.objects.filter(
        day=day, dimension="department", group_id=task.lead_department_id, reader="region"
    )
    before = sum(r.t_urged for r in department)
    leader_urge(task=task, actor=personas.chief)
    assert set(engine.pending()) == {"demand_days"}
    assert DEMAND_DAYS.resolve(engine.pending()["demand_days"]) == {day}  # the urged task's demand's day
    _assert_equal_to_live(personas)
    assert sum(r.t_urged for r in department.all()) == before + 1


def test_a_month_row_follows_its_days_and_check_names_it(personas: Personas) -> None:
    world = DemandWorld(personas)
    demand = _submit(world, theirs=False, days_ago=70)
    engine.flush()
    month = timezone.localdate(demand.submitted_at).replace(day=1)
    ours = DemandMonth.objects.filter(month=month, dimension="chain", group_id=personas.ours.chain.pk, reader="region")
    before = sum(r.received for r in ours)
    _submit(world, theirs=False, days_ago=70)
    engine.flush()
    assert sum(r.received for r in ours.all()) == before + 1  # the refreshed day's difference reached its month
    assert engine.check() == []
    row = ours.first()
    assert row is not None
    DemandMonth.objects.filter(pk=row.pk).update(received=row.received + 5, histogram="1:99")
    found = [str(d) for d in engine.check()]
    assert len(found) == 1 and found[0].startswith("demand_months [month=") and "1:99" in found[0]
    engine.rebuild(["demand_days"])
    assert engine.check() == []
    assert sum(r.received for r in ours.all()) == before + 1


def test_open_and_overdue_tasks_move_with_the_day_read(personas: Personas) -> None:
    """The departments' open lead tasks are kept by deadline: read on a later day, more of them are overdue, and the
    rollup says the same as the tasks on every day."""
    p = personas
    demand = DemandWorld(p).demand(status="in_progress")
    task = demand.tasks.get()
    engine.flush()
    seen = []
    for later in (0, 5, 40):
        today = p.today + dt.timedelta(days=later)
        table = metrics.metric_table(
            p.chief, dimension="department", start=p.today - dt.timedelta(days=60), end=today, today=today
        )
        with override_settings(CHAINDESK_ROLLUPS=False):
            live = metrics.metric_table(
                p.chief, dimension="department", start=p.today - dt.timedelta(days=60), end=today, today=today
            )
        assert dataclasses.asdict(table) == dataclasses.asdict(live)
        row = next(r for r in table.rows if r.key == task.lead_department_id)
        seen.append((row.open_tasks, row.overdue_tasks))
    assert seen[0][0] == seen[-1][0] >= 1 and seen[0][1] < seen[-1][1]  # the same open tasks, overdue by then


def test_the_demands_in_a_state_are_read_from_the_months(personas: Personas, django_assert_num_queries: Any) -> None:
    """The chief's backlog and 待我处理 counts add up the monthly rows, whatever the demands; the oldest waiting
    demand is looked for on the first day the rows say one waits on (an index range)."""
    p = personas
    world = DemandWorld(p)
    oldest = _submit(world, theirs=False, days_ago=45)
    _submit(world, theirs=False, days_ago=3)
    world.demand(status=DemandStatus.NEEDS_INFO)
    world.demand(status=DemandStatus.AWAITING_CONFIRMATION)
    _submit(world, theirs=True, days_ago=3)  # their chain's: not ours to count
    task = world.demand(status=DemandStatus.IN_PROGRESS).tasks.get()
    services.task_sign(task=task, actor=p.handler)
    services.task_request_completion(task=task, actor=p.handler, result="已办结。")
    engine.flush()
    chief = type(p.chief).objects.get(pk=p.chief.pk)  # a fresh scope
    with django_assert_num_queries(2):  # the team's chains (the rows' reader key), the sums
        counted = selectors_queues.rolled_up_states(chief)
    first_month = timezone.localdate(oldest.submitted_at).replace(day=1)
    states = {DemandStatus.SUBMITTED: 2, DemandStatus.NEEDS_INFO: 1, DemandStatus.AWAITING_CONFIRMATION: 1}
    assert counted == (states | {"completion": 1, "extension": 0, "returned": 0}, first_month)
    assert selectors_team.queue_counts(chief) == {
        "completion": 1,
        "extension": 0,
        "returned": 0,
        "needs_info": 1,
        "awaiting": 1,
    }
    first_day = selectors_queues.first_waiting_day(chief, first_month)
    assert first_day == timezone.localdate(oldest.submitted_at)
    backlog = metrics.triage_backlog(p.chief, p.today)
    assert backlog.count == 2 and backlog.oldest_submitted_at == oldest.submitted_at
    with override_settings(CHAINDESK_ROLLUPS=False):
        assert selectors_queues.rolled_up_states(p.chief) is None
        assert metrics.triage_backlog(p.chief, p.today) == backlog
