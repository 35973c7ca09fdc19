"""Investment progress against 序时进度 (the share of the year elapsed): per project, as queryset annotations
computed in SQL (so list pages filter and sort on them), and the rules that flag projects as behind or stale.

A project signed (or, without a signing date, started) during the year is held to the schedule from that day:
序时进度 = days since the start / days from the start to the year's end (0 on its first day), and the months
before its start month are not 未填报 (``schedule_from``, ``progress_threshold``). A project that began in an
earlier year, or whose start is not recorded, is held to the whole year's schedule.

All arithmetic is Decimal. The comparisons that decide a flag are done on whole numbers (amounts in 分 of a
万元, shares in millionths) so that SQLite, which stores decimals as floating point, decides exactly like
PostgreSQL at the boundary."""

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Round
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chaindesk.core import clock

from .choices import ACTIVE, FORWARD, ProjectStage
from .models import InvestmentPlan, InvestmentReport, Project

FOUR_PLACES = Decimal("0.0001")
# Shares (序时进度, tolerance) are compared in millionths, amounts in 分 (0.01 万元): both whole numbers.
SHARE_SCALE = 1_000_000
CENTS = 100
AMOUNT_FIELD = DecimalField(max_digits=16, decimal_places=2)
RATE_FIELD = DecimalField(max_digits=12, decimal_places=4)
FLAGS = ("behind", "stale", "stalled")


def stale_days() -> int:
    """Days without a progress update after which an active project counts as stale (停滞)."""
    return int(getattr(settings, "CHAINDESK_PROJECT_STALE_DAYS", 30))


def behind_tolerance() -> Decimal:
    """Percentage points below 序时进度 still tolerated before a project counts as behind (滞后)."""
    return Decimal(str(getattr(settings, "CHAINDESK_PROJECT_BEHIND_TOLERANCE", Decimal("0"))))


def schedule_share(today: dt.date) -> Decimal:
    """序时进度: day of the year / days in the year, 4 places, half up (2026-11-25 → 0.9014)."""
    days = 366 if calendar.isleap(today.year) else 365
    day = today.timetuple().tm_yday
    return (Decimal(day) / Decimal(days)).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def schedule_for(year: int, today: dt.date) -> Decimal:
    """序时进度 of `year` as seen on `today`: a past year is complete, a future one not begun."""
    if year < today.year:
        return Decimal("1.0000")
    if year > today.year:
        return Decimal("0.0000")
    return schedule_share(today)


def schedule_from(start: dt.date | None, year: int, today: dt.date) -> Decimal:
    """序时进度 of a project that started (signed, or started without a signing date) on `start`: the whole
    year's schedule if it started before `year` or its start is unknown; otherwise counted from the start day
    (0 that day) to the year's end: days elapsed since the start / days from the start to 31 December, 4
    places half up. A project starting after `year` (or later this year) owes nothing yet."""
    if start is None or start.year < year:
        return schedule_for(year, today)
    if start.year > year or year > today.year:
        return Decimal("0.0000")
    if year < today.year:
        return Decimal("1.0000")
    if today <= start:
        return Decimal("0.0000")
    span = (dt.date(year, 12, 31) - start).days  # >= 1: start < today <= 31 December
    return (Decimal((today - start).days) / Decimal(span)).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def progress_start(project: Project) -> dt.date | None:
    """The day a project's schedule starts from: signed, or started when no signing date is recorded."""
    return project.signed_on or project.started_on


