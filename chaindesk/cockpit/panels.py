"""The cockpit's panels: the figures of `selectors` with the link behind each and the target beside it, as the
templates show them. No query here except through `selectors` (the view reads each family once)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chaindesk.demands.metrics import MetricRow
from chaindesk.leads.choices import LeadSource, LeadStage
from chaindesk.projects.models import Project
from chaindesk.targets import progress
from chaindesk.targets.choices import SPECS, Light, Metric, Owner
from chaindesk.targets.models import LightRule
from chaindesk.targets.selectors import Ledger, OwnerRow
from chaindesk.targets.selectors import Progress as TargetProgress
from chaindesk.upward.choices import UpwardStage

from .links import Link, Links
from .selectors import OPEN_UPWARD, DemandTable, Funnel, UpwardFigure

COUNT, AMOUNT, RATE = "count", "amount", "rate"
LIGHT_COLOURS = {Light.RED: "red", Light.YELLOW: "orange", Light.GREEN: "green", Light.NONE: "grey"}
LIT = (Light.RED, Light.YELLOW, Light.GREEN)
STAGES = (
    (Metric.SIGNED, gettext_lazy("签约")),
    (Metric.STARTED, gettext_lazy("开工")),
    (Metric.COMPLETED, gettext_lazy("竣工")),
    (Metric.PRODUCTION, gettext_lazy("投产")),
)
STAGE_KEYS = [str(m) for m, _label in STAGES]
# The ledger's metrics in a narrow column (the districts' table).
METRIC_SHORT = {
    Metric.SIGNED: gettext_lazy("签约"),
    Metric.SIGNED_AMOUNT: gettext_lazy("签约额"),
    Metric.STARTED: gettext_lazy("开工"),
    Metric.COMPLETED: gettext_lazy("竣工"),
    Metric.PRODUCTION: gettext_lazy("投产"),
    Metric.INVESTMENT: gettext_lazy("完成投资"),
    Metric.NEW_SCALE: gettext_lazy("新增规上"),
    Metric.CLOSURE_RATE: gettext_lazy("办结率"),
    Metric.SATISFACTION_RATE: gettext_lazy("满意率"),
    Metric.UPWARD_OBTAINED: gettext_lazy("上争获批"),
}


@dataclass(frozen=True)
class Goal:
    """A target beside a figure: whose it is, the target, what the owner has reached (measured on all the owner's
    records, which may be more than the reader sees), 完成率 or the rate, and the light."""

    owner_name: str
    kind: str
    target: Decimal
    actual: Decimal | None
    done: Decimal | None  # 完成率 in % (accumulating targets)
    behind: Decimal | None  # percentage points behind 序时进度 (or the target rate); negative ahead
    light: str
    cases: str = ""  # a rate's base: 12 / 15 件

    @property
    def colour(self) -> str:
        return LIGHT_COLOURS[Light(self.light)]

    @property
    def light_label(self) -> str:
        return str(Light(self.light).label)


AMOUNTS = frozenset({Metric.SIGNED_AMOUNT, Metric.INVESTMENT, Metric.UPWARD_OBTAINED})  # 万元


def kind_of(metric: str) -> str:
    """How a metric's figures read: a count, an amount (万元, shown as 亿元 from 10,000) or a rate (%)."""
    if SPECS[metric].is_rate:
        return RATE
    return AMOUNT if metric in AMOUNTS else COUNT


def goal_of(cell: TargetProgress | None, owner_name: str) -> Goal | None:
    if cell is None:
        return None
    actual = cell.actual
    cases = ""
    if cell.spec.is_rate and actual.denominator is not None:
        cases = _("%(n)s / %(d)s 件") % {"n": actual.numerator, "d": actual.denominator}
    return Goal(
        owner_name=owner_name,
        kind=kind_of(cell.metric),
        target=cell.target.value,
        actual=actual.value,
        done=cell.done,
        behind=cell.behind,
        light=cell.light,
        cases=cases,
    )


@dataclass
class Stat:
    """One figure of a panel: its value in the reader's scope, the list behind it, and the target beside it."""

    key: str
    label: str
    value: Decimal | int | None
    kind: str
    link: Link
    goal: Goal | None = None
    unit: str = ""
    cases: str = ""

    @property
    def differs(self) -> bool:
        """The target's figure (the owner's own records) is not the figure shown (the reader's)."""
        if self.goal is None or self.goal.actual is None or self.value is None:
            return False
        return Decimal(self.goal.actual) != Decimal(self.value)


