"""Service metrics of demands (诉求办理指标) per chain, department, region and liaison over a period.

The period is a date range on ``submitted_at`` (both ends included, in the local time zone). Every figure
starts from ``Demand.objects.visible_to(user)``. Per dimension the page costs one query: a ``GROUP BY
(group, close_days)`` computing every count in SQL (conditional ``COUNT``), one row per group and number of
days. Python adds the rows of a group up for its counts, and the closed demands of its rows form the
group's close_days histogram, from which the median is computed exactly (``median_of_histogram``: what
``statistics.median`` gives on the expanded list, the average of the two middle values for an even count),
the same on both databases. (The counts and the histogram were two queries before, each scanning every
demand of the period: 1.8M at province scale. Fetching one row per closed demand instead of a histogram
cost seconds per dimension.) The sums are exact because ``close_days`` is a field of the demand: each
demand lies in exactly one row of its group (see ``_grouped`` for the departments' distinct counts).

Definitions (printed on the page, see ``DEFINITIONS``):

- 受理量: demands submitted in the period;
- 响应率: accepted within 1 working day (``response_days <= 1``) among the accepted demands;
- 办结率: closed (已办结) among the accepted demands;
- 按时办结率: closed on time (``closed_on_time``) among the closed demands;
- 满意率: rated 满意 or 基本满意 among the rated demands;
- 办结用时中位数: median working days from submission to closure (``close_days``) of the closed demands;
- 重办率: reopened at least once (``reopen_count > 0``) among the closed demands.

The department dimension groups by the lead department (主办) of the demand's tasks, returned tasks (退回,
the wrong department) excepted; a demand split between two departments counts once for each, and once only
for a department that leads two of its tasks (``COUNT(DISTINCT demand)``).

Rankings need a minimum number of cases (``CHAINDESK_METRICS_MIN_CASES``, default 5) in the denominator of
the rate ranked by, so one quick case cannot top the table; smaller groups are listed, unranked."""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .choices import DemandStatus, Rating, TaskStatus
from .models import Demand, Task

DIMENSIONS: dict[str, Promise] = {
    "chain": _("产业链"),
    "department": _("主办部门"),
    "region": _("地区"),
    "liaison": _("挂钩服务专员"),
}

# key -> (label, numerator attribute, denominator attribute)
RATES: dict[str, tuple[Promise, str, str]] = {
    "response": (_("响应率"), "responded", "accepted"),
    "closure": (_("办结率"), "closed", "accepted"),
    "on_time": (_("按时办结率"), "closed_on_time", "closed"),
    "satisfaction": (_("满意率"), "satisfied", "rated"),
    "reopen": (_("重办率"), "reopened", "closed"),
}
# Ranking is best first; for the reopen rate lower is better.
LOWER_IS_BETTER = frozenset({"reopen"})
DEFAULT_RANK_BY = "on_time"

DEFINITIONS: list[tuple[Promise, Promise]] = [
    (_("受理量"), _("统计期内提交的诉求件数（按提交时间统计，含不予受理、已合并）。")),
    (_("响应率"), _("1个工作日内受理的诉求 ÷ 已受理的诉求。")),
    (_("办结率"), _("已办结（企业确认满意或基本满意）的诉求 ÷ 已受理的诉求。")),
    (_("按时办结率"), _("在任务办结期限内办结的诉求 ÷ 已办结的诉求。")),
    (_("满意率"), _("评价为满意或基本满意的诉求 ÷ 已评价的诉求。")),
    (_("办结用时中位数"), _("已办结诉求从提交到办结的工作日数的中位数（法定节假日不计，调休上班日计入）。")),
    (_("重办率"), _("曾被企业评为不满意而重新办理的已办结诉求 ÷ 已办结的诉求。")),
    (_("按部门统计"), _("按诉求所属任务的主办部门统计（退回的任务除外）；一件诉求由多个部门主办时各计一次。")),
]


def min_cases() -> int:
    return int(getattr(settings, "CHAINDESK_METRICS_MIN_CASES", 5))


