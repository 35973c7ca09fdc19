"""Synthetic investment projects at every stage, with their stage timelines (StageChange), production lines,
annual investment plans and monthly investment reports.

Owners are generated enterprises on their chain node (a tenth are investors not registered yet); some
projects are follow-ons (增资扩产) of an earlier project of the same enterprise, some are 配套 credited to
an enterprise of the same chain, some credited to a talent. Key dates follow the stage: every forward stage
up to the current one (or the one paused or terminated) has its date, in order, none after `today`. Reports
run monthly from the signing month to last month (or to the pause, termination or full production), over
the last HISTORY_YEARS years; a share of projects runs behind 序时进度 and a share stopped reporting more
than 30 days ago (stalled). Project.last_progress_on is the latest stage change or report."""

import datetime as dt
import math
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from chaindesk.accounts.choices import RegionLevel
from chaindesk.accounts.models import Region
from chaindesk.chains.models import ChainNode
from chaindesk.demo import names
from chaindesk.enterprises.models import Enterprise
from chaindesk.network.models import Talent
from chaindesk.projects.choices import ACTIVE, FORWARD, STAGE_DATE_FIELD, ProjectKind, ProjectLevel, ProjectStage
from chaindesk.projects.models import InvestmentPlan, InvestmentReport, ProductionLine, Project, StageChange

from .base import BulkWriter, Context, register, weighted
from .network import synthetic_liaisons
from .registry import first_synthetic_enterprise

STAGE_WEIGHTS = [
    (ProjectStage.NEGOTIATING.value, 14.0),
    (ProjectStage.SIGNED.value, 10.0),
    (ProjectStage.STARTED.value, 10.0),
    (ProjectStage.BUILDING.value, 26.0),
    (ProjectStage.COMPLETED.value, 8.0),
    (ProjectStage.PRODUCING.value, 14.0),
    (ProjectStage.FULL.value, 10.0),
    (ProjectStage.PAUSED.value, 4.0),
    (ProjectStage.TERMINATED.value, 4.0),
]
KIND_WEIGHTS = [
    (ProjectKind.NEW.value, 45.0),
    (ProjectKind.EXTENSION.value, 12.0),
    (ProjectKind.RENOVATION.value, 15.0),
    (ProjectKind.EXPANSION.value, 16.0),
    (ProjectKind.SUPPORTING.value, 12.0),
]
LEVEL_WEIGHTS = [
    (ProjectLevel.PROVINCIAL.value, 3.0),
    (ProjectLevel.CITY.value, 12.0),
    (ProjectLevel.COUNTY.value, 30.0),
    (ProjectLevel.GENERAL.value, 55.0),
]
INVESTOR_SHARE = 0.1  # projects of an investor not registered here yet
TALENT_SHARE = 0.04
BEHIND_SHARE = 0.25  # projects reporting below their plan's monthly pace
STALLED_SHARE = 0.12  # active projects with no stage change for 150 days and no report for two months or more
CURRENT_MONTH_SHARE = 0.7  # of the others, those that have reported this month already
LINE_SHARE = 0.3
HISTORY_YEARS = 2  # plans and reports for this year and the one before
UNITS = ["万平方米", "万只", "吨", "万套", "台"]
DATE_FIELDS = [STAGE_DATE_FIELD[s] for s in FORWARD[1:]]
PROJECT_COLUMNS = (
    "id", "name", "enterprise_id", "investor_name", "chain_id", "node_id", "region_id", "kind", "level", "stage",
    "paused_stage", "status_reason", "description", "planned_investment", "capacity_quantity", "capacity_unit",
    "capacity_period", "land_mu", "expected_output", "expected_tax", "follow_on_of_id", "credited_enterprise_id",
    "credited_talent_id", "liaison_id", "planned_signed_on", "planned_started_on", "planned_completed_on",
    "planned_production_on", "planned_full_production_on", *DATE_FIELDS, "stage_changed_on", "last_progress_on",
    "created_by_id", "created_at",
)  # fmt: skip


@dataclass(frozen=True)
class Owner:
    enterprise: int | None
    chain: int
    node: int
    region: int
    liaison: int | None
    investor: str = ""


@dataclass(frozen=True)
class Timeline:
    """What the child generators need to know about one generated project."""

    pk: int
    dates: tuple[dt.date, ...]  # the key dates of FORWARD[1:], as far as the project got
    end: tuple[str, dt.date, str] | None  # (暂停/终止, date, reason) after the last forward date
    actor: int
    planned: float
    pace: float
    reports_until: dt.date | None  # last month reported (first day), None if never
    last_filed: dt.date | None  # when the last month was reported


