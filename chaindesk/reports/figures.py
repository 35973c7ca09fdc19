"""The key figures of a chain a briefing prints, read through the apps' own selectors and cut to what the reader
(the person who asked for the briefing) may see: projects by stage with their planned investment, the year's
investment against 序时进度, the demands of the period with the service rates, 上争 progress, the decisions of
the meetings and the overdue tasks. Each part is one query (or two), whatever the number of rows; the rows a
briefing lists are capped and the total is given.

Figures are "as of" a day (`Period.as_of`: the period's end, or today if the period has not ended): the
investment reported up to that month, the tasks overdue on that day (those still open now; a task closed
since then no longer counts)."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum, Value, Window
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from chaindesk.chains.models import Chain
from chaindesk.core import clock
from chaindesk.demands.choices import OPEN_TASK, DemandKind
from chaindesk.demands.metrics import metric_table
from chaindesk.demands.models import Task
from chaindesk.demands.selectors_queues import workdays_left
from chaindesk.meetings.models import Decision, Meeting
from chaindesk.meetings.progress import annotate_progress as annotate_decision_progress
from chaindesk.meetings.progress import progress_colour, progress_label
from chaindesk.projects.choices import FORWARD, ProjectStage
from chaindesk.projects.models import Project
from chaindesk.projects.selectors_progress import summarize
from chaindesk.projects.selectors_schedule import AMOUNT_FIELD, cents
from chaindesk.upward.choices import UpwardStage
from chaindesk.upward.models import UpwardRequest

ROW_CAP = 30  # rows of a list a briefing prints (decisions, overdue tasks); the total is always given
YI = Decimal("10000")  # 万元 in one 亿元
STAGE_ORDER = (*FORWARD, ProjectStage.PAUSED, ProjectStage.TERMINATED)


def amount_text(wan: Decimal | int | None) -> str:
    """An amount stored in 万元 as a briefing writes it: 5.20亿元 from 1 亿 up, else 600万元 (at most two decimals,
    no trailing zeros); "0万元" for none."""
    value = Decimal(wan or 0)
    if abs(value) >= YI:
        return _("%(n)s亿元") % {"n": f"{(value / YI).quantize(Decimal('0.01'), ROUND_HALF_UP):f}"}
    text = f"{value.quantize(Decimal('0.01'), ROUND_HALF_UP):f}".rstrip("0").rstrip(".")
    return _("%(n)s万元") % {"n": text or "0"}


def percent_text(value: Decimal | None) -> str:
    """A percentage (90.1) as printed: 90.1%; "—" without a denominator."""
    return "—" if value is None else f"{value.normalize():f}%"


@dataclass(frozen=True)
class Period:
    """The period the figures cover (both ends included) and the day snapshots are taken (`as_of`)."""

    start: dt.date
    end: dt.date

    @property
    def as_of(self) -> dt.date:
        return min(self.end, clock.today())


@dataclass(frozen=True)
class StageFigure:
    label: str
    count: int
    amount: Decimal


@dataclass(frozen=True)
class InvestmentFigure:
    """The year's planned and completed investment of the chain's projects and where they stand against 序时进度
    (rate and schedule as percentages with two places)."""

    year: int
    plan: Decimal
    done: Decimal
    rate: Decimal | None
    schedule: Decimal | None
    n_behind: int

    @property
    def gap(self) -> Decimal | None:
        """Percentage points the completion is behind 序时进度 (negative: ahead)."""
        return None if self.rate is None or self.schedule is None else self.schedule - self.rate


@dataclass(frozen=True)
class DemandFigure:
    """Demands submitted in the period, closed among them, open ones with an overdue task, and the rates (%)."""

    received: int
    closed: int
    overdue: int
    response: Decimal | None
    closure: Decimal | None
    satisfaction: Decimal | None


@dataclass(frozen=True)
class UpwardFigure:
    total: int
    stages: list[tuple[str, int]]
    sought: Decimal
    obtained: Decimal
    approved: int


@dataclass(frozen=True)
class DecisionFigure:
    meeting: str
    held_on: dt.date
    seq: int
    content: str
    departments: str
    deadline: dt.date | None
    status: str
    colour: str


@dataclass(frozen=True)
class OverdueFigure:
    enterprise: str
    title: str
    department: str
    deadline: dt.date
    days: int | None  # working days overdue; None where the official calendar does not cover the dates


@dataclass
class ChainFigures:
    period: Period
    stages: list[StageFigure] = field(default_factory=list)
    investment: InvestmentFigure | None = None
    demands: DemandFigure | None = None
    upward: UpwardFigure | None = None
    overdue_total: int = 0
    overdue: list[OverdueFigure] = field(default_factory=list)


def _from_cents(value: Any) -> Decimal:
    return Decimal(int(value or 0)) / 100


def chain_projects(user: Any, chain: Chain) -> QuerySet[Project]:
    return Project.objects.visible_to(user).filter(chain=chain)


def project_stages(user: Any, chain: Chain) -> list[StageFigure]:
    """The chain's projects by stage (in the stage machine's order) with their planned investment: one query."""
    planned = cents(Coalesce(F("planned_investment"), Value(Decimal("0")), output_field=AMOUNT_FIELD))
    rows = chain_projects(user, chain).order_by().values("stage").annotate(n=Count("pk"), amount=Sum(planned))
    by_stage = {row["stage"]: row for row in rows}
    return [
        StageFigure(str(ProjectStage(stage).label), by_stage[stage]["n"], _from_cents(by_stage[stage]["amount"]))
        for stage in STAGE_ORDER
        if stage in by_stage
    ]


def investment(user: Any, chain: Chain, as_of: dt.date) -> InvestmentFigure | None:
    """The year's plan, done and 序时进度 of the chain's projects (projects.selectors_progress): one query; None
    when no project has a plan for the year."""
    rows = summarize(chain_projects(user, chain), year=as_of.year, today=as_of, by="chain")
    total = rows[-1]
    if total.plan <= 0:
        return None
    return InvestmentFigure(
        year=as_of.year,
        plan=total.plan,
        done=total.done,
        rate=total.rate_percent,
        schedule=total.schedule_percent,
        n_behind=total.n_behind,
    )


def demands(user: Any, chain: Chain, period: Period) -> DemandFigure:
    """The period's demands of the chain with the service rates (demands.metrics, by chain: one query) and the
    open ones with a task overdue on `as_of` (one query)."""
    table = metric_table(user, dimension="chain", start=period.start, end=period.end, today=period.as_of)
    row = next((r for r in table.rows if r.key == chain.pk), None)
    # enterprises' demands with an overdue task (a meeting's 交办事项 shows in the overdue list, not in this count)
    overdue_qs = overdue_tasks(user, chain, period.as_of).filter(demand__kind=DemandKind.DEMAND)
    overdue = overdue_qs.aggregate(n=Count("demand", distinct=True))["n"]
    if row is None:
        return DemandFigure(0, 0, overdue, None, None, None)
    percents = row.percents
    return DemandFigure(
        received=row.received,
        closed=row.closed,
        overdue=overdue,
        response=percents["response"],
        closure=percents["closure"],
        satisfaction=percents["satisfaction"],
    )


def upward(user: Any, chain: Chain) -> UpwardFigure | None:
    """The chain's 上争事项 by stage, with the amounts sought and obtained: one aggregate query; None if none."""
    aggregates: dict[str, Any] = {f"n_{stage}": Count("pk", filter=Q(stage=stage)) for stage in UpwardStage.values}
    figures = (
        UpwardRequest.objects.visible_to(user)
        .filter(chain=chain)
        .aggregate(
            total=Count("pk"),
            sought=Sum(cents(Coalesce(F("amount_sought"), Value(Decimal("0")), output_field=AMOUNT_FIELD))),
            obtained=Sum(cents(Coalesce(F("amount_obtained"), Value(Decimal("0")), output_field=AMOUNT_FIELD))),
            **aggregates,
        )
    )
    if not figures["total"]:
        return None
    stages = [(str(UpwardStage(s).label), figures[f"n_{s}"]) for s in UpwardStage.values if figures[f"n_{s}"]]
    return UpwardFigure(
        total=figures["total"],
        stages=stages,
        sought=_from_cents(figures["sought"]),
        obtained=_from_cents(figures["obtained"]),
        approved=figures[f"n_{UpwardStage.APPROVED}"],
    )