class Goals:
    """The year's targets as the cockpit reads them: the owner of the page's targets (the chain, or the city's or
    the district's region) and any owner's row, from one ledger."""

    def __init__(self, book: Ledger, owner: str | None, owner_id: int | None) -> None:
        self.book = book
        self.owner, self.owner_id = owner, owner_id
        self.rows: dict[tuple[str, int], OwnerRow] = {
            (row.owner, row.owner_id): row for rows in book.sections.values() for row in rows
        }
        self.own = self.rows.get((owner, owner_id)) if owner and owner_id else None

    @property
    def rule(self) -> LightRule:
        return self.book.rule

    def goal(self, metric: str) -> Goal | None:
        if self.own is None:
            return None
        return goal_of(self.own.cells.get(metric), self.own.name)

    def cell(self, owner: str, owner_id: int | None, metric: str) -> TargetProgress | None:
        row = self.rows.get((owner, owner_id or 0))
        return None if row is None else row.cells.get(metric)

    def below(self, owner: str) -> list[OwnerRow]:
        """The rows of the districts of the page's region (its children) or of its departments (those of the
        region), in the ledger's order; none on a chain's page."""
        if self.owner != Owner.REGION or self.owner_id is None:
            return []
        home = self.owner_id

        def of_home(cell: TargetProgress) -> bool:
            t = cell.target
            if owner == Owner.REGION:
                return t.region is not None and t.region.parent_id == home
            return t.department is not None and t.department.region_id == home

        return [row for row in self.book.sections.get(owner, []) if any(of_home(c) for c in row.cells.values())]


# --- projects, investment --------------------------------------------------------------------------------


def project_stats(funnel: Funnel, goals: Goals, links: Links) -> list[Stat]:
    """签约 → 开工 → 竣工 → 投产 this year, each against its target."""
    return [
        Stat(
            key=str(metric),
            label=str(label),
            value=funnel.counts[metric],
            kind=COUNT,
            unit=_("个"),
            link=links.project_events(reached=str(metric)),
            goal=goals.goal(metric),
        )
        for metric, label in STAGES
    ]


def signed_amount_stat(funnel: Funnel, goals: Goals, links: Links) -> Stat:
    return Stat(
        key="signed_amount",
        label=_("签约项目计划总投资"),
        value=funnel.signed_amount,
        kind=AMOUNT,
        link=links.project_events(reached="signed"),
        goal=goals.goal(Metric.SIGNED_AMOUNT),
    )


def investment_stat(months: dict[int, Decimal], goals: Goals, links: Links) -> Stat:
    return Stat(
        key="investment",
        label=_("本年完成投资"),
        value=sum(months.values(), Decimal(0)),
        kind=AMOUNT,
        link=links.investment(),
        goal=goals.goal(Metric.INVESTMENT),
    )


def cycle_links(steps: Iterable[Any], links: Links) -> list[dict[str, Any]]:
    """Each step of the virtuous cycle with the project lists behind its two counts."""
    return [{"step": s, "landed": links.cycle(s.key), "talks": links.cycle(f"{s.key}_talks")} for s in steps]


@dataclass(frozen=True)
class StalledRow:
    project: Project
    url: str
    idle_days: int | None  # days since the last update; None when never updated


def stalled_rows(rows: list[Project], links: Links, today: Any) -> list[StalledRow]:
    return [
        StalledRow(p, links.project(p.pk), (today - p.last_progress_on).days if p.last_progress_on else None)
        for p in rows
    ]


# --- demands ---------------------------------------------------------------------------------------------


DEMAND_STEPS: tuple[tuple[str, Any, bool, dict[str, str]], ...] = (
    ("received", gettext_lazy("收到诉求"), True, {}),
    ("accepted", gettext_lazy("已受理"), False, {}),
    ("closed", gettext_lazy("已办结"), True, {"status": "closed"}),
    ("satisfied", gettext_lazy("评价满意"), False, {"status": "closed"}),
)
DEMAND_RATES = (
    ("response", gettext_lazy("响应率"), None),
    ("closure", gettext_lazy("办结率"), Metric.CLOSURE_RATE),
    ("on_time", gettext_lazy("按时办结率"), None),
    ("satisfaction", gettext_lazy("满意率"), Metric.SATISFACTION_RATE),
)