def reset(writer: BulkWriter) -> None:
    writer.wipe(
        InvestmentReport._meta.db_table,
        InvestmentPlan._meta.db_table,
        StageChange._meta.db_table,
        ProductionLine._meta.db_table,
        Project._meta.db_table,
    )


def first_synthetic_project(ctx: Context) -> int:
    """The projects generator writes contiguous ids ending at the table's maximum."""
    return ctx.writer.next_id(Project._meta.db_table) - ctx.counts.get("projects", ctx.scale.projects)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _owners(ctx: Context) -> tuple[list[Owner], dict[int, list[Owner]]]:
    """Every generated (enterprise, node) placement, and the placements per chain."""
    first = first_synthetic_enterprise(ctx)
    through = Enterprise.nodes.through._meta.db_table
    qn = ctx.writer.connection.ops.quote_name
    rows = ctx.writer.execute(
        f"SELECT t.enterprise_id, n.chain_id, t.chainnode_id, e.region_id, e.liaison_id FROM {qn(through)} t "  # noqa: S608
        f"JOIN {qn(ChainNode._meta.db_table)} n ON n.id = t.chainnode_id "
        f"JOIN {qn(Enterprise._meta.db_table)} e ON e.id = t.enterprise_id "
        "WHERE t.enterprise_id >= %s ORDER BY t.enterprise_id, t.chainnode_id",
        [first],
    )
    owners = [Owner(*row) for row in rows]
    by_chain: dict[int, list[Owner]] = defaultdict(list)
    for owner in owners:
        by_chain[owner.chain].append(owner)
    return owners, by_chain


def leaf_nodes() -> dict[int, list[tuple[int, str]]]:
    """(node id, name) of every leaf, per chain id."""
    parents = set(ChainNode.objects.exclude(parent=None).values_list("parent_id", flat=True))
    by_chain: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for pk, chain_id, name in ChainNode.objects.order_by("chain", "pk").values_list("pk", "chain_id", "name"):
        if pk not in parents:
            by_chain[chain_id].append((pk, name))
    return by_chain


def _timeline(
    ctx: Context, rng: random.Random, stage: str, stalled: bool
) -> tuple[tuple[dt.date, ...], tuple[str, dt.date, str] | None]:
    """Key dates up to the stage reached, ending at most 300 days before today (at least 150 for a stalled
    project), and the pause or end."""
    end: tuple[str, dt.date, str] | None = None
    reached = FORWARD.index(stage) if stage in FORWARD else rng.randrange(len(FORWARD) - 1)
    last = ctx.today - dt.timedelta(days=rng.randrange(150 if stalled else 0, 300))
    if stage == ProjectStage.PAUSED:
        reasons = names.PAUSE_REASONS
    elif stage == ProjectStage.TERMINATED:
        reasons = names.STOP_REASONS
    else:
        reasons = []
    if reasons:
        end = (stage, last, rng.choice(reasons))
        last -= dt.timedelta(days=rng.randrange(20, 200))
    dates: list[dt.date] = []
    for _ in range(reached):
        dates.append(last)
        last -= dt.timedelta(days=rng.randrange(20, 240))
    return tuple(reversed(dates)), end


def _planned(start: dt.date, rng: random.Random) -> list[str]:
    signed = start
    started = signed + dt.timedelta(days=rng.randrange(30, 120))
    completed = started + dt.timedelta(days=rng.randrange(300, 640))
    production = completed + dt.timedelta(days=rng.randrange(30, 120))
    full = production + dt.timedelta(days=rng.randrange(180, 400))
    return [d.isoformat() for d in (signed, started, completed, production, full)]


def _reports_until(
    ctx: Context,
    rng: random.Random,
    dates: tuple[dt.date, ...],
    end: tuple[str, dt.date, str] | None,
    stalled: bool,
) -> dt.date | None:
    """The last month a project reported investment: never before signing; up to its pause, termination or
    full production; a stalled one 2-5 months ago; else this month (most have reported by the 25th) or last."""
    if not dates:
        return None
    this_month = month_start(ctx.today)
    if end is not None:
        until = month_start(end[1])
    elif len(dates) == len(DATE_FIELDS):  # 达产
        until = month_start(dates[-1])
    elif stalled:
        until = add_months(this_month, -rng.randint(2, 5))
    else:
        until = this_month if rng.random() < CURRENT_MONTH_SHARE else add_months(this_month, -1)
    until = min(until, this_month)
    return until if until >= month_start(dates[0]) else None