@dataclass
class MetricRow:
    key: int | None
    label: str
    received: int = 0
    accepted: int = 0
    responded: int = 0
    closed: int = 0
    closed_on_time: int = 0
    rated: int = 0
    satisfied: int = 0
    reopened: int = 0
    median_close_days: Decimal | None = None
    rank: int | None = None
    rates: dict[str, Decimal | None] = field(default_factory=dict)

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


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, end+1 00:00) in the local time zone."""
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return lo, hi


def _counts(prefix: str, distinct: bool) -> dict[str, Count]:
    """The conditional counts of one group; ``prefix`` reaches the demand ("" or "demand__")."""
    p = prefix
    target = f"{p}pk" if p else "pk"
    closed = Q(**{f"{p}status": DemandStatus.CLOSED})

    def count(condition: Q | None = None) -> Count:
        return Count(target, distinct=distinct, filter=condition)

    return {
        "n_received": count(),
        "n_accepted": count(Q(**{f"{p}accepted_at__isnull": False})),
        "n_responded": count(Q(**{f"{p}accepted_at__isnull": False, f"{p}response_days__lte": 1})),
        "n_closed": count(closed),
        "n_on_time": count(closed & Q(**{f"{p}closed_on_time": True})),
        "n_rated": count(~Q(**{f"{p}rating": ""})),
        "n_satisfied": count(Q(**{f"{p}rating__in": [Rating.SATISFIED, Rating.BASICALLY]})),
        "n_reopened": count(closed & Q(**{f"{p}reopen_count__gt": 0})),
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

_COUNT_KEYS = tuple(_counts("", distinct=False))


def _fold(
    rows: Iterable[Mapping[str, Any]], key_path: str, label_path: str, days_path: str
) -> tuple[list[dict[str, Any]], Histograms]:
    """Rows of (group, close_days) -> one row of counts per group (first seen order) and the close_days
    histogram of each group's closed demands (a group without any has no histogram)."""
    groups: dict[Any, dict[str, Any]] = {}
    histograms: Histograms = defaultdict(Counter)
    for r in rows:
        key = r[key_path]
        group = groups.get(key)
        if group is None:
            group = groups[key] = {"key": key, "label": r[label_path]} | dict.fromkeys(_COUNT_KEYS, 0)
        for name in _COUNT_KEYS:
            group[name] += r[name]
        days, closed = r[days_path], r["n_closed"]
        if days is not None and closed:
            histograms[key][days] += closed
    return list(groups.values()), histograms


def _grouped(demands: QuerySet[Demand], dimension: str) -> tuple[list[dict[str, Any]], Histograms]:
    """One row of counts per group and the close_days histogram of the closed demands per group, from one
    ``GROUP BY (group, close_days)`` query.

    The histogram counts the demands with status 已办结 and a ``close_days`` (``n_closed`` of the rows with a
    ``close_days``), as the histogram query did: a demand not closed counts in no bucket whatever its
    ``close_days``, a closed one without ``close_days`` counts in ``closed`` but has no value for the median.

    Departments count distinct demands (``COUNT(DISTINCT demand)`` over the lead tasks, returned tasks
    excepted): a department leading two tasks of a demand counts it once. Adding up a department's distinct
    counts over its close_days rows stays exact: ``close_days`` is a field of the demand, so all the tasks of
    one demand land in the same row, and the demands of two rows are disjoint. Every conditional count filters
    on demand fields only (status, accepted_at, response_days, closed_on_time, rating, reopen_count), so it
    holds for all the rows of a demand or none; the one task-level condition (not 退回) is in the ``WHERE``,
    the same rows as before."""
    if dimension == "department":
        tasks = Task.objects.filter(demand__in=demands.values("pk")).exclude(status=TaskStatus.RETURNED)
        rows = (
            tasks.order_by()
            .values("lead_department_id", "lead_department__name", "demand__close_days")
            .annotate(**_counts("demand__", distinct=True))
        )
        return _fold(rows, "lead_department_id", "lead_department__name", "demand__close_days")
    key_path, label_path = _DEMAND_PATHS[dimension]
    rows = demands.order_by().values(key_path, label_path, "close_days").annotate(**_counts("", distinct=False))
    return _fold(rows, key_path, label_path, "close_days")


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
    return MetricRow(
        key=key,
        label=label,
        received=counts["n_received"],
        accepted=counts["n_accepted"],
        responded=counts["n_responded"],
        closed=counts["n_closed"],
        closed_on_time=counts["n_on_time"],
        rated=counts["n_rated"],
        satisfied=counts["n_satisfied"],
        reopened=counts["n_reopened"],
    )


def rank(rows: list[MetricRow], rank_by: str, minimum: int) -> list[MetricRow]:
    """Ranked rows first (best first, ties share a rank, ``1, 1, 3``), then the rows below the minimum
    number of cases (or without the rate), unranked, by number of demands."""
    eligible = [r for r in rows if r.cases(rank_by) >= minimum and r.rates[rank_by] is not None]
    others = [r for r in rows if r not in eligible]
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
) -> MetricTable:
    """One dimension's rows (ranked) and the total over the user's visible demands in [start, end]."""
    if dimension not in DIMENSIONS:
        raise ValueError(dimension)
    if rank_by not in RATES:
        raise ValueError(rank_by)
    minimum = min_cases() if minimum is None else minimum
    lo, hi = period_bounds(start, end)
    demands = Demand.objects.visible_to(user).filter(submitted_at__gte=lo, submitted_at__lt=hi)
    grouped, histograms = _grouped(demands, dimension)
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


def _total(rows: list[MetricRow], histograms: Histograms) -> MetricRow:
    """The sum over the groups. Exact for chain, region and liaison (each demand is in one group); for
    departments a demand led by two departments is counted in both, so the total is of department cases
    (the median too: over the groups' histograms added up)."""
    total = MetricRow(key=None, label=str(_("合计")))
    for attr in ("received", "accepted", "responded", "closed", "closed_on_time", "rated", "satisfied", "reopened"):
        setattr(total, attr, sum(getattr(r, attr) for r in rows))
    days: Counter[int] = Counter()
    for histogram in histograms.values():
        days.update(histogram)
    total.median_close_days = _median(days)
    total.fill_rates()
    return total
