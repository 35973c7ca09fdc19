"""Service metrics of demands (诉求办理指标) per chain, department, region and liaison over a period.

The period is a date range on ``submitted_at`` (both ends included, in the local time zone). Every figure starts
from ``Demand.objects.visible_to(user).enterprise_demands()``: the enterprises' demands, not the meetings' 交办事项
(their tasks are a department's work, not an enterprise's demand answered). Per dimension the page costs one
query: a ``GROUP BY (group, close_days)`` computing every count in SQL (conditional ``COUNT``), one row per group
and number of days. Python adds the rows of a group up for its counts, and the closed demands of its rows form the
group's close_days histogram, from which the median is computed exactly (``median_of_histogram``: what
``statistics.median`` gives on the expanded list, the average of the two middle values for an even count), the
same on both databases. (The counts and the histogram were two queries before, each scanning every demand of the
period: 1.8M at province scale. Fetching one row per closed demand instead of a histogram cost seconds per
dimension.) The sums are exact because ``close_days`` is a field of the demand: each demand lies in exactly one
row of its group (see ``_grouped`` for the departments' distinct counts).

Definitions (printed on the page, see ``DEFINITIONS``):

- 受理量: demands submitted in the period;
- 响应率: responded within 1 working day (``response_days <= 1``) among the demands due for a response: the
  accepted ones, the ones decided without acceptance (不予受理, 已合并: the decision is the response, its time
  stored in ``response_days`` as an acceptance's is) and those still waiting for triage (已提交) past their
  response deadline (``response_cutoff``: even accepted now they would be late), so a backlog lowers the
  rate instead of leaving the denominator, and a backlog cleared by rejection counts the days it waited;
- 办结率: closed (已办结) among the accepted demands;
- 按时办结率: closed on time (``closed_on_time``) among the closed demands;
- 满意率: rated 满意 or 基本满意 among the rated demands;
- 办结用时中位数: median working days from submission to closure (``close_days``) of the closed demands;
- 重办率: by chain, region and liaison, reopened at least once (``Demand.reopen_count > 0``) among the closed
  demands; by department, per task (不满意 reopens only the tasks the enterprise names): the department's done
  lead tasks reopened at least once (``Task.reopen_count > 0``) among its done lead tasks;
- 在办 / 逾期 (departments only): the department's open lead tasks, and those past their deadline today.
- 被催办 (departments only): the leaders' 催办 on the department's lead tasks of the period's demands (a
  correlated count per task, summed in the same query).

The department dimension groups by the lead department (主办) of the demand's tasks, returned tasks (退回,
the wrong department) excepted; a demand split between two departments counts once for each, and once only
for a department that leads two of its tasks (``COUNT(DISTINCT demand)``). A demand rejected or merged was never
accepted, so it has no task and no department: its response counts by chain, region and liaison only.

Rankings need a minimum number of cases (``CHAINDESK_METRICS_MIN_CASES``, default 5) in the denominator of
the rate ranked by, so one quick case cannot top the table; smaller groups are listed, unranked, and named
(``MetricTable.left_out``).

``triage_backlog`` is the demands waiting for triage now (how many, the oldest wait in working days), for the
metrics page and the team's and the chain chief's 工作台: one aggregate query."""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Min, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from chaindesk.core import clock

from .choices import OPEN_TASK, DemandStatus, Rating, TaskStatus
from .models import Demand, Task
from .selectors_queues import first_waiting_day, rolled_up_states, waiting_for_triage
from .selectors_team import urges_of_task
from .workdays import CalendarNotCovered, add_workdays, workdays_between

DIMENSIONS: dict[str, Promise] = {
    "chain": _("产业链"),
    "department": _("主办部门"),
    "region": _("地区"),
    "liaison": _("挂钩服务专员"),
}

# key -> (label, numerator attribute, denominator attribute)
RATES: dict[str, tuple[Promise, str, str]] = {
    "response": (_("响应率"), "responded", "due"),
    "closure": (_("办结率"), "closed", "accepted"),
    "on_time": (_("按时办结率"), "closed_on_time", "closed"),
    "satisfaction": (_("满意率"), "satisfied", "rated"),
    "reopen": (_("重办率"), "reopened", "reopen_base"),
}
# Ranking is best first; for the reopen rate lower is better.
LOWER_IS_BETTER = frozenset({"reopen"})
DEFAULT_RANK_BY = "on_time"