@register("projects", reset=reset)
def generate(ctx: Context) -> None:
    rng = ctx.rng("projects")
    writer = ctx.writer
    n = ctx.scale.projects
    owners, by_chain = _owners(ctx)
    liaisons = synthetic_liaisons()
    if not owners or not liaisons:
        raise RuntimeError("synthetic projects need generated enterprises on chain nodes and liaisons")
    leaves = leaf_nodes()
    node_names = {pk: name for chain in leaves.values() for pk, name in chain}
    districts = list(Region.objects.filter(level=RegionLevel.DISTRICT).values_list("pk", flat=True).order_by("pk"))
    talents = list(Talent.objects.order_by("pk").values_list("pk", flat=True))
    first = writer.next_id(Project._meta.db_table)
    stages = weighted(rng, [s for s, _ in STAGE_WEIGHTS], [w for _, w in STAGE_WEIGHTS], n)
    kinds = weighted(rng, [k for k, _ in KIND_WEIGHTS], [w for _, w in KIND_WEIGHTS], n)
    levels = weighted(rng, [v for v, _ in LEVEL_WEIGHTS], [w for _, w in LEVEL_WEIGHTS], n)
    earlier: list[tuple[int, Owner]] = []  # (project id, owner) of projects with a registered owner
    timelines: list[Timeline] = []
    lines: list[tuple[object, ...]] = []

    def rows() -> Iterator[tuple[object, ...]]:
        for i in range(n):
            pk, kind, stage = first + i, kinds[i], stages[i]
            follow_on = credited = talent = None
            if kind == ProjectKind.EXPANSION and earlier:
                follow_on, owner = earlier[rng.randrange(len(earlier))]
            elif rng.random() < INVESTOR_SHARE:
                chain = rng.choice(sorted(leaves))
                node = rng.choice(leaves[chain])[0]
                investor = f"{rng.choice(names.TALENT_CITIES)}{rng.choice(names.FIRM_HEADS)}投资有限公司"
                owner = Owner(None, chain, node, rng.choice(districts), None, investor)
                kind = ProjectKind.NEW if kind == ProjectKind.EXPANSION else kind
            else:
                owner = owners[rng.randrange(len(owners))]
                kind = ProjectKind.NEW if kind == ProjectKind.EXPANSION else kind
            if kind == ProjectKind.SUPPORTING:
                peers = by_chain.get(owner.chain) or owners
                credited = peers[rng.randrange(len(peers))].enterprise
                credited = None if credited == owner.enterprise else credited
            if talents and rng.random() < TALENT_SHARE:
                talent = rng.choice(talents)
            if owner.enterprise is not None:
                earlier.append((pk, owner))
            yield _project_row(ctx, rng, pk, owner, kind, levels[i], stage, (follow_on, credited, talent),
                               liaisons, node_names, timelines, lines)  # fmt: skip

    with writer.bulk_load(Project._meta.db_table, n):
        ctx.counts["projects"] = writer.insert(Project._meta.db_table, PROJECT_COLUMNS, rows())
    writer.reset_sequences(Project)
    _children(ctx, timelines, lines)


def _project_row(
    ctx: Context,
    rng: random.Random,
    pk: int,
    owner: Owner,
    kind: str,
    level: str,
    stage: str,
    links: tuple[int | None, int | None, int | None],
    liaisons: list[int],
    node_names: dict[int, str],
    timelines: list[Timeline],
    lines: list[tuple[object, ...]],
) -> tuple[object, ...]:
    stalled = stage in ACTIVE and rng.random() < STALLED_SHARE
    dates, end = _timeline(ctx, rng, stage, stalled)
    first_day = dates[0] if dates else ctx.today - dt.timedelta(days=rng.randrange(0, 400))
    created = first_day - dt.timedelta(days=rng.randrange(30, 365) if dates else 0)
    planned_dates = _planned(dates[0] if dates else ctx.today + dt.timedelta(days=rng.randrange(20, 200)), rng)
    investment = max(500.0, round(math.exp(rng.gauss(9.4, 0.9)), -2))
    actor = owner.liaison or rng.choice(liaisons)
    pace = rng.uniform(0.3, 0.85) if rng.random() < BEHIND_SHARE else rng.uniform(1.05, 1.35)
    until = _reports_until(ctx, rng, dates, end, stalled)
    filed = min(add_months(until, 1) + dt.timedelta(days=rng.randrange(0, 10)), ctx.today) if until else None
    timelines.append(Timeline(pk, dates, end, actor, investment, pace, until, filed))
    changed = end[1] if end else (dates[-1] if dates else None)
    progress = max(d for d in (changed, filed) if d) if (changed or filed) else None
    product = rng.choice(names.PRODUCTS.get(node_names.get(owner.node, ""), ["新产品"]))
    unit = rng.choice(UNITS)
    if rng.random() < LINE_SHARE:
        for order in range(rng.randint(1, 3)):
            lines.append(
                (pk, f"{product}生产线{order + 1}", rng.randint(1, 4), f"年产 {rng.randint(1, 50) * 100} {unit}", order)
            )  # noqa: E501
    output = investment * rng.uniform(0.8, 2.0)
    name = f"年产{rng.randint(1, 300) * 10}{unit}{product}项目"
    key_dates = [d.isoformat() for d in dates] + [None] * (len(DATE_FIELDS) - len(dates))
    paused_stage = FORWARD[len(dates)] if end and end[0] == ProjectStage.PAUSED else ""
    follow_on, credited, talent = links
    return (
        pk, name, owner.enterprise, owner.investor, owner.chain, owner.node, owner.region, kind, level, stage,
        paused_stage, end[2] if end else "", f"建设{product}生产线及配套设施。", f"{investment:.2f}",
        f"{rng.randint(1, 300) * 10:.2f}", unit, "year", f"{rng.randint(20, 300):.2f}", f"{output:.2f}",
        f"{output * rng.uniform(0.04, 0.08):.2f}", follow_on, credited, talent, owner.liaison, *planned_dates,
        *key_dates, changed.isoformat() if changed else None, progress.isoformat() if progress else None, actor,
        ctx.writer.ts(dt.datetime.combine(created, dt.time(9), tzinfo=dt.UTC)),
    )  # fmt: skip


