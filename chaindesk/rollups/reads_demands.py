"""办理指标 from its rollup (`DemandDay`): what `chaindesk.demands.metrics._grouped` computes from the demands, for
the readers the rollup describes, from a few hundred rows per day instead of every demand of the period.

Registered with `chaindesk.demands.metrics.register_grouped_reader` (the demands app knows nothing of rollups). The
open and overdue tasks of the departments move with every day and are read from the tasks (few: only the open
ones)."""

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, Sum
from django.utils import timezone

from chaindesk.accounts.models import Department, Region
from chaindesk.chains.models import Chain
from chaindesk.demands import metrics
from chaindesk.demands.models import Demand

from .families_demands import DEMAND_MEASURES, TASK_MEASURES
from .reads import visible_demand_rows

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
}
assert set(COUNT_NAMES) | {"waiting"} == set(DEMAND_MEASURES) | set(TASK_MEASURES)  # noqa: S101


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
    user: Any, dimension: str, start: dt.date, end: dt.date, today: dt.date
) -> tuple[list[dict[str, Any]], metrics.Histograms] | None:
    rolled = visible_demand_rows(user)
    if rolled is None:
        return None
    cutoff_day = timezone.localdate(metrics.response_cutoff(today))  # a local midnight: late if submitted before
    department = dimension == "department"
    sums: dict[str, Any] = {COUNT_NAMES[m]: Sum(m) for m in DEMAND_MEASURES if m != "waiting"}
    sums["n_late_waiting"] = Sum("waiting", filter=Q(day__lt=cutoff_day))
    if department:
        sums |= {COUNT_NAMES[m]: Sum(m) for m in TASK_MEASURES}
    rows = (
        rolled.filter(dimension=dimension, day__gte=start, day__lte=end)
        .order_by()
        .values("group_id", "close_days")
        .annotate(**sums)
    )
    groups: dict[Any, dict[str, Any]] = {}
    histograms: metrics.Histograms = defaultdict(Counter)
    for r in rows:
        key = r["group_id"]
        group = groups.setdefault(key, {"key": key, "label": None} | dict.fromkeys(sums, 0))
        for name in sums:
            group[name] += int(r[name] or 0)
        if r["close_days"] is not None and r["n_closed"]:
            histograms[key][r["close_days"]] += int(r["n_closed"])
    labels = _labels(dimension, set(groups))
    for key, group in groups.items():
        group["label"] = labels.get(key)
    if department:
        lo, hi = metrics.period_bounds(start, end)
        demands = Demand.objects.visible_to(user).enterprise_demands().filter(submitted_at__gte=lo, submitted_at__lt=hi)
        open_tasks = metrics.open_tasks_by_department(demands, today)
        for key, group in groups.items():
            group["t_open"], group["t_overdue"] = open_tasks.get(key, (0, 0))
    return list(groups.values()), histograms
