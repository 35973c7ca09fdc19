"""Reads of the cockpit (驾驶舱): every figure of the city page and of a chain's page.

Each figure is ONE grouped or aggregate query over what the reader may see (`visible_to` on every model), cut to
one chain on a chain's page (`Area.chain`), so that a rollup table keyed by day, chain, region and department can
later replace any of them without touching the pages (issue 14, item 4). Figures that the city page also shows
per chain are grouped by chain: the city's figure is their sum (one query serves the total and the chains' table).

The definitions are the ones the rest of the product uses, imported rather than restated:

- the project funnel counts the projects whose 签约/开工/竣工/投产 date falls in the year
  (`chaindesk.targets.actuals.PROJECT_METRICS`, the targets' own definition);
- 完成投资 sums the monthly investment reports of the months so far (`report_window`, as 投资进度 does);
- 停滞 is the project list's `flag=stalled`: behind 序时进度 or without an update for 30 days
  (`chaindesk.projects.selectors_schedule.flag_filter`);
- the overdue tasks are the 督办 queue's rows (`supervision_tasks` with show=all): open tasks past their deadline
  and marked 预警 or 督办 by the escalation job;
- the demands' figures and rankings are 办理指标's (`metric_table`, `counts_by` and `rank`, with their
  minimum number of cases), over the demands submitted from 1 January to today;
- the virtuous cycle is the chain page's (`CHAIN_STEPS` and `cycle_q`, the project list's `cycle` filter);
- 上争: the items still being sought (谋划, 申报, 审核中) whatever their year, and those decided (获批, 未获批)
  this year (`stage_changed_on`), as the target 上争获批金额 counts them;
- the targets are `chaindesk.targets.selectors.ledger`'s, measured on the owner's own records."""

import datetime as dt
import functools
import operator
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from chaindesk.accounts.choices import RegionLevel, Role
from chaindesk.accounts.models import Region
from chaindesk.chains.models import Chain
from chaindesk.core import clock
from chaindesk.demands import metrics
from chaindesk.demands.models import Task
from chaindesk.demands.selectors_queues import decorate_tasks, supervision_tasks
from chaindesk.leads.choices import LeadSource, LeadStage
from chaindesk.leads.models import Lead
from chaindesk.projects.models import InvestmentReport, Project
from chaindesk.projects.selectors_progress import ChainCycleStep, cycle_of, cycle_steps_of
from chaindesk.projects.selectors_schedule import (
    AMOUNT_FIELD,
    cents,
    flag_filter,
    report_window,
)
from chaindesk.rollups import reads as rollup_reads
from chaindesk.targets.actuals import PROJECT_METRICS
from chaindesk.targets.choices import Metric
from chaindesk.targets.selectors import Ledger, ledger
from chaindesk.upward.choices import UpwardStage
from chaindesk.upward.models import UpwardRequest

ROWS = 8  # rows of the stalled projects and of the overdue tasks
RANK_BY = "closure"  # the demand rankings: 办结率, as the brief's "who is behind" asks
OPEN_UPWARD = (UpwardStage.PLANNING, UpwardStage.APPLIED, UpwardStage.REVIEWING)
DECIDED_UPWARD = (UpwardStage.APPROVED, UpwardStage.DECLINED)


@dataclass(frozen=True)
class Area:
    """What a cockpit covers: the reader's visible records of the year, all chains (the city page) or one."""

    user: Any
    today: dt.date
    chain: Chain | None = None

    @property
    def year(self) -> int:
        return self.today.year

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    @property
    def last(self) -> dt.date:
        return dt.date(self.year, 12, 31)


def _money(total_cents: Any) -> Decimal:
    """A sum taken in whole 分 (exact on SQLite too) back in 万元."""
    return Decimal(int(total_cents or 0)) / 100


def _cents_of(field_name: str) -> Any:
    return cents(Coalesce(F(field_name), Value(Decimal("0")), output_field=AMOUNT_FIELD))


def projects(area: Area) -> QuerySet[Project]:
    qs = Project.objects.visible_to(area.user)
    return qs if area.chain is None else qs.filter(chain=area.chain)


def visible_chains(user: Any) -> list[Chain]:
    """The chains the reader may open a cockpit of (their own; every chain for a district administrator)."""
    return list(Chain.objects.visible_to(user).order_by("sort_order", "code"))


def home_region(user: Any) -> Region | None:
    """The region whose targets the city page compares with: the district of a district administrator, the city
    (level 市) of everyone else, found from their own region."""
    region = getattr(user, "region", None)
    if region is None or user.role == Role.DISTRICT_ADMIN:
        return region
    while region is not None and region.level != RegionLevel.CITY:
        region = region.parent
    return region


# --- projects ----------------------------------------------------------------------------------------------


