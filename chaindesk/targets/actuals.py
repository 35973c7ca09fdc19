"""What each target has reached: measured from the records, never stored.

`measure(targets, year=…)` answers every target of a year at once, with one grouped query per family of
metrics and kind of owner (projects, investment, new 规上 enterprises, demands, 上争事项), whatever the number of
targets. A region's figure is its own and its sub-districts' (the city's region: the whole city), added up in
Python over the region tree (a few hundred regions at most).

The figures are the owner's own, not cut to the reader: a chain's target is measured on all the chain's
projects. Who may see a target at all is `Target.objects.visible_to`."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from chaindesk.accounts.models import Region
from chaindesk.demands.metrics import counts_by, period_bounds
from chaindesk.demands.models import Demand
from chaindesk.projects.models import InvestmentReport, Project
from chaindesk.rollups.families_chains import new_scale
from chaindesk.rollups.models import DemandMonth
from chaindesk.rollups.reads import all_demand_rows, all_rows, demand_spans
from chaindesk.upward.choices import UpwardStage
from chaindesk.upward.models import UpwardRequest

from .choices import Metric, Owner, metrics_for
from .models import Target

PROJECT_METRICS = {
    Metric.SIGNED: "signed_on",
    Metric.STARTED: "started_on",
    Metric.COMPLETED: "completed_on",
    Metric.PRODUCTION: "production_on",
}
RATE_METRICS = {Metric.CLOSURE_RATE, Metric.SATISFACTION_RATE}
# owner kind -> the path from each family's rows to the owner
PATHS: dict[str, dict[str, str]] = {
    "project": {Owner.CHAIN: "chain_id", Owner.REGION: "region_id"},
    "investment": {Owner.CHAIN: "project__chain_id", Owner.REGION: "project__region_id"},
    "scale": {Owner.CHAIN: "enterprise__chains", Owner.REGION: "enterprise__region_id"},
    "upward": {Owner.CHAIN: "chain_id", Owner.REGION: "region_id", Owner.DEPARTMENT: "department_id"},
}
DEMAND_DIMENSION: dict[str, str] = {Owner.CHAIN: "chain", Owner.REGION: "region", Owner.DEPARTMENT: "department"}


@dataclass(frozen=True)
class Actual:
    """A target's figure so far; for a rate, also its numerator and denominator (the cases)."""

    value: Decimal | None
    numerator: int | None = None
    denominator: int | None = None


Key = tuple[str, int, str]  # (owner kind, owner id, metric)
Figures = dict[str, dict[int, Decimal]]  # metric -> owner id -> figure