DEFINITIONS: list[tuple[Promise, Promise]] = [
    (_("受理量"), _("统计期内提交的诉求件数（按提交时间统计，含不予受理、已合并）。")),
    (
        _("响应率"),
        _(
            "1个工作日内受理、不予受理或合并的诉求 ÷ 应响应的诉求。应响应的诉求包括统计期内提交的已受理、不予受理"
            "和已合并的诉求（不予受理或合并也是对企业的答复，按作出决定的时间计算响应用时），以及提交已超过1个工作日"
            "仍待受理的诉求（这些诉求即使现在受理也已超时，计为未按时响应）；待补充的诉求不计入。"
        ),
    ),
    (_("办结率"), _("已办结（企业确认满意或基本满意）的诉求 ÷ 已受理的诉求。")),
    (_("按时办结率"), _("在任务办结期限内办结的诉求 ÷ 已办结的诉求。")),
    (_("满意率"), _("评价为满意或基本满意的诉求 ÷ 已评价的诉求。")),
    (_("办结用时中位数"), _("已办结诉求从提交到办结的工作日数的中位数（法定节假日不计，调休上班日计入）。")),
    (
        _("重办率"),
        _(
            "按产业链、地区、挂钩服务专员统计时以诉求计：曾被企业评为不满意而重新办理的已办结诉求 ÷ 已办结的诉求。"
            "按部门统计时以任务计：企业不满意时只重办被点名的任务，故为该部门主办的已办结任务中曾被重办的 ÷ "
            "该部门主办的已办结任务，未被重办的部门不受影响。"
        ),
    ),
    (_("按部门统计"), _("按诉求所属任务的主办部门统计（退回的任务除外）；一件诉求由多个部门主办时各计一次。")),
    (
        _("在办、逾期"),
        _("仅按部门统计：统计期内提交的诉求中该部门主办、尚未办结的任务数，及其中截至今日已过办结期限的任务数。"),
    ),
    (
        _("被催办"),
        _("仅按部门统计：统计期内提交的诉求中，链长、召集人或牵头部门负责人对该部门主办任务的催办次数。"),
    ),
    (_("待受理积压"), _("截至今日仍待受理（已提交）的诉求件数，及其中等待最久的一件已等待的工作日数。")),
]


# Answered without acceptance: the decision is the response (响应率).
DECIDED = (DemandStatus.REJECTED, DemandStatus.MERGED)


def min_cases() -> int:
    return int(getattr(settings, "CHAINDESK_METRICS_MIN_CASES", 5))


@dataclass
class MetricRow:
    key: int | None
    label: str
    received: int = 0
    accepted: int = 0
    # Waiting for triage (已提交) past the response deadline: due for a response, not responded.
    late_waiting: int = 0
    # Answered without acceptance (不予受理, 已合并): due for a response, responded when decided in time.
    decided: int = 0
    responded: int = 0
    closed: int = 0
    closed_on_time: int = 0
    rated: int = 0
    satisfied: int = 0
    reopened: int = 0
    # The reopen rate's denominator: closed demands, or a department's done lead tasks (per task).
    reopen_base: int = 0
    # Departments only (None elsewhere): open lead tasks, and those past their deadline.
    open_tasks: int | None = None
    overdue_tasks: int | None = None
    # Departments only (None elsewhere): the leaders' 催办 on its lead tasks (被催办).
    urged: int | None = None
    median_close_days: Decimal | None = None
    rank: int | None = None
    rates: dict[str, Decimal | None] = field(default_factory=dict)

    @property
    def due(self) -> int:
        """Demands due for a response: the accepted ones, the rejected and merged ones, and those still waiting
        past the deadline."""
        return self.accepted + self.decided + self.late_waiting

    def rate(self, key: str) -> Decimal | None:
        """The rate as a fraction (0..1, 4 decimals), None without a denominator."""
        _label, num, den = RATES[key]
        denominator = getattr(self, den)
        if not denominator:
            return None
        return (Decimal(getattr(self, num)) / Decimal(denominator)).quantize(Decimal("0.0001"), ROUND_HALF_UP)

    def cases(self, key: str) -> int:
        return int(getattr(self, RATES[key][2]))

    def fill_rates(self) -> None:
        self.rates = {key: self.rate(key) for key in RATES}

    @property
    def percents(self) -> dict[str, Decimal | None]:
        return {
            k: None if v is None else (v * 100).quantize(Decimal("0.1"), ROUND_HALF_UP) for k, v in self.rates.items()
        }


