"""Reads on projects, always starting from the user's visible set."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Case,
    Count,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)

from chaindesk.chains.models import Chain
from chaindesk.core import clock
from chaindesk.core.listing import sort_queryset
from chaindesk.core.params import param_choice, param_id, param_text
from chaindesk.enterprises.selectors import chain_and_region_rows, descendant_ids, read_choices

from .choices import ACTIVE, FORWARD, ProjectKind, ProjectLevel, ProjectStage
from .models import Project
from .selectors_progress import CYCLE_VALUES, cycle_q
from .selectors_schedule import FLAGS, annotate_progress, flag_filter

# Stages in reading order: the forward path, then 暂停 and 终止.
STAGE_ORDER: tuple[str, ...] = (*FORWARD, ProjectStage.PAUSED, ProjectStage.TERMINATED)

SORTS = {
    "name": "name",
    "investment": "planned_investment",
    "stage": "stage_order",
    "updated": "last_progress_on",
    "created": "created_at",
}


def stage_order() -> Case:
    """The stage as its position on the path, so that a list can be sorted 在谈 → 达产 → 暂停 → 终止."""
    return Case(
        *(When(stage=stage, then=Value(i)) for i, stage in enumerate(STAGE_ORDER)),
        default=Value(len(STAGE_ORDER)),
        output_field=IntegerField(),
    )


def base_queryset(user: Any) -> QuerySet[Project]:
    """The user's projects with everything a list row or a facts card shows, in one query."""
    return Project.objects.visible_to(user).select_related(
        "enterprise", "chain", "node", "region", "liaison", "credited_enterprise", "credited_talent"
    )


# reached=… : the date field of the step reached this year.
REACHED = {
    "signed": "signed_on",
    "started": "started_on",
    "completed": "completed_on",
    "production": "production_on",
}


def project_list(
    user: Any,
    params: dict[str, str],
    *,
    node_parents: dict[int, int | None] | None = None,
    today: dt.date | None = None,
) -> tuple[QuerySet[Project], str]:
    """The filtered, sorted list a user may see.

    Filters: q (project name, owner enterprise or investor name), chain, node (with its descendants;
    `node_parents` saves a query when the caller already holds the trees), region (with its child regions),
    stage, kind, level, flag (behind / stale / stalled, by the investment-progress rules), cycle (a step of
    the chain's 良性循环, landed or in talks: selectors_progress.cycle_q), reached (signed, started, completed or
    in production this year: the date of that step within the year of `today`). Every row carries
    this year's plan, completion and rate against 序时进度 as annotations."""
    today = today or clock.today()
    qs: QuerySet[Project] = base_queryset(user).annotate(stage_order=stage_order())
    q = param_text(params.get("q"))
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(enterprise__name__contains=q) | Q(investor_name__contains=q))
    if (chain := param_id(params.get("chain"))) is not None:
        qs = qs.filter(chain_id=chain)
    if (node_id := param_id(params.get("node"))) is not None:
        qs = qs.filter(node_id__in=descendant_ids(node_id, node_parents))
    if (region := param_id(params.get("region"))) is not None:
        qs = qs.filter(Q(region_id=region) | Q(region__parent_id=region))
    if stage := param_choice(params.get("stage"), ProjectStage.values):
        qs = qs.filter(stage=stage)
    if kind := param_choice(params.get("kind"), ProjectKind.values):
        qs = qs.filter(kind=kind)
    if level := param_choice(params.get("level"), ProjectLevel.values):
        qs = qs.filter(level=level)
    if (cycle := param_choice(params.get("cycle"), list(CYCLE_VALUES))) and (condition := cycle_q(cycle)):
        qs = qs.filter(condition)  # a count of the chain's 良性循环 page, clicked through
    if reached := param_choice(params.get("reached"), list(REACHED)):
        # 本年签约/开工/竣工/投产: the cockpit's funnel and the annual targets count exactly these, clicked through.
        first = today.replace(month=1, day=1)
        qs = qs.filter(**{f"{REACHED[reached]}__range": (first, first.replace(month=12, day=31))})
    qs = with_progress(qs, today)
    if flag := param_choice(params.get("flag"), list(FLAGS)):
        # Every flag needs an active stage: said outright, PostgreSQL walks project_active_created_idx.
        qs = filter_flag(qs.filter(stage__in=ACTIVE), flag, today)
    return sort_queryset(qs, str(params.get("sort", "")), SORTS, "-created")


def with_progress(qs: QuerySet[Project], today: dt.date) -> QuerySet[Project]:
    """This year's plan_amount, done_ytd, rate (against 序时进度), is_behind and is_stale, in the same query."""
    return annotate_progress(qs, year=today.year, today=today)


def filter_flag(qs: QuerySet[Project], flag: str, today: dt.date) -> QuerySet[Project]:
    """Projects behind schedule (behind), without an update for 30 days (stale), or either (stalled)."""
    return flag_filter(qs, flag, year=today.year, today=today)


@dataclass
class FilterChoices:
    chains: list[tuple[int, str]] = field(default_factory=list)
    nodes: list[tuple[int, str]] = field(default_factory=list)  # indented under their chain
    regions: list[tuple[int, str]] = field(default_factory=list)
    node_parents: dict[int, int | None] = field(default_factory=dict)  # the visible chains' trees
    stages: list[tuple[str, str]] = field(default_factory=list)
    kinds: list[tuple[str, str]] = field(default_factory=list)
    levels: list[tuple[str, str]] = field(default_factory=list)


def filter_choices(user: Any) -> FilterChoices:
    """Every filter's options in one UNION query (chains the user sees, their segments, the regions)."""
    read = read_choices(chain_and_region_rows(user))
    return FilterChoices(
        chains=read.of("chain"),
        nodes=read.nodes,
        regions=read.of("region"),
        node_parents=read.node_parents,
        stages=[(s, str(ProjectStage(s).label)) for s in STAGE_ORDER],
        kinds=[(k.value, str(k.label)) for k in ProjectKind],
        levels=[(lv.value, str(lv.label)) for lv in ProjectLevel],
    )


def stage_timeline(project: Project) -> QuerySet[Any]:
    """The project's stage changes, oldest first, with who made them."""
    return project.stage_changes.select_related("actor").order_by("changed_on", "pk")


def counts_by_node(chain: Chain) -> dict[int, int]:
    """The chain map's 项目 column: projects not 终止 placed directly on each segment, in one query."""
    rows = (
        Project.objects.filter(chain=chain, node__isnull=False)
        .exclude(stage=ProjectStage.TERMINATED)
        .order_by()
        .values("node_id")
        .annotate(n=Count("pk"))
        .values_list("node_id", "n")
    )
    return dict(rows)