def overdue_tasks(user: Any, chain: Chain, as_of: dt.date) -> QuerySet[Task]:
    """The chain's open tasks past their deadline on `as_of` (退回 ones excepted: they are not open)."""
    return Task.objects.visible_to(user).filter(demand__chain=chain, status__in=OPEN_TASK, deadline__lt=as_of)


def overdue_list(user: Any, chain: Chain, as_of: dt.date) -> tuple[int, list[OverdueFigure]]:
    """The first ROW_CAP overdue tasks, most overdue first, and how many there are: one query."""
    qs = (
        overdue_tasks(user, chain, as_of)
        .select_related("demand__enterprise", "lead_department")
        .annotate(total=Window(Count("pk")))
        .order_by("deadline", "pk")
    )
    rows = list(qs[:ROW_CAP])
    figures = []
    for task in rows:
        left = workdays_left(task.deadline, as_of)
        figures.append(
            OverdueFigure(
                enterprise=task.demand.enterprise.name if task.demand.enterprise else "—",  # 交办事项: none
                title=task.demand.title,
                department=task.lead_department.short_name or task.lead_department.name,
                deadline=task.deadline,
                days=-left if left is not None and left < 0 else None,
            )
        )
    return (rows[0].total if rows else 0), figures  # type: ignore[attr-defined]