@dataclass
class MetricTable:
    dimension: str
    label: str
    rows: list[MetricRow]
    total: MetricRow
    rank_by: str
    min_cases: int

    @property
    def left_out(self) -> list[str]:
        """The groups the minimum-case rule (or a missing rate) left out of the ranking, by name."""
        return [r.label for r in self.rows if r.rank is None]

    @property
    def per_task(self) -> bool:
        """The department table counts reopening per task and shows the open and overdue tasks."""
        return self.dimension == "department"


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, end+1 00:00) in the local time zone."""
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return lo, hi


def response_cutoff(today: dt.date) -> dt.datetime:
    """A demand submitted before this instant and still waiting for triage is late: accepted today, it would
    have taken 2 working days or more (response_days counts the working days in (submitted, accepted]). The
    instant is the start of the second latest working day up to today: (day, today] holds two working days
    exactly for the days before it. When the calendar does not cover the dates, no waiting demand counts
    as late (the rate is then the accepted ones' only, as before)."""
    try:
        second = add_workdays(today + dt.timedelta(days=1), -2)
    except CalendarNotCovered:
        return dt.datetime.combine(dt.date.min, dt.time.min, tzinfo=timezone.get_current_timezone())
    return period_bounds(second, second)[0]


def demand_conditions(prefix: str) -> dict[str, Q | None]:
    """The condition of each count of demands (None: every demand); ``prefix`` reaches the demand ("" or
    "demand__"). The rollup of 办理指标 counts with the same conditions (chaindesk.rollups)."""
    p = prefix
    closed = Q(**{f"{p}status": DemandStatus.CLOSED})
    decided = Q(**{f"{p}status__in": DECIDED})
    answered = Q(**{f"{p}accepted_at__isnull": False}) | decided
    return {
        "received": None,
        "accepted": Q(**{f"{p}accepted_at__isnull": False}),
        "decided": decided,
        "responded": answered & Q(**{f"{p}response_days__lte": 1}),
        "closed": closed,
        "on_time": closed & Q(**{f"{p}closed_on_time": True}),
        "rated": ~Q(**{f"{p}rating": ""}),
        "satisfied": Q(**{f"{p}rating__in": [Rating.SATISFIED, Rating.BASICALLY]}),
        "reopened": closed & Q(**{f"{p}reopen_count__gt": 0}),
    }


def _counts(prefix: str, distinct: bool, cutoff: dt.datetime) -> dict[str, Count]:
    """The conditional counts of one group (``n_`` + the names of `demand_conditions`, and ``n_late_waiting``);
    ``cutoff`` is the response deadline's instant (``response_cutoff``)."""
    p = prefix
    target = f"{p}pk" if p else "pk"
    counts = {f"n_{name}": Count(target, distinct=distinct, filter=q) for name, q in demand_conditions(p).items()}
    late = Q(**{f"{p}status": DemandStatus.SUBMITTED, f"{p}submitted_at__lt": cutoff})
    counts["n_late_waiting"] = Count(target, distinct=distinct, filter=late)
    return counts


def _task_counts(today: dt.date) -> dict[str, Count | Sum]:
    """The department's own lead tasks (each task is one row of the tasks query: plain counts)."""
    done, open_ = Q(status=TaskStatus.DONE), Q(status__in=OPEN_TASK)
    return {
        "t_done": Count("pk", filter=done),
        "t_reopened": Count("pk", filter=done & Q(reopen_count__gt=0)),
        "t_open": Count("pk", filter=open_),
        "t_overdue": Count("pk", filter=open_ & Q(deadline__lt=today)),
        "t_urged": Sum(urges_of_task()),
    }


# dimension -> (group key path, label path), from the demand
_DEMAND_PATHS = {
    "chain": ("chain_id", "chain__name"),
    "region": ("region_id", "region__name"),
    "liaison": ("liaison_id", "liaison__display_name"),
}
_NONE_LABELS = {
    "chain": _("未关联产业链"),
    "region": _("未标注地区"),
    "liaison": _("无挂钩服务专员"),
    "department": _("未分派部门"),
}


# group key -> close_days -> number of closed demands
Histograms = dict[Any, Counter[int]]


def _fold(
    rows: Iterable[Mapping[str, Any]], key_path: str, label_path: str, days_path: str
) -> tuple[list[dict[str, Any]], Histograms]:
    """Rows of (group, close_days) -> one row of counts per group (first seen order) and the close_days
    histogram of each group's closed demands (a group without any has no histogram). Every count (``n_``
    demands, ``t_`` tasks) is added up over a group's rows."""
    groups: dict[Any, dict[str, Any]] = {}
    histograms: Histograms = defaultdict(Counter)
    for r in rows:
        key = r[key_path]
        names = [name for name in r if name.startswith(("n_", "t_"))]
        group = groups.get(key)
        if group is None:
            group = groups[key] = {"key": key, "label": r[label_path]} | dict.fromkeys(names, 0)
        for name in names:
            group[name] += r[name]
        days, closed = r[days_path], r["n_closed"]
        if days is not None and closed:
            histograms[key][days] += closed
    return list(groups.values()), histograms


def _grouped(
    demands: QuerySet[Demand], dimension: str, *, today: dt.date | None = None
) -> tuple[list[dict[str, Any]], Histograms]:
    """One row of counts per group and the close_days histogram of the closed demands per group, from one
    ``GROUP BY (group, close_days)`` query.

    The histogram counts the demands with status 已办结 and a ``close_days`` (``n_closed`` of the rows with a
    ``close_days``), as the histogram query did: a demand not closed counts in no bucket whatever its
    ``close_days``, a closed one without ``close_days`` counts in ``closed`` but has no value for the median.

    Departments count distinct demands (``COUNT(DISTINCT demand)`` over the lead tasks, returned tasks
    excepted): a department leading two tasks of a demand counts it once. Adding up a department's distinct
    counts over its close_days rows stays exact: ``close_days`` is a field of the demand, so all the tasks of
    one demand land in the same row, and the demands of two rows are disjoint. Every demand count filters
    on demand fields only (status, accepted_at, submitted_at, response_days, closed_on_time, rating,
    reopen_count), so it holds for all the rows of a demand or none; the one task-level condition (not 退回) is
    in the ``WHERE``. The task counts (``t_``: done, reopened, open, overdue) count each task once: it lies in
    one row."""
    today = today or clock.today()
    cutoff = response_cutoff(today)
    if dimension == "department":
        tasks = Task.objects.filter(demand__in=demands.values("pk")).exclude(status=TaskStatus.RETURNED)
        rows = (
            tasks.order_by()
            .values("lead_department_id", "lead_department__short_name", "demand__close_days")
            .annotate(**_counts("demand__", distinct=True, cutoff=cutoff), **_task_counts(today))
        )
        return _fold(rows, "lead_department_id", "lead_department__short_name", "demand__close_days")
    key_path, label_path = _DEMAND_PATHS[dimension]
    rows = (
        demands.order_by()
        .values(key_path, label_path, "close_days")
        .annotate(**_counts("", distinct=False, cutoff=cutoff))
    )
    return _fold(rows, key_path, label_path, "close_days")


# A later app may answer a reader's grouped counts from its own tables (chaindesk.rollups, registered in its
# ready()): (user, dimension, start, end, today, chain) -> the rows and histograms `_grouped` would give over the
# demands of the chain with pk `chain` (all chains: None), or None when it cannot (a reader its tables do not
# describe): the demands are read then.
GroupedReader = Callable[
    [Any, str, dt.date, dt.date, dt.date, int | None], tuple[list[dict[str, Any]], Histograms] | None
]
_GROUPED_READERS: list[GroupedReader] = []


def register_grouped_reader(reader: GroupedReader) -> None:
    _GROUPED_READERS[:] = [reader]


def counts_by(demands: QuerySet[Demand], dimension: str, *, today: dt.date | None = None) -> dict[Any, MetricRow]:
    """Every group's counts over `demands` (not cut to a reader: the annual targets measure a chain's, a
    region's or a department's own figures), one query; the rates follow the definitions of this module."""
    grouped, _histograms = _grouped(demands, dimension, today=today)
    rows = {g["key"]: _row(g["key"], str(g["label"] or ""), g) for g in grouped}
    for row in rows.values():
        row.fill_rates()
    return rows


def median_of_histogram(histogram: Mapping[int, int]) -> int | float | None:
    """``statistics.median`` of the list holding each value ``count`` times, without building the list:
    the middle value (as is) for an odd count, ``(low + high) / 2`` (a float) of the two middle ones for
    an even count; None when empty."""
    size = sum(n for n in histogram.values() if n > 0)
    if not size:
        return None
    wanted = ((size - 1) // 2, size // 2)  # the indexes of the middle values, equal for an odd size
    middle: list[int] = []
    seen = 0
    for value in sorted(v for v, n in histogram.items() if n > 0):
        seen += histogram[value]
        while len(middle) < 2 and seen > wanted[len(middle)]:
            middle.append(value)
        if len(middle) == 2:
            break
    low, high = middle
    return high if size % 2 else (low + high) / 2


def _median(histogram: Mapping[int, int]) -> Decimal | None:
    value = median_of_histogram(histogram)
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _row(key: int | None, label: str, counts: dict[str, Any]) -> MetricRow:
    """A group's row; a department's reopen rate and its open and overdue tasks count tasks (``t_``)."""
    per_task = "t_done" in counts
    return MetricRow(
        key=key,
        label=label,
        received=counts["n_received"],
        accepted=counts["n_accepted"],
        late_waiting=counts["n_late_waiting"],
        decided=counts["n_decided"],
        responded=counts["n_responded"],
        closed=counts["n_closed"],
        closed_on_time=counts["n_on_time"],
        rated=counts["n_rated"],
        satisfied=counts["n_satisfied"],
        reopened=counts["t_reopened"] if per_task else counts["n_reopened"],
        reopen_base=counts["t_done"] if per_task else counts["n_closed"],
        open_tasks=counts["t_open"] if per_task else None,
        overdue_tasks=counts["t_overdue"] if per_task else None,
        urged=(counts["t_urged"] or 0) if per_task else None,
    )


def rank(rows: list[MetricRow], rank_by: str, minimum: int) -> list[MetricRow]:
    """Ranked rows first (best first, ties share a rank, ``1, 1, 3``), then the rows below the minimum
    number of cases (or without the rate), unranked, by number of demands."""
    eligible: list[MetricRow] = []
    others: list[MetricRow] = []
    for r in rows:  # (not `r not in eligible`: a dataclass compares field by field, n² for 600 liaisons)
        (eligible if r.cases(rank_by) >= minimum and r.rates[rank_by] is not None else others).append(r)
    sign = 1 if rank_by in LOWER_IS_BETTER else -1
    eligible.sort(key=lambda r: (sign * (r.rates[rank_by] or 0), -r.cases(rank_by), r.label))
    previous: Decimal | None = None
    for i, r in enumerate(eligible, start=1):
        r.rank = i if r.rates[rank_by] != previous else eligible[i - 2].rank
        previous = r.rates[rank_by]
    for r in others:
        r.rank = None
    others.sort(key=lambda r: (-r.received, r.label))
    return eligible + others


def metric_table(
    user: Any,
    *,
    dimension: str,
    start: dt.date,
    end: dt.date,
    rank_by: str = DEFAULT_RANK_BY,
    minimum: int | None = None,
    today: dt.date | None = None,
    chain: int | None = None,
) -> MetricTable:
    """One dimension's rows (ranked) and the total over the user's visible demands in [start, end] (of the chain
    with pk `chain` only, when given: a chain's cockpit), as of `today` (the response deadline of the waiting
    demands, the overdue tasks)."""
    if dimension not in DIMENSIONS:
        raise ValueError(dimension)
    if rank_by not in RATES:
        raise ValueError(rank_by)
    minimum = min_cases() if minimum is None else minimum
    reader = _GROUPED_READERS[0] if _GROUPED_READERS else None
    answered = reader(user, dimension, start, end, today or clock.today(), chain) if reader else None
    if answered is None:
        lo, hi = period_bounds(start, end)
        demands = Demand.objects.visible_to(user).enterprise_demands()
        demands = demands.filter(submitted_at__gte=lo, submitted_at__lt=hi)
        if chain is not None:
            demands = demands.filter(chain_id=chain)
        answered = _grouped(demands, dimension, today=today)
    grouped, histograms = answered
    rows = []
    for g in grouped:
        label = g["label"] if g["key"] is not None else str(_NONE_LABELS[dimension])
        row = _row(g["key"], label, g)
        row.median_close_days = _median(histograms.get(g["key"], Counter()))
        row.fill_rates()
        rows.append(row)
    total = _total(rows, histograms)
    return MetricTable(
        dimension=dimension,
        label=str(DIMENSIONS[dimension]),
        rows=rank(rows, rank_by, minimum),
        total=total,
        rank_by=rank_by,
        min_cases=minimum,
    )


SUMMED = (
    "received",
    "accepted",
    "late_waiting",
    "decided",
    "responded",
    "closed",
    "closed_on_time",
    "rated",
    "satisfied",
    "reopened",
    "reopen_base",
)


def _total(rows: list[MetricRow], histograms: Histograms) -> MetricRow:
    """The sum over the groups. Exact for chain, region and liaison (each demand is in one group); for
    departments a demand led by two departments is counted in both, so the total is of department cases
    (the median too: over the groups' histograms added up)."""
    total = MetricRow(key=None, label=str(_("合计")))
    for attr in SUMMED:
        setattr(total, attr, sum(getattr(r, attr) for r in rows))
    if rows and rows[0].open_tasks is not None:  # departments: each task in one department's row
        total.open_tasks = sum(r.open_tasks or 0 for r in rows)
        total.overdue_tasks = sum(r.overdue_tasks or 0 for r in rows)
        total.urged = sum(r.urged or 0 for r in rows)
    days: Counter[int] = Counter()
    for histogram in histograms.values():
        days.update(histogram)
    total.median_close_days = _median(days)
    total.fill_rates()
    return total


# --- the triage backlog ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TriageBacklog:
    """Demands waiting for triage (已提交) now: how many, and the oldest one's wait."""

    count: int
    oldest_submitted_at: dt.datetime | None = None
    oldest_days: int | None = None  # working days since the oldest submission; None if none or uncovered


def backlog_of(count: int, oldest: dt.datetime | None, today: dt.date) -> TriageBacklog:
    """The backlog from its count and oldest submission (a caller that already holds them pays no query)."""
    days = None
    if oldest is not None:
        try:
            days = max(workdays_between(timezone.localdate(oldest), today), 0)
        except CalendarNotCovered:
            days = None
    return TriageBacklog(count=count, oldest_submitted_at=oldest, oldest_days=days)


def triage_backlog(user: Any, today: dt.date | None = None) -> TriageBacklog:
    """The user's triage backlog: COUNT and MIN over the waiting demands in one aggregate query; for a reader the
    rollup describes, the count from it and the MIN over the first day it says one waits on (an index range: a
    province's backlog is tens of thousands of demands, all recent)."""
    today = today or clock.today()
    rolled = rolled_up_states(user)
    if rolled is None:
        figures = waiting_for_triage(user).aggregate(n=Count("pk"), oldest=Min("submitted_at"))
        return backlog_of(figures["n"], figures["oldest"], today)
    (counts, first_month), oldest = rolled, None
    if counts[DemandStatus.SUBMITTED] and first_month is not None:
        day = first_waiting_day(user, first_month)
        lo, hi = period_bounds(day or first_month, day or first_month)
        waiting = waiting_for_triage(user).filter(submitted_at__gte=lo)
        if day is not None:  # that day's demands only
            waiting = waiting.filter(submitted_at__lt=hi)
        oldest = waiting.aggregate(oldest=Min("submitted_at"))["oldest"]
    return backlog_of(counts[DemandStatus.SUBMITTED], oldest, today)