@dataclass
class Funnel:
    """签约 → 开工 → 竣工 → 投产 of the year (counts, keyed by the targets' metric), and the signed amount."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(map(str, PROJECT_METRICS), 0))
    signed_amount: Decimal = Decimal(0)

    def add(self, other: "Funnel") -> None:
        for metric, n in other.counts.items():
            self.counts[metric] += n
        self.signed_amount += other.signed_amount


def funnel_by_chain(area: Area) -> dict[int, Funnel]:
    """Per chain, the projects whose key date falls in the year: one grouped query, over the rollup of key dates
    for a chain's team and a district administrator (`chaindesk.rollups.reads`), else over the projects."""
    rolled = rollup_reads.visible_rows(area.user, "project_days")
    if rolled is not None:
        return _funnel_from_rollup(area, rolled)
    within = {str(m): Q(**{f"{f}__range": (area.first, area.last)}) for m, f in PROJECT_METRICS.items()}
    aggregates: dict[str, Any] = {m: Count("pk", filter=q) for m, q in within.items()}
    aggregates["amount"] = Sum(_cents_of("planned_investment"), filter=within[Metric.SIGNED])
    rows: Iterable[Any] = (
        projects(area)
        .filter(functools.reduce(operator.or_, within.values()))
        .order_by()
        .values("chain_id")
        .annotate(**aggregates)
    )
    return {row["chain_id"]: Funnel({m: int(row[m]) for m in within}, _money(row["amount"])) for row in rows}


EVENT_METRIC = {field_name: str(metric) for metric, field_name in PROJECT_METRICS.items()}


def _funnel_from_rollup(area: Area, rolled: QuerySet[Any]) -> dict[int, Funnel]:
    rows = rolled.filter(day__range=(area.first, area.last))
    if area.chain is not None:
        rows = rows.filter(chain_id=area.chain.pk)
    grouped = rows.order_by().values("chain_id", "event").annotate(n=Sum("projects"), amount=Sum("amount_cents"))
    funnels: dict[int, Funnel] = {}
    for row in grouped:
        funnel = funnels.setdefault(row["chain_id"], Funnel())
        funnel.counts[EVENT_METRIC[row["event"]]] += int(row["n"])
        if row["event"] == PROJECT_METRICS[Metric.SIGNED]:
            funnel.signed_amount = _money(row["amount"])
    return funnels


def total_funnel(funnels: dict[int, Funnel]) -> Funnel:
    total = Funnel()
    for funnel in funnels.values():
        total.add(funnel)
    return total


def investment_by_month(area: Area) -> dict[int, Decimal]:
    """Investment reported per month of the year so far (month number → 万元): one grouped query."""
    first, last = report_window(area.year, area.today)
    rolled = rollup_reads.visible_rows(area.user, "investment_months")
    if rolled is not None:
        rolled = rolled.filter(month__gte=first, month__lte=last)
        if area.chain is not None:
            rolled = rolled.filter(chain_id=area.chain.pk)
        sums = rolled.order_by().values("month").annotate(total=Sum("amount_cents"))
        return {row["month"].month: _money(row["total"]) for row in sums}
    qs = InvestmentReport.objects.visible_to(area.user).filter(month__gte=first, month__lte=last)
    if area.chain is not None:
        qs = qs.filter(project__chain=area.chain)
    rows = qs.order_by().values("month").annotate(total=Sum(cents(F("amount"))))
    return {row["month"].month: _money(row["total"]) for row in rows}


def stalled_projects(area: Area) -> QuerySet[Project]:
    """The project list's `flag=stalled`: behind 序时进度 or without an update for 30 days."""
    return flag_filter(projects(area), "stalled", year=area.year, today=area.today)


def _stalled_rollup(area: Area) -> QuerySet[Any] | None:
    """Today's stalled projects the reader may see from their rollup (`ProjectStall`: a chain's team, a district
    administrator), of the area's chain; None when the page must evaluate every project's progress."""
    rows = rollup_reads.visible_rows(area.user, "project_stalls")
    if rows is None or area.today != clock.today():
        return None
    return rows if area.chain is None else rows.filter(chain_id=area.chain.pk)


def stalled_by_chain(area: Area) -> dict[int, int]:
    rolled = _stalled_rollup(area)
    qs = stalled_projects(area) if rolled is None else rolled
    rows = qs.order_by().values("chain_id").annotate(n=Count("pk"))
    return {row["chain_id"]: row["n"] for row in rows}


def stalled_rows(area: Area) -> list[Project]:
    """The most urgent stalled projects: the longest without an update first (never updated before all), then the
    largest."""
    rolled = _stalled_rollup(area)
    if rolled is not None:
        urgent = rolled.order_by("updated_on", "-planned_cents", "project_id")  # see `ProjectStall`
        ids = list(urgent.values_list("project_id", flat=True)[:ROWS])
        found = projects(area).select_related("chain", "region", "enterprise").in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]
    qs = stalled_projects(area).select_related("chain", "region", "enterprise")
    latest, largest = F("last_progress_on").asc(nulls_first=True), F("planned_investment").desc(nulls_last=True)
    return list(qs.order_by(latest, largest, "pk")[:ROWS])