def chain_figures(user: Any, chain: Chain, period: Period) -> ChainFigures:
    """Every key figure of the chain for the period (about seven queries)."""
    total, overdue = overdue_list(user, chain, period.as_of)
    return ChainFigures(
        period=period,
        stages=project_stages(user, chain),
        investment=investment(user, chain, period.as_of),
        demands=demands(user, chain, period),
        upward=upward(user, chain),
        overdue_total=total,
        overdue=overdue,
    )


def _departments(decision: Decision) -> str:
    """The responsible departments, the lead one first and marked (牵头) when there are several."""
    rows = sorted(decision.responsible.all(), key=lambda r: (not r.lead, r.pk))
    names = [r.department.short_name or r.department.name for r in rows]
    if len(names) > 1 and rows[0].lead:
        names[0] = _("%(name)s（牵头）") % {"name": names[0]}
    return "、".join(names)


def decisions(user: Any, meetings: QuerySet[Meeting], as_of: dt.date) -> tuple[int, list[DecisionFigure]]:
    """The decisions of `meetings` in meeting order with their departments, deadline and progress (meetings.
    progress: 未办, 办理中, 逾期, 已办结) on `as_of`: two queries. Returns the total and the first ROW_CAP."""
    qs = annotate_decision_progress(
        Decision.objects.visible_to(user).filter(meeting__in=meetings.values("pk")), today=as_of
    )
    qs = (
        qs.select_related("meeting")
        .prefetch_related("responsible__department")
        .annotate(total=Window(Count("pk")))
        .order_by("meeting__held_on", "meeting_id", "seq")
    )
    rows = list(qs[:ROW_CAP])
    figures = [
        DecisionFigure(
            meeting=d.meeting.title,
            held_on=d.meeting.held_on,
            seq=d.seq,
            content=d.content,
            departments=_departments(d),
            deadline=d.deadline,
            status=progress_label(d.progress),  # type: ignore[attr-defined]
            colour=progress_colour(d.progress),  # type: ignore[attr-defined]
        )
        for d in rows
    ]
    return (rows[0].total if rows else 0), figures  # type: ignore[attr-defined]
