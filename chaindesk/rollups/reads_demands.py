"""办理指标 from its rollup (`DemandDay`): what `chaindesk.demands.metrics._grouped` computes from the demands, for
the readers the rollup describes, from a few hundred rows per day instead of every demand of the period.

Registered with `chaindesk.demands.metrics.register_grouped_reader` (the demands app knows nothing of rollups). The
open and overdue tasks of the departments move with every day and are read from the tasks (few: only the open
ones). The demands in a state now (the triage backlog, the 待我处理 counts) are registered with
`chaindesk.demands.selectors_queues.register_state_reader`."""

import datetime as dt
import operator
from collections import Counter, defaultdict
from functools import reduce
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Case, F, Min, Q, QuerySet, Sum, Value, When
from django.db.models.functions import NullIf
from django.utils import timezone

from chaindesk.accounts.models import Department, Region
from chaindesk.chains.models import Chain
from chaindesk.core.aggregates import JoinedText
from chaindesk.demands import metrics

from . import histograms
from .families_demands import (
    CHAIN_SCOPED,
    COUNTS,
    DEMAND_MEASURES,
    QUEUE_MEASURES,
    STATE_MEASURES,
    TASK_MEASURES,
    within_chain,
)
from .models import DemandDay, DemandMonth
from .reads import demand_spans, visible_demand_rows

# the rollup's measure -> the name `_grouped` gives its count
COUNT_NAMES = {
    "received": "n_received",
    "accepted": "n_accepted",
    "decided": "n_decided",
    "responded": "n_responded",
    "closed": "n_closed",
    "on_time": "n_on_time",
    "rated": "n_rated",
    "satisfied": "n_satisfied",
    "reopened": "n_reopened",
    "t_done": "t_done",
    "t_reopened": "t_reopened",
    "t_urged": "t_urged",
    "t_open": "t_open",
}
assert set(COUNT_NAMES) | set(STATE_MEASURES) == set(DEMAND_MEASURES) | set(TASK_MEASURES)  # noqa: S101


def _labels(dimension: str, keys: set[Any]) -> dict[Any, str]:
    ids = [k for k in keys if k is not None]
    if not ids:
        return {}
    if dimension == "chain":
        return dict(Chain.objects.filter(pk__in=ids).values_list("pk", "name"))
    if dimension == "region":
        return dict(Region.objects.filter(pk__in=ids).values_list("pk", "name"))
    if dimension == "liaison":
        return dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "display_name"))
    return dict(Department.objects.filter(pk__in=ids).values_list("pk", "short_name"))


