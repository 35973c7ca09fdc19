"""Each project's investment progress against its 序时进度 (the share of the year elapsed): as queryset
annotations computed in SQL (so list pages filter and sort on them), the rules that flag projects as behind or
stale, and one project's progress for its page. The rollups over many projects (by chain or region, the virtuous
cycle) are in ``selectors_progress``.

A project signed (or, without a signing date, started) during the year is held to the schedule from that day:
序时进度 = days since the start / days from the start to the year's end (0 on its first day), and the months
before its start month are not 未填报 (``schedule_from``, ``progress_schedule``). A project that began in an
earlier year, or whose start is not recorded, is held to the whole year's schedule.

All arithmetic is Decimal. The comparisons that decide a flag are done on whole numbers (amounts in 分 of a
万元, shares in millionths) so that SQLite, which stores decimals as floating point, decides exactly like
PostgreSQL at the boundary."""

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
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

from chaindesk.core import clock

from .choices import ACTIVE
from .models import InvestmentPlan, InvestmentReport, Project

FOUR_PLACES = Decimal("0.0001")
# Shares (序时进度, tolerance) are compared in millionths, amounts in 分 (0.01 万元): both whole numbers.
SHARE_SCALE = 1_000_000
SCHEDULE_SCALE = 10_000  # 序时进度 has 4 places: SQL computes it in ten-thousandths
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


def schedule_units(share: Decimal) -> int:
    """序时进度 (4 places) as a whole number of ten-thousandths, the unit SQL computes it in (0.9014 → 9014)."""
    return int(share * SCHEDULE_SCALE)


def tolerance_units() -> int:
    """What a threshold adds to 序时进度, in millionths: minus the tolerance (0 when none is set)."""
    return int((-behind_tolerance() / 100 * SHARE_SCALE).to_integral_value(rounding=ROUND_HALF_UP))


def threshold_from(schedule: Decimal) -> Decimal:
    """The rate below which a project held to `schedule` (4 places) is behind, in millionths: 序时进度 minus
    the tolerance, a whole number, exactly as SQL computes it (``progress_threshold``)."""
    return schedule * SHARE_SCALE + tolerance_units()


