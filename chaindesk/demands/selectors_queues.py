"""Reads for the work queues: a department's task queue, the chain chief's 督办 queue and the 工作台 cards.

Every read starts from visible_to(user); each page or card is a fixed number of queries whatever the rows."""

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import Department
from chaindesk.chains.models import Chain
from chaindesk.core import clock
from chaindesk.core.aggregates import count_of
from chaindesk.core.params import param_id
from chaindesk.core.privacy import staff_fields_hidden_from
from chaindesk.core.scope import DEPARTMENT, scope_of

from .choices import ESCALATED, OPEN_DEMAND, OPEN_TASK, DemandKind, DemandStatus, Escalation, TaskStatus
from .jobs import remind_before
from .models import Demand, Task
from .workdays import CalendarNotCovered, workdays_between

CARD_ROWS = 5

# Badge colours (Tabler status classes) for task states and escalation marks.
TASK_STATUS_COLOURS = {
    TaskStatus.PENDING: "orange",
    TaskStatus.IN_PROGRESS: "blue",
    TaskStatus.EXTENSION_REQUESTED: "purple",
    TaskStatus.COMPLETION_REQUESTED: "cyan",
    TaskStatus.DONE: "green",
    TaskStatus.RETURNED: "grey",
}
ESCALATION_COLOURS = {
    Escalation.REMINDED: "yellow",
    Escalation.WARNED: "orange",
    Escalation.SUPERVISED: "red",
}
DEMAND_STATUS_COLOURS = {
    DemandStatus.SUBMITTED: "orange",
    DemandStatus.NEEDS_INFO: "yellow",
    DemandStatus.ACCEPTED: "azure",
    DemandStatus.IN_PROGRESS: "blue",
    DemandStatus.AWAITING_CONFIRMATION: "purple",
    DemandStatus.CLOSED: "green",
    DemandStatus.REJECTED: "grey",
    DemandStatus.MERGED: "grey",
}

# Task queue filters (declared in resources_tasks.TASKS): "open" (default) and "all" besides each status; the
# 主办 (default) or 协办 side.
STATUS_OPEN, STATUS_ALL = "open", "all"
SIDE_LEAD, SIDE_CO = "lead", "co"


def workdays_left(deadline: date, today: date) -> int | None:
    """Working days from today to the deadline (negative once overdue); None when the calendar does not cover
    the dates (the page shows 一 rather than a guess)."""
    try:
        return workdays_between(today, deadline)
    except CalendarNotCovered:
        return None