def grouped(
    user: Any, dimension: str, start: dt.date, end: dt.date, today: dt.date, chain: int | None = None
) -> tuple[list[dict[str, Any]], metrics.Histograms] | None:
    if chain is not None and dimension not in CHAIN_SCOPED:
        return None  # not kept: the demands are counted
    stored = dimension if chain is None else within_chain(dimension, chain)
    days = visible_demand_rows(user)
    months = visible_demand_rows(user, DemandMonth)
    if days is None or months is None:
        return None
    cutoff_day = timezone.localdate(metrics.response_cutoff(today))  # a local midnight: late if submitted before
    department = dimension == "department"
    # added up as they are (waiting only where late; the states and the team's queue are not 办理指标's)
    sums = [m for m in COUNTS if m not in STATE_MEASURES and m not in QUEUE_MEASURES]
    names = [*(COUNT_NAMES[m] for m in sums), "n_late_waiting"]
    groups: dict[Any, dict[str, Any]] = {}
    histograms_: metrics.Histograms = defaultdict(Counter)
    # whole months before the response cutoff's (all their waiting demands are late), then the days left
    whole, edges = demand_spans(start, end, before=cutoff_day.replace(day=1))
    parts = []
    if whole:  # (the month's first day stands for its days: all before the cutoff)
        parts.append(("month", months.filter(month__range=(whole[0], whole[-1]))))
    if edges:
        parts.append(("day", days.filter(reduce(operator.or_, edges))))
    if not parts:
        return [], histograms_
    overdue_before = today.toordinal()
    blank = {"key": None, "label": None} | dict.fromkeys(names, 0)
    deadlines_of: dict[Any, dict[int, int]] = defaultdict(dict)
    # added up per group by the database (one row per group and part, each histogram the group's texts joined),
    # the parts in one query
    measures = [f"s_{m}" for m in sums]
    summed = [
        part.filter(dimension=stored)
        .order_by()
        .values("group_id")
        .annotate(
            **{f"s_{m}": Sum(m) for m in sums},
            s_late=Sum(Case(When(**{f"{when}__lt": cutoff_day}, then=F("waiting")), default=Value(0))),
            h_closed=JoinedText(NullIf("histogram", Value(""))),
            h_deadlines=JoinedText(NullIf("deadlines", Value(""))),
        )
        .values_list("group_id", *measures, "s_late", "h_closed", "h_deadlines")
        for when, part in parts
    ]
    rows = summed[0].union(*summed[1:], all=True) if len(summed) > 1 else summed[0]
    for key, *values in rows:
        group = groups.get(key)
        if group is None:
            group = groups[key] = blank | {"key": key}
        for name, value in zip(names, values[: len(names)], strict=True):
            group[name] += value or 0
        closed, deadlines = values[-2], values[-1]
        if closed:
            histograms.add_into(histograms_[key], closed)
        if deadlines:
            histograms.add_into(deadlines_of[key], deadlines)
    for key, deadlines in deadlines_of.items():
        groups[key]["t_overdue"] = sum(n for deadline, n in deadlines.items() if deadline < overdue_before)
    for group in groups.values():
        if department:
            group.setdefault("t_overdue", 0)
        else:
            for measure in TASK_MEASURES:
                del group[COUNT_NAMES[measure]]
    labels = _labels(dimension, set(groups))
    for key, group in groups.items():
        group["label"] = labels.get(key)
    return list(groups.values()), histograms_


# --- the demands in a state now (the triage backlog, the 待我处理 counts) --------------------------------------


def _state_rows(user: Any, model: type[Any]) -> QuerySet[Any] | None:
    rows = visible_demand_rows(user, model)
    if rows is None:
        return None
    return rows.filter(dimension="chain", group_id__in=Chain.objects.visible_to(user).values("pk"))


def states(user: Any) -> tuple[dict[str, int], dt.date | None] | None:
    """The reader's enterprise demands of the chains it sees (as `waiting_for_triage`) now in each state of
    `COUNTED_STATES`, and their lead tasks waiting in each task section of the team's queue (by its key), added up
    over every month, and the first month one of them still waits for triage: one query (and one for the reader's
    chains), or None when the rollup does not describe the reader."""
    rows = _state_rows(user, DemandMonth)
    if rows is None:
        return None
    measures = [*STATE_MEASURES, *QUEUE_MEASURES]
    figures = rows.aggregate(first=Min("month", filter=Q(waiting__gt=0)), **{m: Sum(m) for m in measures})
    counts: dict[str, int] = {status: int(figures[measure] or 0) for measure, status in STATE_MEASURES.items()}
    counts |= {key: int(figures[measure] or 0) for measure, (key, _status) in QUEUE_MEASURES.items()}
    return counts, figures["first"]


def open_counts(user: Any) -> tuple[int, int] | None:
    """The reader's open enterprise demands (received, neither closed nor decided: 不予受理, 已合并) and those of
    them 待企业确认, over every chain and none (each demand is in one row of the chain dimension): one query, or
    None when the rollup does not describe the reader."""
    rows = visible_demand_rows(user, DemandMonth)
    if rows is None:
        return None
    figures = rows.filter(dimension="chain").aggregate(
        received=Sum("received"), closed=Sum("closed"), decided=Sum("decided"), awaiting=Sum("awaiting")
    )
    figures = {name: int(value or 0) for name, value in figures.items()}
    return figures["received"] - figures["closed"] - figures["decided"], figures["awaiting"]


def first_waiting_day(user: Any, month: dt.date) -> dt.date | None:
    """The first day of `month` (from `states`) with one of those demands still waiting for triage: the month's
    daily rows (an index range)."""
    rows = _state_rows(user, DemandDay)
    if rows is None:
        return None
    following = (month + dt.timedelta(days=32)).replace(day=1)
    return rows.filter(waiting__gt=0, day__gte=month, day__lt=following).aggregate(first=Min("day"))["first"]