def demand_steps(total: MetricRow, links: Links) -> list[Stat]:
    """收到 (办理指标's 受理量) → 已受理 → 已办结 → 评价满意 over the year's demands. The demands list filters the
    status, not the acceptance nor the rating: those two open the closest list."""
    return [
        Stat(
            key=key,
            label=str(label),
            value=getattr(total, key),
            kind=COUNT,
            unit=_("件"),
            link=links.demands(exact=exact, **params),
        )
        for key, label, exact, params in DEMAND_STEPS
    ]


def demand_rates(total: MetricRow, goals: Goals, links: Links) -> list[Stat]:
    link = links.metrics("chain")
    percents = total.percents
    stats = []
    for key, label, metric in DEMAND_RATES:
        num, den = RATE_PARTS[key]
        stats.append(
            Stat(
                key=key,
                label=str(label),
                value=percents[key],
                kind=RATE,
                link=link,
                goal=goals.goal(metric) if metric else None,
                cases=_("%(n)s / %(d)s 件") % {"n": getattr(total, num), "d": getattr(total, den)},
            )
        )
    return stats


RATE_PARTS = {
    "response": ("responded", "due"),
    "closure": ("closed", "accepted"),
    "on_time": ("closed_on_time", "closed"),
    "satisfaction": ("satisfied", "rated"),
}


@dataclass
class DemandRank:
    """One row of a demand ranking: 办理指标's row, the light of its 办结率 against the owner's target rate (none
    below the minimum number of cases), and where it clicks through."""

    row: MetricRow
    link: Link
    target: Decimal | None = None
    light: str = Light.NONE

    @property
    def colour(self) -> str:
        return LIGHT_COLOURS[Light(self.light)]

    @property
    def light_label(self) -> str:
        return str(Light(self.light).label)

    @property
    def closure(self) -> Decimal | None:
        return self.row.percents["closure"]


def rate_light(rate: Decimal | None, cases: int, target: Decimal, *, minimum: int, rule: LightRule) -> str:
    """The light of a rate against a target rate (the ledger's rule), none below the minimum number of cases."""
    if rate is None or cases < minimum:
        return Light.NONE
    points = progress.behind(actual=rate, target=target, is_rate=True, elapsed=Decimal(0))
    return progress.light(points, yellow=rule.rate_yellow, red=rule.rate_red)


def demand_ranking(table: DemandTable, goals: Goals, links: Links) -> list[DemandRank]:
    """办结率 by region or department, ranked with the minimum number of cases, each against its target."""
    owner = Owner.REGION if table.dimension == "region" else Owner.DEPARTMENT
    ranks = []
    for row in table.rows:
        if table.dimension == "region":
            link = links.demands(region=row.key, status="closed") if row.key else Link(None, False)
        else:
            link = links.metrics("department")
        rank = DemandRank(row, link)
        cell = goals.cell(owner, row.key, Metric.CLOSURE_RATE)
        if cell is not None:
            rank.target = cell.target.value
            rank.light = rate_light(
                rank.closure, row.accepted, cell.target.value, minimum=table.min_cases, rule=goals.rule
            )
        ranks.append(rank)
    return ranks


# --- leads, 上争 -------------------------------------------------------------------------------------------


FUNNEL_STAGES = (LeadStage.NEW, LeadStage.CONTACTED, LeadStage.INSPECTED, LeadStage.NEGOTIATING, LeadStage.SIGNED)
LEAD_STAGES = (*FUNNEL_STAGES, LeadStage.ABANDONED)


@dataclass
class LeadRow:
    label: str
    source: str
    cells: list[tuple[int, Link]] = field(default_factory=list)
    total: tuple[int, Link] | None = None