class DaysBetween(Func):
    """Whole days from the second date to the first (``later - earlier``), on SQLite and PostgreSQL."""

    arity = 2
    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "CAST(julianday(%(expressions)s) AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, arg_joiner=") - julianday(", **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="((%(expressions)s))", arg_joiner=")::date - (", **extra)


def days_sql(later: str, earlier: str) -> str:
    """``DaysBetween`` in hand-written SQL (the raw summary)."""
    if connection.vendor == "postgresql":
        return f"(({later})::date - ({earlier}))"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def _start_expression() -> Coalesce:
    return Coalesce(F("signed_on"), F("started_on"))


def progress_schedule(year: int, today: dt.date) -> Case:
    """Per project, its 序时进度 in ten-thousandths, as ``schedule_from(start, year, today)`` computes it in
    Python: the whole year's, or for a project that started this year the share from its start
    ((2·10⁴·elapsed + span) div (2·span): 4 places half up, in whole numbers), or nothing owed (a start after
    the year or from today on). Needs the ``progress_start`` alias."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    whens = [When(progress_start__gt=last, then=Value(0))]
    if year == today.year:
        elapsed = DaysBetween(Value(today), F("progress_start"))
        span = DaysBetween(Value(last), F("progress_start"))
        share = ExpressionWrapper(
            (elapsed * 2 * SCHEDULE_SCALE + span) / (span * 2), output_field=BigIntegerField()
        )  # integer division on both databases
        whens += [
            When(progress_start__gte=today, then=Value(0)),
            When(progress_start__gte=first, then=share),
        ]
    default = Value(schedule_units(schedule_for(year, today)))
    return Case(*whens, default=default, output_field=BigIntegerField())


def progress_threshold() -> ExpressionWrapper:
    """Per project, the rate below which it is behind, in millionths, as ``threshold_from`` computes it in
    Python: its 序时进度 minus the tolerance. Needs the ``progress_schedule`` alias."""
    scaled = F("progress_schedule") * (SHARE_SCALE // SCHEDULE_SCALE) + tolerance_units()
    return ExpressionWrapper(scaled, output_field=BigIntegerField())


def stale_cutoff(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=stale_days())


def report_window(year: int, today: dt.date) -> tuple[dt.date, dt.date]:
    """Months of `year` counted as done so far: January up to today's month (all of a past year)."""
    first = dt.date(year, 1, 1)
    if year < today.year:
        return first, dt.date(year, 12, 1)
    return first, today.replace(day=1)


# A rollup may keep each project's reported investment by year and month (the rollups app registers it): the
# progress then joins one row per project instead of summing each project's reports in a subquery of its own.
# Called with the queryset, the year and the window's first and last month; None when it cannot answer.
DoneJoin = Callable[[QuerySet[Project], int, int, int], tuple[QuerySet[Project], Any] | None]
_DONE_JOIN: dict[str, DoneJoin] = {}


def register_done_join(join: DoneJoin | None) -> None:
    """Say where the progress reads each project's investment done (a rollup app, in its ready()); None forgets."""
    if join is None:
        _DONE_JOIN.pop("done", None)
    else:
        _DONE_JOIN["done"] = join


def _with_done(qs: QuerySet[Project], year: int, today: dt.date) -> QuerySet[Project]:
    """`qs` with `done_ytd`: from the registered join when it answers, else summed from the reports."""
    join = _DONE_JOIN.get("done")
    if join is not None:
        first, last = report_window(year, today)
        months = (first.month, last.month) if last.year == year and last >= first else (1, 0)
        joined = join(qs, year, *months)
        if joined is not None:
            qs, done = joined
            return qs.annotate(done_ytd=done)
    return qs.annotate(done_ytd=done_subquery(year, today))


def done_subquery(year: int, today: dt.date) -> Coalesce:
    first, last = report_window(year, today)
    reports = (
        InvestmentReport.objects.filter(project=OuterRef("pk"), month__gte=first, month__lte=last)
        .order_by()
        .values("project")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(reports, output_field=AMOUNT_FIELD), Value(Decimal("0")), output_field=AMOUNT_FIELD)


def cents(expression: Any) -> Cast:
    return Cast(Round(ExpressionWrapper(expression * CENTS, output_field=AMOUNT_FIELD)), BigIntegerField())


def _rate_expression() -> Case:
    """done / plan rounded half up to 4 places, from whole numbers: (2·d·10⁴ + p) div (2·p) / 10⁴."""
    done, plan = cents(F("done_ytd")), cents(F("plan_amount"))
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
            cents(F("plan_amount")) * F("progress_threshold"), output_field=BigIntegerField()
        )
    )


def stale_q(today: dt.date) -> Q:
    """Stale (停滞): active, and no progress update, or the last one more than STALE_DAYS days ago."""
    return Q(stage__in=ACTIVE) & (Q(last_progress_on__isnull=True) | Q(last_progress_on__lt=stale_cutoff(today)))


def annotate_progress(qs: QuerySet[Project], *, year: int, today: dt.date) -> QuerySet[Project]:
    """Annotate plan_amount, done_ytd, rate, is_stale and is_behind (against each project's own 序时进度, see
    ``progress_schedule``), all in SQL so that lists filter and sort on them: the done amount from the rollup's
    one row per project and year when registered and built (else a correlated subquery over the reports), the
    plan through a LEFT JOIN on the unique (project, year) plan, so no row is ever multiplied."""
    # The year's plan is unique per project: a filtered LEFT JOIN adds no rows and, unlike a subquery, is
    # not evaluated again wherever plan_amount is referenced (the rate, the behind rule, the summary sums).
    qs = qs.alias(year_plan=FilteredRelation("investment_plans", condition=Q(investment_plans__year=year)))
    qs = _with_done(
        qs.annotate(plan_amount=ExpressionWrapper(F("year_plan__amount"), output_field=AMOUNT_FIELD)), year, today
    )
    qs = qs.alias(
        done_scaled=ExpressionWrapper(cents(F("done_ytd")) * SHARE_SCALE, output_field=BigIntegerField()),
        progress_start=_start_expression(),
    )
    qs = qs.alias(progress_schedule=progress_schedule(year, today))
    qs = qs.alias(progress_threshold=progress_threshold()).annotate(rate=_rate_expression())
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
    first, last = report_window(year, today)
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
    threshold = threshold_from(schedule) / SHARE_SCALE
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
