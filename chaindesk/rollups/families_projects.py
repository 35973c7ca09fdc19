"""Each project's reported investment per year and month, as a rollup (the family `project_years`).

The investment progress (`chaindesk.projects.selectors_schedule.annotate_progress`: the summaries, the 工作台's
项目建设 card, the cockpit's stalled projects, the project list's flags) needs every project's investment done so
far this year. Read from the reports that is a sum per project, each by its own subquery: seconds over a
province's projects. This family keeps one row per project and year with the twelve months' amounts, so the
progress joins one row per project and adds the months of its window.

A change touches the block (`BLOCK` project ids) of the project it concerns: a report created, changed or deleted
(its project, month or amount), a project deleted. Bulk loads that bypass the services need
`chaindesk rollups --rebuild`."""

import functools
import operator
from collections import defaultdict
from collections.abc import Collection, Iterator
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import F, FilteredRelation, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from chaindesk.core import clock
from chaindesk.core.listeners import Change
from chaindesk.projects.models import InvestmentPlan, InvestmentReport, Project
from chaindesk.projects.selectors_schedule import AMOUNT_FIELD, cents, flag_filter

from .families import Family, Rows, block_batches, block_parts, blocks_of
from .models import MONTHS, NEVER, ProjectStall, ProjectYear

BLOCK = 256  # project ids per partition: a report's refresh reads a block's reports (a few thousand at most)
REBUILD_BLOCKS = 128  # blocks a rebuild computes at a time (32,768 project ids)
REPORT_FIELDS = ("project", "month", "amount")


class ProjectYears(Family):
    def sources(self) -> tuple[type[models.Model], ...]:
        return (InvestmentReport, Project)

    def live(self, partitions: Collection[Any] | None) -> Rows:
        parts = block_parts(partitions, "project_id", BLOCK)
        months: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * 12)
        for where in parts:
            reports = InvestmentReport.objects.filter(where).order_by().annotate(c=cents(F("amount")))
            for project_id, month, amount in reports.values_list("project_id", "month", "c"):
                months[(project_id // BLOCK, project_id, month.year)][month.month - 1] += int(amount or 0)
        return {key: tuple(values) for key, values in months.items()}

    def touched(self, change: Change) -> set[Any]:
        if change.model is Project:  # a deleted project's reports went with it
            return {int(change.pk) // BLOCK} if change.after is None else set()
        return blocks_of(change, REPORT_FIELDS, "project", BLOCK)

    def batches(self) -> Iterator[Collection[Any] | None]:
        return block_batches(Project, BLOCK, REBUILD_BLOCKS)


PROJECT_YEARS = ProjectYears(
    name="project_years",
    label="项目年度完成投资",
    model=ProjectYear,
    partition="block",
    keys=("block", "project_id", "year"),
    measures=MONTHS,
)


def done_join(
    qs: QuerySet[Project], year: int, first_month: int, last_month: int
) -> tuple[QuerySet[Project], Any] | None:
    """`qs` joined to its projects' rows of `year`, and the investment done in months first … last (万元, 0 without
    reports); None when the progress must sum the reports (rollups switched off, the family not built)."""
    from . import engine  # not at import time: the registry, which the engine imports, imports this module

    if not engine.ready(PROJECT_YEARS.name):
        return None
    zero = Value(Decimal("0"), output_field=AMOUNT_FIELD)
    if last_month < first_month:
        return qs, zero
    qs = qs.alias(done_row=FilteredRelation("rollup_years", condition=Q(rollup_years__year=year)))
    total = functools.reduce(
        operator.add, (F(f"done_row__{MONTHS[m - 1]}") for m in range(first_month, last_month + 1))
    )
    done = models.ExpressionWrapper(total * Value(Decimal("0.01")), output_field=AMOUNT_FIELD)
    return qs, Coalesce(done, zero, output_field=AMOUNT_FIELD)


# --- 停滞项目: the projects stalled today -------------------------------------------------------------------

PLAN_FIELDS = ("project", "year", "amount")


class ProjectStalls(Family):
    """The projects stalled today (`ProjectStall`): `flag_filter(…, "stalled")` per block of projects. Whether a
    project is behind depends on the day (序时进度 grows every day; 30 days without an update make it stale), so
    the rows hold for the day they were computed: `daily`, read only on the day of the last rebuild. A write
    touches the block of its project: the project itself (its stage, dates, chain, region, last update), its
    reports and its plans. Changing the tolerance or the days that make a project stale needs a rebuild."""

    daily = True

    def sources(self) -> tuple[type[models.Model], ...]:
        return (Project, InvestmentReport, InvestmentPlan)

    def live(self, partitions: Collection[Any] | None) -> Rows:
        today = clock.today()
        parts = block_parts(partitions, "pk", BLOCK)
        rows: Rows = {}
        planned = cents(F("planned_investment"))
        for where in parts:
            stalled = flag_filter(Project.objects.filter(where), "stalled", year=today.year, today=today)
            values = stalled.order_by().annotate(planned_cents=planned)
            for pk, chain_id, region_id, last, amount, behind, stale in values.values_list(
                "pk", "chain_id", "region_id", "last_progress_on", "planned_cents", "is_behind", "is_stale"
            ):
                key = (pk // BLOCK, pk, chain_id, region_id, last or NEVER, -1 if amount is None else int(amount))
                rows[key] = (bool(behind), bool(stale))
        return rows

    def touched(self, change: Change) -> set[Any]:
        if change.model is Project:
            return {int(change.pk) // BLOCK}
        if change.model is InvestmentPlan:
            return blocks_of(change, PLAN_FIELDS, "project", BLOCK)
        return blocks_of(change, REPORT_FIELDS, "project", BLOCK)

    def batches(self) -> Iterator[Collection[Any] | None]:
        return block_batches(Project, BLOCK, REBUILD_BLOCKS)


PROJECT_STALLS = ProjectStalls(
    name="project_stalls",
    label="停滞项目",
    model=ProjectStall,
    partition="block",
    keys=("block", "project_id", "chain_id", "region_id", "updated_on", "planned_cents"),
    measures=("is_behind", "is_stale"),
)