def _open_first(today: date) -> Case:
    """0 overdue and open, 1 open, 2 closed (done or returned)."""
    return Case(
        When(status__in=OPEN_TASK, deadline__lt=today, then=Value(0)),
        When(status__in=OPEN_TASK, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def _department_scope(user: Any) -> tuple[Q, Q]:
    """(主办, 协办) conditions for the user's department."""
    dept = user.department_id
    lead = Q(lead_department_id=dept)
    co = Q(pk__in=Task.co_departments.through.objects.filter(department_id=dept).values("task_id")) & ~lead
    return lead, co


def side_counts(user: Any) -> dict[str, int]:
    """Open tasks on each side (the tabs' badges), in one query of two scalar counts, each from its own index
    instead of one scan over both sides' OR: 主办, a range of the department's open tasks (task_dept_open_queue_idx,
    index-only); 协办, the department's co-department links joined with the open tasks' index (task_open_queue_idx,
    index-only). The second costs in proportion to the department's links, open or not (most of the time)."""
    if user.role != Role.DEPT_HANDLER or not user.department_id:
        return {"lead": 0, "co": 0}
    lead, co = _department_scope(user)
    open_tasks = Task.objects.filter(status__in=OPEN_TASK)
    row = (
        Department.objects.filter(pk=user.department_id)
        .annotate(lead=count_of(open_tasks.filter(lead)), co=count_of(open_tasks.filter(co)))
        .values("lead", "co")
        .first()
    )
    return {"lead": row["lead"] or 0, "co": row["co"] or 0} if row else {"lead": 0, "co": 0}


def task_queryset(user: Any) -> QuerySet[Task]:
    """The tasks a user may see, with what a row of the department's queue shows."""
    return Task.objects.visible_to(user).select_related("demand", "demand__enterprise", "lead_department", "handler")


# Task.scope_paths for the department dimension: a handler sees the tasks their department leads or co-handles.
LEAD_OR_CO = ("lead_department", "co_departments")


def _department_side_rows(user: Any) -> QuerySet[Task]:
    """Where a side of the queue (`_department_scope`) is cut from: the reader's visible tasks. While the
    department handler's rule is "led or co-handled by their department" (Task.scope_paths), each side's own
    condition is one half of that rule, so it already keeps only visible rows, and the rule is left out: the
    same rows without its OR (led, or a co-department link), which PostgreSQL cannot use an index for, so the
    协办 side read the whole task table. Under any other rule the queue filters through visible_to as before."""
    if scope_of(user).dimension == DEPARTMENT and Task.scope_paths.path_for(DEPARTMENT) == LEAD_OR_CO:
        return Task.objects.all()
    return Task.objects.visible_to(user)


def department_tasks(user: Any, filters: Mapping[str, Any], today: date) -> tuple[QuerySet[Task], dict[str, Any]]:
    """The department's task queue: 主办 or 协办 tasks (side), overdue first then by deadline; filters status
    (open by default, all, or one status) and escalation. `filters` are the URL's values as the declared
    filters parse them (`resources_tasks.TASKS.parse`: None when absent or ignored). Returns the queryset and
    the queue's state: the side, status and escalation applied (no query; the tabs' counts are `side_counts`).

    Order: open tasks overdue first, then by deadline; closed ones last. An open task is overdue exactly when
    its deadline is past, so among open tasks (and among the tasks of any one status) that order is the
    deadline's: deadline then id, read in that order from an index (主办: task_dept_open_queue_idx, or
    task_department_queue_idx for one status; 协办: task_open_queue_idx). Only 全部 ranks open before closed, and
    sorts."""
    base = _department_side_rows(user).select_related("demand", "demand__enterprise", "lead_department", "handler")
    if user.role != Role.DEPT_HANDLER or not user.department_id:
        base = base.none()
    lead, co = _department_scope(user)
    side = SIDE_CO if filters.get("side") == SIDE_CO else SIDE_LEAD
    qs = base.filter(lead if side == SIDE_LEAD else co)
    status = filters.get("status") or STATUS_OPEN
    if status == STATUS_OPEN:
        qs = qs.filter(status__in=OPEN_TASK)
    elif status in TaskStatus.values:
        qs = qs.filter(status=status)
    else:
        status = STATUS_ALL
    escalation = filters.get("escalation") or ""
    # the escalation marks are staff-only fields (core.privacy): a reader who may not read them cannot filter
    # on them either
    if escalation in ESCALATION_COLOURS and "escalation" not in staff_fields_hidden_from(Task, user):
        qs = qs.filter(escalation=escalation, deadline__lt=marked_before(escalation, today))
    else:
        escalation = ""
    if status == STATUS_ALL:
        qs = qs.annotate(queue_rank=_open_first(today)).order_by("queue_rank", "deadline", "pk")
    else:
        qs = qs.order_by("deadline", "pk")
    return qs, {"side": side, "status": status, "escalation": escalation}


def counted_by_badge(queue: Mapping[str, Any], counts: Mapping[str, int]) -> int | None:
    """The queue's number of rows when its side's badge already counts them (the open tasks of the side, no
    escalation filter: the default view of each tab), else None (the list counts its rows itself)."""
    if queue["status"] == STATUS_OPEN and not queue["escalation"]:
        return counts[queue["side"]]
    return None


def marked_before(level: str, today: date) -> date:
    """Every task carrying the mark `level` has its deadline before this date: the job marks a task only past
    the rung's boundary, the boundaries only move forward, and a new deadline (an approved extension) clears
    the marks. There is no index on the mark (so that the job's UPDATE touches no index: HOT updates), so
    the queues bound their (status, deadline) index scan with this date."""
    if level == Escalation.REMINDED:
        return remind_before(today)
    return today


def supervision_tasks(
    user: Any, params: dict[str, str], today: date | None = None
) -> tuple[QuerySet[Task], dict[str, Any]]:
    """The chain chief's 督办 queue: open tasks of their chains' demands marked 督办, then the 预警 ones below
    them (show=supervised leaves them out); chain=<id> keeps one of their chains (an id out of shape is
    ignored; another chain's leaves nothing); most overdue first."""
    today = today or clock.today()
    chains = Chain.objects.visible_to(user).values("pk")
    show = "supervised" if params.get("show") == "supervised" else "all"
    chain = param_id(params.get("chain"))
    levels = sorted(ESCALATED) if show == "all" else [Escalation.SUPERVISED]
    qs = (
        Task.objects.visible_to(user)
        .filter(demand__chain_id__in=chains, status__in=OPEN_TASK, escalation__in=levels, deadline__lt=today)
        .select_related("demand", "demand__enterprise", "demand__chain", "lead_department")
        .annotate(
            level_rank=Case(
                When(escalation=Escalation.SUPERVISED, then=Value(0)), default=1, output_field=IntegerField()
            )
        )
        .order_by("level_rank", "deadline", "pk")
    )
    if chain is not None:
        qs = qs.filter(demand__chain_id=chain)
    return qs, {"show": show, "chain": chain}


def decorate_tasks(tasks: list[Task], today: date) -> list[Task]:
    """Working days left (negative once overdue) on each row, computed in Python: no query."""
    for task in tasks:
        left = workdays_left(task.deadline, today)
        task.days_left = left  # type: ignore[attr-defined]
        task.is_overdue = task.status in OPEN_TASK and task.deadline < today  # type: ignore[attr-defined]
        task.days_overdue = -left if left is not None and left < 0 else 0  # type: ignore[attr-defined]
    return tasks


# The 工作台 cards: a count (one query) and the top rows (one query) each.


def supervision_card(user: Any) -> dict[str, Any]:
    qs, _filters = supervision_tasks(user, {"show": "supervised"})
    return {"count": qs.count(), "rows": list(qs[:CARD_ROWS])}


def waiting_for_triage(user: Any) -> QuerySet[Demand]:
    """The 已提交 demands of the user's chains that the user may see (the 待受理 card, the triage backlog)."""
    return (
        Demand.objects.visible_to(user)
        .enterprise_demands()
        .filter(status=DemandStatus.SUBMITTED, chain_id__in=Chain.objects.visible_to(user).values("pk"))
    )


# --- the demands of the reader's chains in a state now, counted where the rollups keep them ------------------

# The states counted: 已提交 (the triage backlog), 待补充材料 and 待企业确认 (the 待我处理 counts).
COUNTED_STATES = (DemandStatus.SUBMITTED, DemandStatus.NEEDS_INFO, DemandStatus.AWAITING_CONFIRMATION)
# (user) -> ({state: count} over the reader's enterprise demands of the chains the reader sees, the first month
# of submission one of them still waits for triage in), or None when the demands must be counted.
StateReader = Callable[[Any], tuple[dict[str, int], date | None] | None]
# (user, that month) -> the first day of it one of them waits on (None when none does)
DayReader = Callable[[Any, date], date | None]
_STATE_READERS: list[tuple[StateReader, DayReader]] = []


# (user) -> (the reader's open enterprise demands, those of them 待企业确认), over every chain and none (the
# district's card), or None when the demands must be counted
OpenReader = Callable[[Any], tuple[int, int] | None]
_OPEN_READERS: list[OpenReader] = []


def register_state_reader(reader: StateReader, first_day: DayReader, open_counts: OpenReader) -> None:
    """Registered by the rollups app (the demands app knows nothing of rollups)."""
    _STATE_READERS[:] = [(reader, first_day)]
    _OPEN_READERS[:] = [open_counts]


def first_waiting_day(user: Any, month: date) -> date | None:
    """The first day of `month` that the rollup says one of the reader's demands waits for triage from."""
    return _STATE_READERS[0][1](user, month) if _STATE_READERS else None


def rolled_up_states(user: Any) -> tuple[dict[str, int], date | None] | None:
    """`demands_in_states` from the rollup with the first month one waits for triage, or None when the rollup
    does not describe the reader."""
    return _STATE_READERS[0][0](user) if _STATE_READERS else None


def demands_in_states(user: Any) -> dict[str, int]:
    """How many of the reader's enterprise demands of its chains (as `waiting_for_triage`) are in each of
    `COUNTED_STATES` now: from the rollup when it describes the reader (one query), else counted (one query)."""
    rolled = rolled_up_states(user)
    if rolled is not None:
        return {status: rolled[0][status] for status in COUNTED_STATES}
    figures = (
        Demand.objects.visible_to(user)
        .enterprise_demands()
        .filter(status__in=COUNTED_STATES, chain_id__in=Chain.objects.visible_to(user).values("pk"))
        .aggregate(**{status: Count("pk", filter=Q(status=status)) for status in COUNTED_STATES})
    )
    return {status: int(figures[status] or 0) for status in COUNTED_STATES}


def triage_card(user: Any) -> dict[str, Any]:
    """待受理: submitted demands of the user's chains, oldest first."""
    qs = waiting_for_triage(user)
    rows = list(qs.select_related("enterprise", "category").order_by("submitted_at", "pk")[:CARD_ROWS])
    return {"count": demands_in_states(user)[DemandStatus.SUBMITTED], "rows": rows}


def department_card(user: Any, today: date) -> dict[str, Any]:
    """The department's open tasks (主办 and 协办), overdue first. Counted per side (`_department_scope`: 主办 from
    its own index, 协办 through the department's links, disjoint), as the queue's tabs are: one count over the OR of
    both sides read every open task of a province department's (0.8 s)."""
    counts = {"n": 0, "overdue": 0}
    if user.role != Role.DEPT_HANDLER or not user.department_id:
        return {"count": 0, "overdue": 0, "rows": []}
    for side in _department_scope(user):
        open_side = _department_side_rows(user).filter(side, status__in=OPEN_TASK)
        part = open_side.aggregate(n=Count("pk"), overdue=Count("pk", filter=Q(deadline__lt=today)))
        counts = {key: counts[key] + (part[key] or 0) for key in counts}
    qs = Task.objects.visible_to(user).filter(status__in=OPEN_TASK)
    rows = list(
        qs.select_related("demand", "demand__enterprise", "lead_department").order_by("deadline", "pk")[:CARD_ROWS]
    )
    return {"count": counts["n"], "overdue": counts["overdue"], "rows": rows}


def _demand_card(qs: QuerySet[Demand], counted: tuple[int, int] | None = None) -> dict[str, Any]:
    """Open demands (an enterprise's: no 交办事项), those awaiting the enterprise's confirmation first, then the
    oldest; `counted`: their number and those awaiting, when the rollup has them (else counted here). The rows
    are read as two ordered index walks (those awaiting, then the other open ones if the card has room), not
    sorted out of every open demand (a district's took 14 s at province)."""
    open_qs = qs.filter(kind=DemandKind.DEMAND, status__in=OPEN_DEMAND)
    if counted is None:
        awaiting = Count("pk", filter=Q(status=DemandStatus.AWAITING_CONFIRMATION))
        counts = open_qs.aggregate(n=Count("pk"), awaiting=awaiting)
    else:
        counts = {"n": counted[0], "awaiting": counted[1]}
    oldest = open_qs.select_related("enterprise").order_by("submitted_at", "pk")
    rows = list(oldest.filter(status=DemandStatus.AWAITING_CONFIRMATION)[:CARD_ROWS])
    if len(rows) < CARD_ROWS and len(rows) < counts["n"]:
        others = sorted(OPEN_DEMAND - {DemandStatus.AWAITING_CONFIRMATION})
        rows += list(oldest.filter(status__in=others)[: CARD_ROWS - len(rows)])
    return {"count": counts["n"], "awaiting": counts["awaiting"], "rows": rows}


def liaison_card(user: Any) -> dict[str, Any]:
    """The demands of the enterprises this liaison serves: awaiting confirmation or open."""
    return _demand_card(Demand.objects.visible_to(user).filter(enterprise__liaison=user))


def district_card(user: Any) -> dict[str, Any]:
    """Open demands of the enterprises in the district, counted by the rollup when it describes the reader."""
    return _demand_card(Demand.objects.visible_to(user), _OPEN_READERS[0](user) if _OPEN_READERS else None)


def enterprise_card(user: Any) -> dict[str, Any]:
    """The enterprise's own open demands, those awaiting its confirmation first."""
    return _demand_card(Demand.objects.visible_to(user))