def completion_rate(done: Decimal | None, plan: Decimal | None) -> Decimal | None:
    """投资完成率 done / plan, 4 places half up; None when there is no plan or it is zero."""
    if plan is None or plan == 0:
        return None
    return (Decimal(done or 0) / Decimal(plan)).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def percent(rate: Decimal | None) -> Decimal | None:
    """A rate (0.9014) as percent with two places (90.14) for the pages; None stays None."""
    return None if rate is None else (Decimal(rate) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def money(value: Decimal | None) -> str:
    """An amount in 万元 for a table cell: 52,000.00 (thousands by three, as the offices' ledgers)."""
    return "—" if value is None else f"{Decimal(value):,.2f}"


def for_display(projects: list[Project]) -> list[Project]:
    """Set `rate_percent` and the amount texts (planned_text, plan_text, done_text, done_total_text) on
    projects from annotate_progress / done_total_subquery: templates can neither multiply nor group digits."""
    for project in projects:
        project.rate_percent = percent(getattr(project, "rate", None))  # type: ignore[attr-defined]
        project.planned_text = money(project.planned_investment)  # type: ignore[attr-defined]
        project.plan_text = money(getattr(project, "plan_amount", None))  # type: ignore[attr-defined]
        project.done_text = money(getattr(project, "done_ytd", None))  # type: ignore[attr-defined]
        project.done_total_text = money(getattr(project, "done_total", None))  # type: ignore[attr-defined]
    return projects


def _threshold_units(year: int, today: dt.date) -> int:
    """The rate below which a project is behind, in millionths: 序时进度 minus the tolerance."""
    threshold = schedule_for(year, today) - behind_tolerance() / 100
    return int((threshold * SHARE_SCALE).to_integral_value(rounding=ROUND_HALF_UP))


class DaysBetween(Func):
    """Whole days from the second date to the first (``later - earlier``), on SQLite and PostgreSQL."""

    arity = 2
    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "CAST(julianday(%(expressions)s) AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, arg_joiner=") - julianday(", **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="((%(expressions)s))", arg_joiner=")::date - (", **extra)


def _days_sql(later: str, earlier: str) -> str:
    """``DaysBetween`` in hand-written SQL (the raw summary)."""
    if connection.vendor == "postgresql":
        return f"(({later})::date - ({earlier}))"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def _start_expression() -> Coalesce:
    return Coalesce(F("signed_on"), F("started_on"))


def progress_threshold(year: int, today: dt.date) -> Case:
    """Per project, the rate below which it is behind, in millionths, as ``_threshold_from(schedule_from(
    start, year, today))`` computes it in Python: the whole year's threshold, or for a project that started
    this year the schedule from its start ((2·10⁴·elapsed + span) div (2·span): 4 places half up, in whole
    numbers), or nothing owed (a start after the year or from today on). Needs the ``progress_start`` alias."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    zero = int(_threshold_from(Decimal("0")))  # 0 minus the tolerance
    whens = [When(progress_start__gt=last, then=Value(zero))]
    if year == today.year:
        elapsed = DaysBetween(Value(today), F("progress_start"))
        span = DaysBetween(Value(last), F("progress_start"))
        share = ExpressionWrapper((elapsed * 2 * 10_000 + span) / (span * 2), output_field=BigIntegerField())
        per_project = ExpressionWrapper(share * (SHARE_SCALE // 10_000) + zero, output_field=BigIntegerField())
        whens += [
            When(progress_start__gte=today, then=Value(zero)),
            When(progress_start__gte=first, then=per_project),
        ]
    return Case(*whens, default=Value(_threshold_units(year, today)), output_field=BigIntegerField())


def stale_cutoff(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=stale_days())


def _report_window(year: int, today: dt.date) -> tuple[dt.date, dt.date]:
    """Months of `year` counted as done so far: January up to today's month (all of a past year)."""
    first = dt.date(year, 1, 1)
    if year < today.year:
        return first, dt.date(year, 12, 1)
    return first, today.replace(day=1)


def done_subquery(year: int, today: dt.date) -> Coalesce:
    first, last = _report_window(year, today)
    reports = (
        InvestmentReport.objects.filter(project=OuterRef("pk"), month__gte=first, month__lte=last)
        .order_by()
        .values("project")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(reports, output_field=AMOUNT_FIELD), Value(Decimal("0")), output_field=AMOUNT_FIELD)


def _cents(expression: Any) -> Cast:
    return Cast(Round(ExpressionWrapper(expression * CENTS, output_field=AMOUNT_FIELD)), BigIntegerField())


def _rate_expression() -> Case:
    """done / plan rounded half up to 4 places, from whole numbers: (2·d·10⁴ + p) div (2·p) / 10⁴."""
    done, plan = _cents(F("done_ytd")), _cents(F("plan_amount"))
    basis = ExpressionWrapper(
        (done * 2 * 10_000 + plan) / (plan * 2), output_field=BigIntegerField()
    )  # integer division on both databases
    return Case(
        # Decimal("0.0001") reaches SQLite as text, which its arithmetic reads as a number (not as an
        # integer divisor, which would truncate); the cast gives PostgreSQL's numeric 4 places.
        When(plan_amount__gt=0, then=Cast(basis * Value(FOUR_PLACES), RATE_FIELD)),
        default=Value(None),
        output_field=RATE_FIELD,
    )


def behind_q(year: int, today: dt.date) -> Q:
    """Behind (滞后): active, a plan above zero, and done / plan below the project's 序时进度 minus the
    tolerance; compared as done·10⁶ < plan·threshold in whole numbers (needs plan_amount, done_ytd and the
    progress_threshold alias of annotate_progress)."""
    return Q(stage__in=ACTIVE, plan_amount__gt=0) & Q(
        done_scaled__lt=ExpressionWrapper(
            _cents(F("plan_amount")) * F("progress_threshold"), output_field=BigIntegerField()
        )
    )


def stale_q(today: dt.date) -> Q:
    """Stale (停滞): active, and no progress update, or the last one more than STALE_DAYS days ago."""
    return Q(stage__in=ACTIVE) & (Q(last_progress_on__isnull=True) | Q(last_progress_on__lt=stale_cutoff(today)))


def annotate_progress(qs: QuerySet[Project], *, year: int, today: dt.date) -> QuerySet[Project]:
    """Annotate plan_amount, done_ytd, rate, is_stale and is_behind (against each project's own 序时进度, see
    ``progress_threshold``), all in SQL so that lists filter and sort on them: the done amount as a
    correlated subquery, the plan through a LEFT JOIN on the unique (project, year) plan, so no row is ever
    multiplied."""
    # The year's plan is unique per project: a filtered LEFT JOIN adds no rows and, unlike a subquery, is
    # not evaluated again wherever plan_amount is referenced (the rate, the behind rule, the summary sums).
    qs = qs.alias(year_plan=FilteredRelation("investment_plans", condition=Q(investment_plans__year=year)))
    qs = qs.annotate(
        plan_amount=ExpressionWrapper(F("year_plan__amount"), output_field=AMOUNT_FIELD),
        done_ytd=done_subquery(year, today),
    )
    qs = qs.alias(
        done_scaled=ExpressionWrapper(_cents(F("done_ytd")) * SHARE_SCALE, output_field=BigIntegerField()),
        progress_start=_start_expression(),
    )
    qs = qs.alias(progress_threshold=progress_threshold(year, today)).annotate(rate=_rate_expression())
    return qs.annotate(
        is_stale=Case(When(stale_q(today), then=Value(True)), default=Value(False), output_field=BooleanField()),
        is_behind=Case(
            When(behind_q(year, today), then=Value(True)), default=Value(False), output_field=BooleanField()
        ),
    )


def flag_filter(qs: QuerySet[Any], flag: str, *, year: int, today: dt.date) -> QuerySet[Any]:
    """Keep the projects with a flag: behind, stale, or stalled (behind or stale). A queryset not yet through
    annotate_progress is annotated here for `year` and `today`. An unknown flag leaves the queryset as it is."""
    if flag in FLAGS and "is_behind" not in qs.query.annotations:
        qs = annotate_progress(qs, year=year, today=today)
    if flag == "behind":
        return qs.filter(is_behind=True)
    if flag == "stale":
        return qs.filter(is_stale=True)
    if flag == "stalled":
        return qs.filter(Q(is_behind=True) | Q(is_stale=True))
    return qs


def rules_text() -> str:
    """The flag rules in one sentence for the pages."""
    tolerance = behind_tolerance()
    if tolerance:
        behind = _("完成率低于序时进度 %(points)s 个百分点以上即为滞后") % {"points": f"{tolerance.normalize():f}"}
    else:
        behind = _("完成率低于序时进度即为滞后")
    stale = _("签约至投产阶段的项目 %(days)s 天无进展更新即为停滞") % {"days": stale_days()}
    return _("%(behind)s；%(stale)s。") % {"behind": behind, "stale": stale}


def start_rule_text() -> str:
    """The rule for projects that start during the year, in one sentence for the pages and exports."""
    return _(
        "年内签约（无签约日期的按开工）的项目，序时进度自签约（开工）之日起算至年末（当日为 0），"
        "此前的月份不计为未填报。"
    )


@dataclass
class ProjectProgress:
    """One project's investment progress in a year, for its page and chart."""

    year: int
    plan: Decimal | None
    done_ytd: Decimal
    rate: Decimal | None
    schedule: Decimal
    gap: Decimal | None  # percentage points the rate is below 序时进度 (negative: ahead)
    behind: bool
    stale: bool
    last_update: dt.date | None
    months: list[tuple[dt.date, Decimal | None, Decimal]] = field(default_factory=list)
    reports: list[InvestmentReport] = field(default_factory=list)  # the year's reports, latest month first
    today: dt.date | None = None
    start: dt.date | None = None  # signed (or started) during the year: the schedule counts from this day

    @property
    def rate_percent(self) -> Decimal | None:
        return percent(self.rate)

    @property
    def plan_text(self) -> str:
        """The plan in 万元, the unit of the section's chart and table."""
        return money(self.plan)

    @property
    def done_text(self) -> str:
        return money(self.done_ytd)

    @property
    def schedule_percent(self) -> Decimal:
        return (self.schedule * 100).quantize(Decimal("0.01"))

    @property
    def gap_abs(self) -> Decimal | None:
        return None if self.gap is None else abs(self.gap)

    @property
    def month_rows(self) -> list[dict[str, Any]]:
        """The months so far, latest first: amount (None when not reported), cumulative and the report."""
        by_month = {r.month: r for r in self.reports}
        rows = [
            {
                "month": month,
                "amount": amount,
                "amount_text": money(amount),
                "cumulative_text": money(total),
                "report": by_month.get(month),
            }
            for month, amount, total in self.months
        ]
        return rows[::-1]

    @property
    def max_month(self) -> str:
        """The latest month that may be reported (input type=month value)."""
        return f"{(self.today or clock.today()):%Y-%m}"

    @property
    def chart(self) -> dict[str, Any]:
        """ECharts option: monthly completed (bars), cumulative completed (line) and the plan spread over the
        year at 序时进度 (dashed line: where the cumulative should be at each month's end), in 万元."""
        labels = [_("%(m)s月") % {"m": m} for m in range(1, 13)]
        start = self.start
        monthly: list[float | None] = [None] * 12
        cumulative: list[float | None] = [None] * 12
        for month, amount, total in self.months:
            monthly[month.month - 1] = float(amount) if amount is not None else None
            cumulative[month.month - 1] = float(total)
        series: list[dict[str, Any]] = [
            {"name": _("当月完成"), "type": "bar", "data": monthly, "barMaxWidth": 28},
            {"name": _("累计完成"), "type": "line", "data": cumulative, "connectNulls": True},
        ]
        if self.plan:
            days = 366 if calendar.isleap(self.year) else 365
            on_schedule: list[float | None] = []
            for m in range(1, 13):
                month_end = dt.date(self.year, m, calendar.monthrange(self.year, m)[1])
                if start is not None:  # from its start: no line before the start month
                    share = None if month_end < start else schedule_from(start, self.year, month_end)
                    on_schedule.append(None if share is None else float((self.plan * share).quantize(Decimal("0.01"))))
                    continue
                elapsed = month_end.timetuple().tm_yday
                on_schedule.append(float((self.plan * elapsed / days).quantize(Decimal("0.01"))))
            series.append(
                {
                    "name": _("序时进度"),
                    "type": "line",
                    "data": on_schedule,
                    "lineStyle": {"type": "dashed"},
                    "symbol": "none",
                    "markLine": {
                        "symbol": "none",
                        "data": [{"yAxis": float(self.plan), "name": _("年度计划")}],
                        "label": {"formatter": _("年度计划 {c} 万元"), "position": "insideEndTop"},
                    },
                }
            )
        return {
            "title": {"text": _("%(year)s 年投资完成情况") % {"year": self.year}, "subtext": _("单位：万元")},
            "tooltip": {"trigger": "axis"},
            "legend": {"bottom": 0},
            "grid": {"left": 60, "right": 30, "top": 70, "bottom": 50},
            "xAxis": {"type": "category", "data": labels},
            "yAxis": {"type": "value", "name": _("万元")},
            "series": series,
        }


def _months(
    year: int, first: dt.date, last: dt.date, reported: dict[dt.date, Decimal], start: dt.date | None
) -> list[tuple[dt.date, Decimal | None, Decimal]]:
    """(month, amount or None when not reported, cumulative) from the first month owed (January, or the start
    month of a project that started this year; earlier if a month before it was reported) up to `last`."""
    if first > last:
        return []
    first_month = start.month if start is not None else 1
    first_month = min([first_month, *(m.month for m in reported)])
    months: list[tuple[dt.date, Decimal | None, Decimal]] = []
    cumulative = Decimal("0")
    for m in range(first_month, last.month + 1):
        month = dt.date(year, m, 1)
        amount = reported.get(month)
        cumulative += amount or 0
        months.append((month, amount, cumulative))
    return months


def project_progress(project: Project, *, year: int, today: dt.date) -> ProjectProgress:
    """Plan, done so far, rate, the project's 序时进度 (from its start when it started during `year`), flags
    and the months of `year` (amount reported, cumulative) from its first month up to today's month: two
    queries (plan, reports)."""
    plan = InvestmentPlan.objects.filter(project=project, year=year).order_by().values_list("amount", flat=True).first()
    first, last = _report_window(year, today)
    reports = list(
        InvestmentReport.objects.filter(project=project, month__gte=first, month__lte=last)
        .select_related("reported_by")
        .order_by("-month")
    )
    reported = {r.month: r.amount for r in reports}
    start = progress_start(project)
    in_year_start = start if start is not None and start.year == year else None
    done = sum(reported.values(), Decimal("0"))
    rate = completion_rate(done, plan)
    schedule = schedule_from(start, year, today)
    threshold = Decimal(_threshold_from(schedule)) / SHARE_SCALE
    active = project.stage in ACTIVE
    behind = bool(active and plan and done < plan * threshold)
    last_update = project.last_progress_on
    stale = active and (last_update is None or last_update < stale_cutoff(today))
    gap = None if rate is None else ((schedule - rate) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return ProjectProgress(
        year=year,
        plan=plan,
        done_ytd=done,
        rate=rate,
        schedule=schedule,
        gap=gap,
        behind=behind,
        stale=bool(stale),
        last_update=last_update,
        months=_months(year, first, last, reported, in_year_start),
        reports=reports,
        today=today,
        start=in_year_start,
    )


# --- investment summaries by chain or by region ------------------------------------------------------

SUMMARY_GROUPS = {"chain": ("chain_id", "chain__name"), "region": ("region_id", "region__name")}


@dataclass
class SummaryRow:
    """One line of the investment summary: a chain or a region (key None and is_total for the total)."""

    key: int | None
    label: str
    n_projects: int
    n_active: int
    plan: Decimal
    done: Decimal
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
    def plan_text(self) -> str:
        return money(self.plan)

    @property
    def done_text(self) -> str:
        return money(self.done)

    @property
    def gap(self) -> Decimal | None:
        rate = self.rate
        return None if rate is None else ((self.schedule - rate) * 100).quantize(Decimal("0.01"))

    @property
    def behind(self) -> bool:
        rate = self.rate
        return rate is not None and self.done * SHARE_SCALE < self.plan * _threshold_from(self.schedule)


def _threshold_from(schedule: Decimal) -> Decimal:
    return ((schedule - behind_tolerance() / 100) * SHARE_SCALE).to_integral_value(rounding=ROUND_HALF_UP)


def _from_cents(value: Any) -> Decimal:
    return Decimal(int(value or 0)) / CENTS


def _summary_rows(raw: list[tuple[Any, ...]], schedule: Decimal) -> list[SummaryRow]:
    """(key, label, n, active, plan cents, done cents, behind, stale) tuples → rows with a total row."""
    rows = [
        SummaryRow(
            key=key,
            label=str(label),
            n_projects=int(n),
            n_active=int(active or 0),
            plan=_from_cents(plan),
            done=_from_cents(done),
            schedule=schedule,
            n_behind=int(behind or 0),
            n_stale=int(stale or 0),
        )
        for key, label, n, active, plan, done, behind, stale in raw
    ]
    total = SummaryRow(
        key=None,
        label=_("合计"),
        n_projects=sum(r.n_projects for r in rows),
        n_active=sum(r.n_active for r in rows),
        plan=sum((r.plan for r in rows), Decimal("0")),
        done=sum((r.done for r in rows), Decimal("0")),
        schedule=schedule,
        n_behind=sum(r.n_behind for r in rows),
        n_stale=sum(r.n_stale for r in rows),
        is_total=True,
    )
    return [*rows, total]


def summarize(qs: QuerySet[Project], *, year: int, today: dt.date, by: str) -> list[SummaryRow]:
    """The summary of any project queryset in ONE aggregate query (GROUP BY the chain or the region).
    Amounts are summed as whole 分 so that SQLite adds them exactly, like PostgreSQL's numeric."""
    key, label = SUMMARY_GROUPS[by]
    annotated = annotate_progress(qs, year=year, today=today)
    grouped = (
        annotated.order_by()
        .values(key, label)
        .annotate(
            n=Count("pk"),
            n_active=Count("pk", filter=Q(stage__in=ACTIVE)),
            plan_cents=Sum(_cents(F("plan_amount"))),
            done_cents=Sum(_cents(F("done_ytd"))),
            n_behind=Count("pk", filter=Q(is_behind=True)),
            n_stale=Count("pk", filter=Q(is_stale=True)),
        )
        .order_by(label, key)
        .values_list(key, label, "n", "n_active", "plan_cents", "done_cents", "n_behind", "n_stale")
    )
    return _summary_rows(list(grouped), schedule_for(year, today))


def investment_summary(user: Any, *, year: int, today: dt.date, by: str = "chain") -> list[SummaryRow]:
    """Plan, done, rate against 序时进度 and flag counts per chain or region over the projects `user` may
    see, as one aggregate query; the last row is the total."""
    return summarize(Project.objects.visible_to(user), year=year, today=today, by=by)


RAW_SUMMARY_SQL = """
SELECT g.id, g.name, COUNT(*),
       SUM(CASE WHEN x.active = 1 THEN 1 ELSE 0 END),
       SUM(CAST(ROUND(x.plan * 100) AS BIGINT)),
       SUM(CAST(ROUND(x.done * 100) AS BIGINT)),
       SUM(CASE WHEN x.active = 1 AND x.plan > 0
                 AND CAST(ROUND(x.done * 100) AS BIGINT) * {scale} < CAST(ROUND(x.plan * 100) AS BIGINT) * x.threshold
                THEN 1 ELSE 0 END),
       SUM(CASE WHEN x.active = 1 AND (x.last_progress_on IS NULL OR x.last_progress_on < %s)
                THEN 1 ELSE 0 END)
FROM (
    SELECT p.{group_column} AS group_id, p.last_progress_on,
           CASE WHEN p.stage IN ({active}) THEN 1 ELSE 0 END AS active,
           (SELECT ip.amount FROM projects_investmentplan ip WHERE ip.project_id = p.id AND ip.year = %s) AS plan,
           COALESCE((SELECT SUM(ir.amount) FROM projects_investmentreport ir
                     WHERE ir.project_id = p.id AND ir.month >= %s AND ir.month <= %s), 0) AS done,
           {threshold} AS threshold
    FROM projects_project p
    {where}
) x
JOIN {group_table} g ON g.id = x.group_id
GROUP BY g.id, g.name
ORDER BY g.name, g.id
"""


def _raw_threshold_sql(year: int, today: dt.date) -> tuple[str, list[Any]]:
    """``progress_threshold`` as hand-written SQL over ``p`` and its parameters."""
    start = "COALESCE(p.signed_on, p.started_on)"
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    zero = int(_threshold_from(Decimal("0")))
    sql = f"CASE WHEN {start} > %s THEN {zero} "
    params: list[Any] = [last]
    if year == today.year:
        elapsed, span = _days_sql("%s", start), _days_sql("%s", start)
        sql += (
            f"WHEN {start} >= %s THEN {zero} "
            f"WHEN {start} >= %s THEN (({elapsed} * 20000 + {span}) / ({span} * 2)) * 100 + {zero} "
        )
        params += [today, first, today, last, last]
    sql += f"ELSE {_threshold_units(year, today)} END"
    return sql, params


def raw_investment_summary_sql(
    year: int, today: dt.date, by: str = "chain", *, chain_ids: list[int] | None = None
) -> list[SummaryRow]:
    """The same summary as `summarize` computed by one hand-written SQL statement: the benchmark's
    baseline. `chain_ids` restricts it to some chains (what a chain chief sees)."""
    group_column, group_table = {"chain": ("chain_id", "chains_chain"), "region": ("region_id", "accounts_region")}[by]
    first, last = _report_window(year, today)
    active = ", ".join(f"'{stage}'" for stage in sorted(ACTIVE))  # fixed choice values, not user input
    where = ""
    where_params: list[int] = []
    if chain_ids is not None:
        if not chain_ids:
            return _summary_rows([], schedule_for(year, today))
        where = "WHERE p.chain_id IN (" + ", ".join(["%s"] * len(chain_ids)) + ")"
        where_params = [int(pk) for pk in chain_ids]
    threshold, threshold_params = _raw_threshold_sql(year, today)
    sql = RAW_SUMMARY_SQL.format(
        scale=SHARE_SCALE,
        group_column=group_column,
        group_table=group_table,
        active=active,
        where=where,
        threshold=threshold,
    )
    params: list[Any] = [stale_cutoff(today), year, first, last, *threshold_params, *where_params]
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
    district administrator, who read every chain's outline, only their own). One aggregate query; amounts
    summed as whole 分."""
    cents = _cents(Coalesce(F("planned_investment"), Value(Decimal("0")), output_field=AMOUNT_FIELD))
    aggregates: dict[str, Any] = {}
    for key, *_rest in CHAIN_STEPS:
        # The project list's `cycle` filter (cycle_q) is the very condition counted, so a count clicks through.
        landed, talks = cycle_q(key), cycle_q(f"{key}{TALKS_SUFFIX}")
        aggregates[f"{key}_n"] = Count("pk", filter=landed)
        aggregates[f"{key}_a"] = Sum(cents, filter=landed)
        aggregates[f"{key}_tn"] = Count("pk", filter=talks)
        aggregates[f"{key}_ta"] = Sum(cents, filter=talks)
    totals = Project.objects.visible_to(user).filter(chain=chain).aggregate(**aggregates)
    return [
        ChainCycleStep(
            key=key,
            label=str(label),
            description=str(text),
            n_landed=int(totals[f"{key}_n"] or 0),
            amount_landed=_from_cents(totals[f"{key}_a"]),
            n_negotiating=int(totals[f"{key}_tn"] or 0),
            amount_negotiating=_from_cents(totals[f"{key}_ta"]),
        )
        for key, _condition, label, text in CHAIN_STEPS
    ]


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
