"""Investment progress rolled up over many projects: the summary by chain or by region against 序时进度 (with
its hand-written SQL baseline for the benchmark), and the virtuous cycle (投资签约 → 增资扩产 → 配套落户) of an
enterprise and of a chain. Each project's own schedule, annotations and flags are in ``selectors_schedule``.

A group's 序时进度 is weighted by the plans: its 序时应完成 (expected to date) is the sum over its projects of
the year's plan × the project's own 序时进度, which for a project signed (or started) during the year counts
from that day (``schedule_from``); the group's 序时进度 is that sum / the plans' sum. A group without a plan
shows the calendar's 序时进度.

A group is behind when done < Σ plan·(序时进度 − tolerance) over its projects, each held to its own 序时进度 as
the per-project rule holds it. The database sums whole numbers only (分, and 分 × ten-thousandths for the
expected amount), so SQLite decides exactly like PostgreSQL."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chaindesk.core import clock

from .choices import ACTIVE, FORWARD, ProjectStage
from .models import InvestmentReport, Project
from .selectors_schedule import (
    AMOUNT_FIELD,
    CENTS,
    FOUR_PLACES,
    SCHEDULE_SCALE,
    SHARE_SCALE,
    annotate_progress,
    cents,
    completion_rate,
    days_sql,
    for_display,
    money,
    percent,
    report_window,
    schedule_for,
    schedule_units,
    stale_cutoff,
    tolerance_units,
)

# Each project's own progress lives in selectors_schedule; the names importers took from this module before
# keep working from here (the demo's tests read project_progress here, for one).
from .selectors_schedule import FLAGS as FLAGS
from .selectors_schedule import ProjectProgress as ProjectProgress
from .selectors_schedule import flag_filter as flag_filter
from .selectors_schedule import project_progress as project_progress
from .selectors_schedule import rules_text as rules_text
from .selectors_schedule import schedule_share as schedule_share
from .selectors_schedule import start_rule_text as start_rule_text

# --- investment summaries by chain or by region ------------------------------------------------------

SUMMARY_GROUPS = {"chain": ("chain_id", "chain__name"), "region": ("region_id", "region__name")}


@dataclass
class SummaryRow:
    """One line of the investment summary: a chain or a region (key None and is_total for the total).
    `expected` is the 序时应完成: Σ plan × each project's own 序时进度 (exact, 万元); `schedule` the group's
    序时进度, expected / plan to 4 places half up (the calendar's when there is no plan)."""

    key: int | None
    label: str
    n_projects: int
    n_active: int
    plan: Decimal
    done: Decimal
    expected: Decimal
    schedule: Decimal
    n_behind: int
    n_stale: int
    is_total: bool = False

    @property
    def rate(self) -> Decimal | None:
        return completion_rate(self.done, self.plan)

    @property
    def rate_percent(self) -> Decimal | None:
        return percent(self.rate)

    @property
    def schedule_percent(self) -> Decimal | None:
        return percent(self.schedule)

    @property
    def plan_text(self) -> str:
        return money(self.plan)

    @property
    def done_text(self) -> str:
        return money(self.done)

    @property
    def expected_amount(self) -> Decimal:
        """The expected amount to the 分, half up, as the page and the export show it."""
        return self.expected.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def expected_text(self) -> str:
        return money(self.expected_amount)

    @property
    def gap(self) -> Decimal | None:
        rate = self.rate
        return None if rate is None else ((self.schedule - rate) * 100).quantize(Decimal("0.01"))

    @property
    def behind(self) -> bool:
        """Done below the expected amount less the tolerance on the plan: Σ plan·(序时进度 − tolerance), each
        project held to its own 序时进度 (the per-project rule summed, in millionths)."""
        if self.rate is None:
            return False
        return self.done * SHARE_SCALE < self.expected * SHARE_SCALE + self.plan * tolerance_units()


def _from_cents(value: Any) -> Decimal:
    return Decimal(int(value or 0)) / CENTS


def _from_expected_units(value: Any) -> Decimal:
    """Σ plan in 分 × 序时进度 in ten-thousandths → 万元 (exact)."""
    return Decimal(int(value or 0)) / (CENTS * SCHEDULE_SCALE)


def _group_schedule(expected: Decimal, plan: Decimal, calendar: Decimal) -> Decimal:
    """A group's 序时进度: its expected amount over its plan, 4 places half up; the calendar's without a plan."""
    if plan <= 0:
        return calendar
    return (expected / plan).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def _summary_row(key: Any, label: Any, counts: tuple[Any, ...], calendar: Decimal, **extra: Any) -> SummaryRow:
    """A row from (n, active, plan, done, expected, behind, stale): amounts already in 万元."""
    n, active, plan, done, expected, behind, stale = counts
    return SummaryRow(
        key=key,
        label=str(label),
        n_projects=int(n),
        n_active=int(active or 0),
        plan=plan,
        done=done,
        expected=expected,
        schedule=_group_schedule(expected, plan, calendar),
        n_behind=int(behind or 0),
        n_stale=int(stale or 0),
        **extra,
    )


def _summary_rows(raw: list[tuple[Any, ...]], calendar: Decimal) -> list[SummaryRow]:
    """(key, label, n, active, plan cents, done cents, expected units, behind, stale) tuples → rows with a
    total row; `calendar` is the year's 序时进度 on the calendar, shown by a group without a plan."""
    rows = [
        _summary_row(
            key,
            label,
            (n, active, _from_cents(plan), _from_cents(done), _from_expected_units(expected), behind, stale),
            calendar,
        )
        for key, label, n, active, plan, done, expected, behind, stale in raw
    ]
    totals = (
        sum(r.n_projects for r in rows),
        sum(r.n_active for r in rows),
        sum((r.plan for r in rows), Decimal("0")),
        sum((r.done for r in rows), Decimal("0")),
        sum((r.expected for r in rows), Decimal("0")),
        sum(r.n_behind for r in rows),
        sum(r.n_stale for r in rows),
    )
    return [*rows, _summary_row(None, _("合计"), totals, calendar, is_total=True)]


def summary_rule_text() -> str:
    """How a chain's (or a region's) 序时进度 is weighted, in one sentence for the summary page and export."""
    return _(
        "各产业链（地区）及合计的序时进度按计划加权：序时应完成投资 = 各项目年度计划投资 × 该项目序时进度之和，"
        "序时进度 = 序时应完成投资 ÷ 年度计划投资；年内签约（开工）的项目按自签约（开工）之日起算的序时进度计入，"
        "不按全年计。"
    )


def summarize(qs: QuerySet[Project], *, year: int, today: dt.date, by: str) -> list[SummaryRow]:
    """The summary of any project queryset in ONE aggregate query (GROUP BY the chain or the region).
    Amounts are summed as whole 分 (the expected amount as 分 × ten-thousandths) so that SQLite adds them
    exactly, like PostgreSQL's numeric."""
    key, label = SUMMARY_GROUPS[by]
    annotated = annotate_progress(qs, year=year, today=today)
    plan_cents = cents(F("plan_amount"))
    grouped = (
        annotated.order_by()
        .values(key, label)
        .annotate(
            n=Count("pk"),
            n_active=Count("pk", filter=Q(stage__in=ACTIVE)),
            plan_cents=Sum(plan_cents),
            done_cents=Sum(cents(F("done_ytd"))),
            expected_units=Sum(ExpressionWrapper(plan_cents * F("progress_schedule"), output_field=BigIntegerField())),
            n_behind=Count("pk", filter=Q(is_behind=True)),
            n_stale=Count("pk", filter=Q(is_stale=True)),
        )
        .order_by(label, key)
        .values_list(key, label, "n", "n_active", "plan_cents", "done_cents", "expected_units", "n_behind", "n_stale")
    )
    return _summary_rows(list(grouped), schedule_for(year, today))


def investment_summary(user: Any, *, year: int, today: dt.date, by: str = "chain") -> list[SummaryRow]:
    """Plan, done, the expected amount and rate against 序时进度 and flag counts per chain or region over
    the projects `user` may see, as one aggregate query; the last row is the total."""
    return summarize(Project.objects.visible_to(user), year=year, today=today, by=by)


RAW_SUMMARY_SQL = """
SELECT g.id, g.name, COUNT(*),
       SUM(CASE WHEN x.active = 1 THEN 1 ELSE 0 END),
       SUM(CAST(ROUND(x.plan * 100) AS BIGINT)),
       SUM(CAST(ROUND(x.done * 100) AS BIGINT)),
       SUM(CAST(ROUND(x.plan * 100) AS BIGINT) * x.schedule),
       SUM(CASE WHEN x.active = 1 AND x.plan > 0
                 AND CAST(ROUND(x.done * 100) AS BIGINT) * {scale}
                     < CAST(ROUND(x.plan * 100) AS BIGINT) * (x.schedule * {per_unit} + {tolerance})
                THEN 1 ELSE 0 END),
       SUM(CASE WHEN x.active = 1 AND (x.last_progress_on IS NULL OR x.last_progress_on < %s)
                THEN 1 ELSE 0 END)
FROM (
    SELECT p.{group_column} AS group_id, p.last_progress_on,
           CASE WHEN p.stage IN ({active}) THEN 1 ELSE 0 END AS active,
           (SELECT ip.amount FROM projects_investmentplan ip WHERE ip.project_id = p.id AND ip.year = %s) AS plan,
           COALESCE((SELECT SUM(ir.amount) FROM projects_investmentreport ir
                     WHERE ir.project_id = p.id AND ir.month >= %s AND ir.month <= %s), 0) AS done,
           {schedule} AS schedule
    FROM projects_project p
    {where}
) x
JOIN {group_table} g ON g.id = x.group_id
GROUP BY g.id, g.name
ORDER BY g.name, g.id
"""


def _raw_schedule_sql(year: int, today: dt.date) -> tuple[str, list[Any]]:
    """``progress_schedule`` (ten-thousandths) as hand-written SQL over ``p`` and its parameters."""
    start = "COALESCE(p.signed_on, p.started_on)"
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    sql = f"CASE WHEN {start} > %s THEN 0 "
    params: list[Any] = [last]
    if year == today.year:
        elapsed, span = days_sql("%s", start), days_sql("%s", start)
        sql += (
            f"WHEN {start} >= %s THEN 0 "
            f"WHEN {start} >= %s THEN ({elapsed} * {2 * SCHEDULE_SCALE} + {span}) / ({span} * 2) "
        )
        params += [today, first, today, last, last]
    sql += f"ELSE {schedule_units(schedule_for(year, today))} END"
    return sql, params


def raw_investment_summary_sql(
    year: int, today: dt.date, by: str = "chain", *, chain_ids: list[int] | None = None
) -> list[SummaryRow]:
    """The same summary as `summarize` computed by one hand-written SQL statement: the benchmark's
    baseline. `chain_ids` restricts it to some chains (what a chain chief sees)."""
    group_column, group_table = {"chain": ("chain_id", "chains_chain"), "region": ("region_id", "accounts_region")}[by]
    first, last = report_window(year, today)
    active = ", ".join(f"'{stage}'" for stage in sorted(ACTIVE))  # fixed choice values, not user input
    where = ""
    where_params: list[int] = []
    if chain_ids is not None:
        if not chain_ids:
            return _summary_rows([], schedule_for(year, today))
        where = "WHERE p.chain_id IN (" + ", ".join(["%s"] * len(chain_ids)) + ")"
        where_params = [int(pk) for pk in chain_ids]
    schedule, schedule_params = _raw_schedule_sql(year, today)
    sql = RAW_SUMMARY_SQL.format(
        scale=SHARE_SCALE,
        per_unit=SHARE_SCALE // SCHEDULE_SCALE,
        tolerance=tolerance_units(),
        group_column=group_column,
        group_table=group_table,
        active=active,
        where=where,
        schedule=schedule,
    )
    params: list[Any] = [stale_cutoff(today), year, first, last, *schedule_params, *where_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        raw = cursor.fetchall()
    return _summary_rows(list(raw), schedule_for(year, today))


# --- the virtuous cycle (投资签约 → 增资扩产 → 配套落户) ------------------------------------------------


@dataclass
class CycleStep:
    """One step of an enterprise's cycle: the projects the user may see, their planned and completed
    investment, and how many more exist outside the user's scope (counted, not shown)."""

    key: str
    label: str
    projects: list[Project] = field(default_factory=list)
    hidden: int = 0

    @property
    def count(self) -> int:
        return len(self.projects)

    @property
    def amount(self) -> Decimal:
        return sum((p.planned_investment or Decimal("0") for p in self.projects), Decimal("0"))

    @property
    def done(self) -> Decimal:
        return sum((getattr(p, "done_total", None) or Decimal("0") for p in self.projects), Decimal("0"))


@dataclass
class EnterpriseCycle:
    own: CycleStep
    follow_ons: CycleStep
    supporting: CycleStep

    @property
    def steps(self) -> list[CycleStep]:
        return [self.own, self.follow_ons, self.supporting]

    @property
    def amount(self) -> Decimal:
        return sum((s.amount for s in self.steps), Decimal("0"))

    @property
    def count(self) -> int:
        return sum(s.count for s in self.steps)

    @property
    def hidden(self) -> int:
        return sum(s.hidden for s in self.steps)

    @property
    def projects(self) -> list[Project]:
        """The enterprise's own projects, originals and follow-ons (the tab's project table)."""
        return sorted(self.own.projects + self.follow_ons.projects, key=lambda p: (p.follow_on_of_id or 0, p.pk))


def done_total_subquery() -> Coalesce:
    """All investment ever reported for the project (万元)."""
    reports = (
        InvestmentReport.objects.filter(project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(reports, output_field=AMOUNT_FIELD), Value(Decimal("0")), output_field=AMOUNT_FIELD)


def enterprise_cycle(enterprise: Any, user: Any, *, today: dt.date | None = None) -> EnterpriseCycle:
    """An enterprise's own investment (its projects that are not follow-ons), its follow-ons (增资扩产) and
    the supporting firms it attracted (other owners' projects credited to it), with amounts. Rows are the
    projects `user` may see; the others are only counted. One query, annotated with this year's progress."""
    today = today or clock.today()
    visible = Project.objects.visible_to(user).filter(Q(enterprise=enterprise) | Q(credited_enterprise=enterprise))
    qs = (
        Project.objects.filter(Q(enterprise=enterprise) | Q(credited_enterprise=enterprise))
        .select_related("enterprise", "chain", "region", "follow_on_of")
        .annotate(
            is_visible=Case(
                When(pk__in=visible.values("pk"), then=Value(True)), default=Value(False), output_field=BooleanField()
            ),
            done_total=done_total_subquery(),
        )
        .order_by("pk")
    )
    cycle = EnterpriseCycle(
        own=CycleStep("own", _("投资签约")),
        follow_ons=CycleStep("follow_ons", _("增资扩产")),
        supporting=CycleStep("supporting", _("配套落户")),
    )
    for project in for_display(list(annotate_progress(qs, year=today.year, today=today))):
        if project.enterprise_id == enterprise.pk:
            step = cycle.follow_ons if project.follow_on_of_id else cycle.own
        else:
            step = cycle.supporting
        if getattr(project, "is_visible", False):
            step.projects.append(project)
        else:
            step.hidden += 1
    return cycle


# Projects that have landed: signed and further on (暂停 counts when it paused a signed project), not 终止.
LANDED_STAGES = tuple(s for s in FORWARD if s != ProjectStage.NEGOTIATING)


def landed_q() -> Q:
    return Q(stage__in=LANDED_STAGES) | Q(stage=ProjectStage.PAUSED, paused_stage__in=LANDED_STAGES)


@dataclass
class ChainCycleStep:
    key: str
    label: str
    description: str
    n_landed: int
    amount_landed: Decimal
    n_negotiating: int
    amount_negotiating: Decimal

    @property
    def amount_landed_text(self) -> str:
        return money(self.amount_landed)

    @property
    def amount_negotiating_text(self) -> str:
        return money(self.amount_negotiating)


CHAIN_STEPS = (
    ("signed", Q(), gettext_lazy("投资签约"), gettext_lazy("本链已签约落地的项目（含后续各阶段，不含终止）")),
    (
        "follow_ons",
        Q(follow_on_of__isnull=False),
        gettext_lazy("增资扩产"),
        gettext_lazy("已落地企业在前期项目基础上的增资扩产"),
    ),
    (
        "supporting",
        Q(credited_enterprise__isnull=False),
        gettext_lazy("以商引商"),
        gettext_lazy("本地企业引荐的配套项目"),
    ),
    ("talents", Q(credited_talent__isnull=False), gettext_lazy("能人引荐"), gettext_lazy("在外能人引荐的项目")),
)


# The project list's `cycle` filter: a step of the chain's cycle, landed ("follow_ons") or in talks
# ("follow_ons_talks"), the very condition chain_cycle counts, so a count clicks through to its projects.
TALKS_SUFFIX = "_talks"
CYCLE_VALUES = tuple(v for key, *_rest in CHAIN_STEPS for v in (key, f"{key}{TALKS_SUFFIX}"))


def cycle_options() -> list[tuple[str, str]]:
    """(value, label) of the `cycle` filter: each step, landed then in talks."""
    options = []
    for key, _condition, label, _text in CHAIN_STEPS:
        options.append((key, _("%(step)s（已落地）") % {"step": label}))
        options.append((f"{key}{TALKS_SUFFIX}", _("%(step)s（在谈）") % {"step": label}))
    return options


def cycle_q(value: str) -> Q | None:
    """The projects a count of the chain's cycle counts (see chain_cycle); None for an unknown value."""
    key, talks = (value[: -len(TALKS_SUFFIX)], True) if value.endswith(TALKS_SUFFIX) else (value, False)
    condition = next((c for k, c, _label, _text in CHAIN_STEPS if k == key), None)
    if condition is None:
        return None
    return (Q(stage=ProjectStage.NEGOTIATING) if talks else landed_q()) & condition


def chain_cycle(chain: Any, user: Any) -> list[ChainCycleStep]:
    """Counts and planned investment per step of the chain's cycle, landed and still in talks (在谈):
    signed investment → follow-ons → supporting projects brought by local enterprises → projects brought by
    talents — over the chain's projects the reader may see (the chain's team sees them all; a liaison or a
    district administrator, who read every chain's outline, only their own)."""
    return cycle_of(Project.objects.visible_to(user).filter(chain=chain))


def cycle_aggregates() -> dict[str, Any]:
    """Per value of the project list's `cycle` filter (a step, landed or in talks): the projects counted
    (``{value}_n``) and their planned investment in whole 分 (``{value}_a``)."""
    planned = cents(Coalesce(F("planned_investment"), Value(Decimal("0")), output_field=AMOUNT_FIELD))
    aggregates: dict[str, Any] = {}
    for value in CYCLE_VALUES:
        # The project list's `cycle` filter (cycle_q) is the very condition counted, so a count clicks through.
        condition = cycle_q(value)
        aggregates[f"{value}_n"] = Count("pk", filter=condition)
        aggregates[f"{value}_a"] = Sum(planned, filter=condition)
    return aggregates


def cycle_steps_of(totals: dict[str, Any]) -> list[ChainCycleStep]:
    """The cycle's steps from the totals of `cycle_aggregates` (a value missing counts nothing)."""
    return [
        ChainCycleStep(
            key=key,
            label=str(label),
            description=str(text),
            n_landed=int(totals.get(f"{key}_n") or 0),
            amount_landed=_from_cents(totals.get(f"{key}_a")),
            n_negotiating=int(totals.get(f"{key}{TALKS_SUFFIX}_n") or 0),
            amount_negotiating=_from_cents(totals.get(f"{key}{TALKS_SUFFIX}_a")),
        )
        for key, _condition, label, text in CHAIN_STEPS
    ]


def cycle_of(projects: QuerySet[Project]) -> list[ChainCycleStep]:
    """The cycle's steps over these projects (one chain's, or the cockpit's every visible chain): one aggregate
    query; amounts summed as whole 分."""
    return cycle_steps_of(projects.aggregate(**cycle_aggregates()))


def talent_projects(talent: Any, user: Any) -> tuple[list[Project], int]:
    """Projects credited to a talent that `user` may see (with all investment reported), and how many more
    are credited outside the user's scope. Two queries."""
    credited = Project.objects.filter(credited_talent=talent)
    rows: list[Project] = list(
        Project.objects.visible_to(user)
        .filter(credited_talent=talent)
        .select_related("enterprise", "chain", "region")
        .annotate(done_total=done_total_subquery())
        .order_by("-created_at", "-pk")
    )
    return for_display(rows), max(credited.count() - len(rows), 0)