def _year(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


ROLLUP_KEY = {
    "chain_id": "chain_id",
    "region_id": "region_id",
    "project__chain_id": "chain_id",
    "project__region_id": "region_id",
}
EVENT_METRIC = {field_name: metric for metric, field_name in PROJECT_METRICS.items()}


def _projects(year: int, path: str) -> Figures:
    first, last = _year(year)
    rolled = all_rows("project_days")
    if rolled is not None:  # the rollup of key dates: a few rows per day instead of every project
        key = ROLLUP_KEY[path]
        rows = (
            rolled.filter(day__range=(first, last))
            .order_by()
            .values(key, "event")
            .annotate(n=Sum("projects"), amount=Sum("amount_cents"))
        )
        figures: Figures = defaultdict(dict)
        for row in rows:
            reached = EVENT_METRIC[row["event"]]
            figures[reached][row[key]] = Decimal(row["n"])
            if reached == Metric.SIGNED:
                figures[Metric.SIGNED_AMOUNT][row[key]] = Decimal(int(row["amount"] or 0)) / 100
        return figures
    within = {m: Q(**{f"{field}__range": (first, last)}) for m, field in PROJECT_METRICS.items()}
    aggregates: dict[str, Any] = {m: Count("pk", filter=q) for m, q in within.items()}
    aggregates[Metric.SIGNED_AMOUNT] = Sum("planned_investment", filter=within[Metric.SIGNED])
    any_event = Q()
    for q in within.values():
        any_event |= q
    rows = Project.objects.filter(any_event).order_by().values(path).annotate(**aggregates)
    figures = defaultdict(dict)
    for row in rows:
        for metric in aggregates:
            figures[metric][row[path]] = Decimal(row[metric] or 0)
    return figures


def _investment(year: int, path: str) -> Figures:
    first, last = _year(year)
    rolled = all_rows("investment_months")
    if rolled is not None:
        key = ROLLUP_KEY[path]
        sums = rolled.filter(month__range=(first, last)).order_by().values(key).annotate(total=Sum("amount_cents"))
        return {Metric.INVESTMENT: {row[key]: Decimal(int(row["total"] or 0)) / 100 for row in sums}}
    rows = (
        InvestmentReport.objects.filter(month__range=(first, last))
        .order_by()
        .values(path)
        .annotate(total=Sum("amount"))
    )
    return {Metric.INVESTMENT: {row[path]: Decimal(row["total"] or 0) for row in rows}}


SCALE_DIMENSION = {"enterprise__chains": "chain", "enterprise__region_id": "region"}


def _new_scale(year: int, path: str) -> Figures:
    rolled = all_rows("scale_years")
    if rolled is not None:  # the rollup per block of enterprises: a few rows per block instead of every indicator
        sums = rolled.filter(year=year, dimension=SCALE_DIMENSION[path]).order_by().values("group_id")
        return {Metric.NEW_SCALE: {row["group_id"]: Decimal(row["n"]) for row in sums.annotate(n=Sum("enterprises"))}}
    rows = new_scale(year).order_by().values(path).annotate(n=Count("enterprise", distinct=True))
    return {Metric.NEW_SCALE: {row[path]: Decimal(row["n"]) for row in rows if row[path] is not None}}


def _upward(year: int, path: str) -> Figures:
    first, last = _year(year)
    rows = (
        UpwardRequest.objects.filter(stage=UpwardStage.APPROVED, stage_changed_on__range=(first, last))
        .order_by()
        .values(path)
        .annotate(total=Sum("amount_obtained"))
    )
    return {Metric.UPWARD_OBTAINED: {row[path]: Decimal(row["total"] or 0) for row in rows}}


def _demands(year: int, owner: str, today: dt.date) -> dict[int, tuple[int, int, int, int]]:
    """owner id -> (closed, accepted, satisfied, rated) of the enterprises' demands submitted in the year."""
    first, last = _year(year)
    days, months = all_demand_rows(), all_demand_rows(DemandMonth)
    if days is not None and months is not None:  # 办理指标's rollup, each demand once (the rows of reader "region")
        whole, edges = demand_spans(first, last)
        parts = [months.filter(month__in=whole)] if whole else []
        parts += [days.filter(edge) for edge in edges]
        names = ("closed", "accepted", "satisfied", "rated")
        grouped = [
            rows.filter(dimension=DEMAND_DIMENSION[owner], group_id__isnull=False)
            .order_by()
            .values_list("group_id")
            .annotate(*(Sum(name) for name in names))
            for rows in parts
        ]
        found: dict[int, list[int]] = {}
        for group_id, *sums in grouped[0].union(*grouped[1:], all=True) if grouped else []:
            total = found.setdefault(group_id, [0, 0, 0, 0])
            for i, n in enumerate(sums):
                total[i] += n
        return {key: (t[0], t[1], t[2], t[3]) for key, t in found.items()}
    lo, hi = period_bounds(first, last)
    demands = Demand.objects.enterprise_demands().filter(submitted_at__gte=lo, submitted_at__lt=hi)
    counted = counts_by(demands, DEMAND_DIMENSION[owner], today=today)
    return {k: (r.closed, r.accepted, r.satisfied, r.rated) for k, r in counted.items() if k is not None}


FAMILIES = {
    "project": (_projects, {*PROJECT_METRICS, Metric.SIGNED_AMOUNT}),
    "investment": (_investment, {Metric.INVESTMENT}),
    "scale": (_new_scale, {Metric.NEW_SCALE}),
    "upward": (_upward, {Metric.UPWARD_OBTAINED}),
}


def _subtrees(region_ids: Iterable[int]) -> dict[int, set[int]]:
    """Each asked region's own id and its descendants' (one query for the whole tree)."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent in Region.objects.values_list("pk", "parent_id"):
        children[parent].append(pk)
    trees: dict[int, set[int]] = {}
    for root in region_ids:
        seen, stack = {root}, [root]
        while stack:
            for child in children.get(stack.pop(), []):
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        trees[root] = seen
    return trees


def _sum(values: dict[int, Decimal], tree: set[int]) -> Decimal:
    return sum((values[pk] for pk in tree if pk in values), Decimal(0))


def _sum_counts(values: Mapping[int, tuple[int, ...]], tree: set[int]) -> tuple[int, ...]:
    rows = [values[pk] for pk in tree if pk in values]
    return tuple(sum(column) for column in zip(*rows, strict=True)) if rows else (0, 0, 0, 0)


def _rate(numerator: int, denominator: int) -> Actual:
    if not denominator:
        return Actual(None, numerator, denominator)
    value = (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return Actual(value, numerator, denominator)


def measure(targets: Iterable[Target], *, year: int, today: dt.date, kinds: Iterable[str] = ()) -> dict[Key, Actual]:
    """Every given target's figure (targets of `year`), keyed (owner kind, owner id, metric). Every family of
    the owner `kinds` is read even without a target of them: a page measuring the kinds its reader may see
    costs the same number of queries whatever the targets set so far (the route matrix pins it)."""
    wanted: dict[str, set[str]] = defaultdict(set)  # owner kind -> metrics
    owners: dict[str, set[int]] = defaultdict(set)
    for kind in kinds:
        wanted[kind] |= set(metrics_for(kind))
    for t in targets:
        wanted[t.owner].add(t.metric)
        if t.owner_id is not None:
            owners[t.owner].add(t.owner_id)
    result: dict[Key, Actual] = {}
    for owner, metrics in wanted.items():
        trees = _subtrees(owners[owner]) if owner == Owner.REGION else {pk: {pk} for pk in owners[owner]}
        for family, (read, family_metrics) in FAMILIES.items():
            if metrics & family_metrics and owner in PATHS[family]:
                figures = read(year, PATHS[family][owner])
                for metric in metrics & family_metrics:
                    per_owner = figures.get(metric, {})
                    for pk, tree in trees.items():
                        result[(owner, pk, metric)] = Actual(_sum(per_owner, tree))
        if metrics & RATE_METRICS:
            counts = _demands(year, owner, today)
            for pk, tree in trees.items():
                closed, accepted, satisfied, rated = _sum_counts(counts, tree)
                result[(owner, pk, Metric.CLOSURE_RATE)] = _rate(closed, accepted)
                result[(owner, pk, Metric.SATISFACTION_RATE)] = _rate(satisfied, rated)
    return result