def _children(ctx: Context, timelines: list[Timeline], lines: list[tuple[object, ...]]) -> None:
    rng = ctx.rng("projects:reports")
    writer = ctx.writer
    stamp = dt.time(9)
    line_columns = ("project_id", "name", "count", "capacity", "sort_order")
    with writer.bulk_load(ProductionLine._meta.db_table, len(lines)):
        ctx.counts["production_lines"] = writer.insert(ProductionLine._meta.db_table, line_columns, lines)

    def changes() -> Iterator[tuple[object, ...]]:
        for t in timelines:
            when = writer.ts(dt.datetime.combine(t.dates[0] if t.dates else ctx.today, stamp, tzinfo=dt.UTC))
            for k, on in enumerate(t.dates):
                yield t.pk, FORWARD[k], FORWARD[k + 1], on.isoformat(), "", t.actor, when
            if t.end is not None:
                yield t.pk, FORWARD[len(t.dates)], t.end[0], t.end[1].isoformat(), t.end[2], t.actor, when

    change_columns = ("project_id", "from_stage", "to_stage", "changed_on", "reason", "actor_id", "created_at")
    with writer.bulk_load(StageChange._meta.db_table, int(len(timelines) * 3.5)):
        ctx.counts["stage_changes"] = writer.insert(StageChange._meta.db_table, change_columns, changes())

    first_year = ctx.today.year - HISTORY_YEARS + 1
    plans: list[tuple[object, ...]] = []

    def reports() -> Iterator[tuple[object, ...]]:
        for t in timelines:
            if t.reports_until is None:
                continue
            month = max(month_start(t.dates[0]), dt.date(first_year, 1, 1))
            # The plan of a year covers the months from the first report (or January) to December.
            base = t.planned * rng.uniform(0.25, 0.55) / 12
            for year in range(first_year, ctx.today.year + 1):
                if dt.date(year, 1, 1) <= t.reports_until and month.year <= year:
                    months = 12 - (month.month - 1 if month.year == year else 0)
                    plans.append((t.pk, year, f"{round(base * months, -1):.2f}"))
            while month <= t.reports_until:
                amount = base * t.pace * rng.uniform(0.8, 1.2)
                filed = add_months(month, 1) + dt.timedelta(days=rng.randrange(0, 10))
                filed = t.last_filed if month == t.reports_until and t.last_filed else filed
                note = rng.choice(names.REPORT_NOTES)
                yield (
                    t.pk,
                    month.isoformat(),
                    f"{amount:.2f}",
                    note,
                    t.actor,
                    writer.ts(dt.datetime.combine(min(filed, ctx.today), stamp, tzinfo=dt.UTC)),
                )
                month = add_months(month, 1)

    report_columns = ("project_id", "month", "amount", "note", "reported_by_id", "reported_at")
    with writer.bulk_load(InvestmentReport._meta.db_table, len(timelines) * 12):
        ctx.counts["investment_reports"] = writer.insert(InvestmentReport._meta.db_table, report_columns, reports())
    with writer.bulk_load(InvestmentPlan._meta.db_table, len(plans)):
        ctx.counts["investment_plans"] = writer.insert(
            InvestmentPlan._meta.db_table, ("project_id", "year", "amount"), plans
        )