def cycle_steps(area: Area) -> list[ChainCycleStep]:
    """The virtuous cycle (投资签约 → 增资扩产 → 以商引商 → 能人引荐), landed and in talks, as the chain's 良性循环
    page counts it, over every visible chain or one: one aggregate query (over the rollup `project_cycles` for a
    chain's team and a district administrator)."""
    rolled = rollup_reads.visible_rows(area.user, "project_cycles")
    if rolled is None:
        return cycle_of(projects(area))
    if area.chain is not None:
        rolled = rolled.filter(chain_id=area.chain.pk)
    totals: dict[str, Any] = {}
    for row in rolled.order_by().values("step").annotate(n=Sum("projects"), a=Sum("amount_cents")):
        totals[f"{row['step']}_n"], totals[f"{row['step']}_a"] = row["n"], row["a"]
    return cycle_steps_of(totals)


# --- tasks, leads, 上争 ------------------------------------------------------------------------------------


def overdue_tasks(area: Area) -> QuerySet[Task]:
    """The 督办 queue's rows (show=all): open tasks past their deadline, marked 预警 or 督办, of the visible chains."""
    params = {"show": "all"} if area.chain is None else {"show": "all", "chain": str(area.chain.pk)}
    qs, _filters = supervision_tasks(area.user, params, area.today)
    return qs


def overdue_by_chain(area: Area) -> dict[int, int]:
    rows = overdue_tasks(area).order_by().values("demand__chain_id").annotate(n=Count("pk"))
    return {row["demand__chain_id"]: row["n"] for row in rows}


def overdue_rows(area: Area) -> list[Task]:
    """The most overdue first (督办 before 预警, as the queue orders them), with the working days overdue."""
    return decorate_tasks(list(overdue_tasks(area)[:ROWS]), area.today)


def lead_counts(area: Area) -> dict[tuple[str, str], int]:
    """(source, stage) → leads, over every lead the reader sees (the pipeline is not a year's): one grouped query
    (over the rollup `lead_counts` for a chain's team and a district administrator)."""
    rolled = rollup_reads.visible_rows(area.user, "lead_counts")
    if rolled is None:
        qs = Lead.objects.visible_to(area.user)
        rows = (qs if area.chain is None else qs.filter(chain=area.chain)).order_by().values("source", "stage")
        rows = rows.annotate(n=Count("pk"))
    else:
        rolled = rolled if area.chain is None else rolled.filter(chain_id=area.chain.pk)
        rows = rolled.order_by().values("source", "stage").annotate(n=Sum("leads"))
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows:
        if row["source"] in LeadSource.values and row["stage"] in LeadStage.values:
            counts[(row["source"], row["stage"])] += row["n"]
    return counts


@dataclass(frozen=True)
class UpwardFigure:
    stage: str
    count: int
    sought: Decimal
    obtained: Decimal


def upward_by_stage(area: Area) -> dict[str, UpwardFigure]:
    """上争事项 per stage: those still being sought whatever their year, those decided this year (one grouped
    query); amounts in 万元."""
    decided = Q(stage__in=DECIDED_UPWARD, stage_changed_on__range=(area.first, area.last))
    qs = UpwardRequest.objects.visible_to(area.user).filter(Q(stage__in=OPEN_UPWARD) | decided)
    if area.chain is not None:
        qs = qs.filter(chain=area.chain)
    rows = (
        qs.order_by()
        .values("stage")
        .annotate(n=Count("pk"), sought=Sum(_cents_of("amount_sought")), obtained=Sum(_cents_of("amount_obtained")))
    )
    found = {row["stage"]: row for row in rows}
    return {
        stage: UpwardFigure(
            stage,
            int(found.get(stage, {}).get("n") or 0),
            _money(found.get(stage, {}).get("sought")),
            _money(found.get(stage, {}).get("obtained")),
        )
        for stage in (*OPEN_UPWARD, *DECIDED_UPWARD)
    }


# --- demands ----------------------------------------------------------------------------------------------


@dataclass
class DemandTable:
    """One dimension's rows of 办理指标 over the area's demands (ranked by 办结率, with the minimum number of
    cases), and their total (exact for the chain and the region: each demand is in one row)."""

    dimension: str
    rows: list[metrics.MetricRow]
    total: metrics.MetricRow
    min_cases: int


def demand_table(area: Area, dimension: str) -> DemandTable:
    """办理指标 by `dimension` (chain, region or department) for the year so far, over the reader's demands (of the
    chain only, on a chain's page): `metric_table`, from its rollup when the reader's rows are kept."""
    table = metrics.metric_table(
        area.user,
        dimension=dimension,
        start=area.first,
        end=area.today,
        rank_by=RANK_BY,
        today=area.today,
        chain=area.chain.pk if area.chain is not None else None,
    )
    return DemandTable(dimension, table.rows, table.total, table.min_cases)


# --- targets ----------------------------------------------------------------------------------------------


def targets(area: Area) -> Ledger:
    """Every target of the year the reader may see, measured (`targets.selectors.ledger`, one query per family
    of metrics and kind of owner): the page's own owner beside its figures, districts and departments in the
    rankings."""
    return ledger(area.user, year=area.year, today=area.today)