def lead_rows(counts: dict[tuple[str, str], int], links: Links) -> tuple[list[LeadRow], LeadRow]:
    """The leads by source (rows) and stage (columns), each count a filtered leads list; the last row the total
    per stage: the funnel 新线索 → 签约 (and 放弃)."""
    rows = []
    for source, label in LeadSource.choices:
        row = LeadRow(str(label), source)
        for stage in LEAD_STAGES:
            row.cells.append((counts.get((source, stage), 0), links.leads(source, stage)))
        row.total = (sum(n for n, _link in row.cells), links.leads(source))
        rows.append(row)
    total = LeadRow(_("合计"), "")
    for i, stage in enumerate(LEAD_STAGES):
        total.cells.append((sum(r.cells[i][0] for r in rows), links.leads("", stage)))
    total.total = (sum(n for n, _link in total.cells), links.leads())
    return [r for r in rows if r.total and r.total[0]], total


@dataclass(frozen=True)
class UpwardRow:
    figure: UpwardFigure
    label: str
    link: Link
    is_open: bool


def upward_rows(figures: dict[str, UpwardFigure], links: Links) -> list[UpwardRow]:
    """Per stage: those being sought (any year; the list filters the stage exactly) and those decided this year
    (the list cannot filter the day of the decision: the closest list, every year's)."""
    return [
        UpwardRow(
            f, str(UpwardStage(stage).label), links.upward(stage, exact=stage in OPEN_UPWARD), stage in OPEN_UPWARD
        )
        for stage, f in figures.items()
    ]


def upward_stats(figures: dict[str, UpwardFigure], goals: Goals, links: Links) -> list[Stat]:
    seeking = [f for s, f in figures.items() if s in OPEN_UPWARD]
    approved = figures[UpwardStage.APPROVED]
    return [
        Stat(
            key="seeking",
            label=_("争取中金额"),
            value=sum((f.sought for f in seeking), Decimal(0)),
            kind=AMOUNT,
            link=links.upward("", exact=False),
            cases=_("%(n)s 项") % {"n": sum(f.count for f in seeking)},
        ),
        Stat(
            key="obtained",
            label=_("本年获批金额"),
            value=approved.obtained,
            kind=AMOUNT,
            link=links.upward(UpwardStage.APPROVED, exact=False),
            goal=goals.goal(Metric.UPWARD_OBTAINED),
            cases=_("%(n)s 项") % {"n": approved.count},
        ),
    ]


# --- targets of districts and departments ---------------------------------------------------------------


@dataclass
class TargetRank:
    """One owner's targets in a ranking: a cell per metric shown, the lights counted (a rate's only from the
    minimum number of cases), and the rank by the share of lit targets that are green (ties share a rank)."""

    row: OwnerRow
    cells: dict[str, Goal | None]
    lights: dict[str, int]
    rank: int | None = None

    @property
    def lit(self) -> int:
        return sum(self.lights.values())

    @property
    def key(self) -> tuple[Decimal, int, int]:
        share = Decimal(self.lights[Light.GREEN]) / self.lit if self.lit else Decimal(0)
        return (-share, self.lights[Light.RED], self.lights[Light.YELLOW])


def _ranked_goal(cell: TargetProgress, owner_name: str, minimum: int) -> Goal | None:
    goal = goal_of(cell, owner_name)
    if goal is not None and cell.spec.is_rate and (cell.actual.denominator or 0) < minimum:
        goal = Goal(
            goal.owner_name, goal.kind, goal.target, goal.actual, goal.done, goal.behind, Light.NONE, goal.cases
        )
    return goal


def target_ranking(rows: list[OwnerRow], *, minimum: int) -> tuple[list[str], list[TargetRank]]:
    """The metrics any of the rows has a target for (the ledger's order) and the rows ranked: lit first, by the
    share of green, then fewer red, fewer yellow; the rows without a lit target last, unranked."""
    columns = [str(m) for m in Metric if any(m in row.cells for row in rows)]
    ranks = []
    for row in rows:
        cells = {m: _ranked_goal(row.cells[m], row.name, minimum) if m in row.cells else None for m in columns}
        lights: dict[str, int] = dict.fromkeys(map(str, LIT), 0)
        for goal in cells.values():
            if goal is not None and goal.light in lights:
                lights[goal.light] += 1
        ranks.append(TargetRank(row, cells, lights))
    ranked = sorted((r for r in ranks if r.lit), key=lambda r: (r.key, r.row.name))
    for i, item in enumerate(ranked):
        item.rank = ranked[i - 1].rank if i and ranked[i - 1].key == item.key else i + 1
    return columns, ranked + sorted((r for r in ranks if not r.lit), key=lambda r: r.row.name)
