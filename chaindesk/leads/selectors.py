"""Reads on leads, always starting from Lead.objects.visible_to(user)."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from chaindesk.accounts.models import User
from chaindesk.chains.models import Chain
from chaindesk.core import clock
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.core.params import param_id, param_text
from chaindesk.enterprises.selectors import chain_and_region_rows, choice_rows, descendant_ids, read_choices

from .choices import OPEN, LeadSource, LeadStage
from .models import Lead, LeadFollowUp

# Sort keys in the URL → model fields. Nullable columns keep their empty values last in both directions.
SORTS = {
    "created": "created_at",
    "title": "title",
    "investment": "estimated_investment",
    "next": "next_action_on",
    "followed": "last_follow_up_on",
    "stage": "stage_changed_on",
}
DEFAULT_SORT = "-created"
OPEN_FILTER = "open"  # the stage filter's pseudo-value for every open stage
QUEUE_HORIZON_DAYS = 7

STAGE_COLOURS = {
    LeadStage.NEW: "grey",
    LeadStage.CONTACTED: "blue",
    LeadStage.INSPECTED: "blue",
    LeadStage.NEGOTIATING: "purple",
    LeadStage.SIGNED: "green",
    LeadStage.ABANDONED: "red",
}


def sort_leads(qs: QuerySet[Lead], requested: str) -> tuple[QuerySet[Lead], str]:
    key = requested.lstrip("-")
    if key not in SORTS:
        requested, key = DEFAULT_SORT, DEFAULT_SORT.lstrip("-")
    name = SORTS[key]
    descending = requested.startswith("-")
    if not Lead._meta.get_field(name).null:
        # No NULL to place: a plain ORDER BY, which PostgreSQL reads off the column's index (created_at DESC NULLS
        # LAST cannot use it, and sorted a province's 170k leads for every first page).
        prefix = "-" if descending else ""
        return qs.order_by(f"{prefix}{name}", f"{prefix}pk"), requested
    column = F(name)
    if descending:
        return qs.order_by(column.desc(nulls_last=True), "-pk"), requested
    return qs.order_by(column.asc(nulls_last=True), "pk"), requested


def base_queryset(user: Any) -> QuerySet[Lead]:
    """The leads a user may see, with what a list row shows (the filters: `resources.LEADS`)."""
    return Lead.objects.visible_to(user).select_related("chain", "node", "owner", "region")


def lead_list(
    user: Any, params: dict[str, str], *, node_parents: dict[int, int | None] | None = None
) -> tuple[QuerySet[Lead], str]:
    """The filtered, sorted leads a user may see. Filters: q (title or investor), chain, node (with the
    segments below it), source, stage (or "open"), owner, region (with the districts below it)."""
    qs = base_queryset(user)
    q = param_text(params.get("q"))
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(investor__icontains=q))
    if (chain := param_id(params.get("chain"))) is not None:
        qs = qs.filter(chain_id=chain)
    if (node_id := param_id(params.get("node"))) is not None:
        qs = qs.filter(node_id__in=descendant_ids(node_id, node_parents))
    source = params.get("source", "")
    if source in LeadSource.values:
        qs = qs.filter(source=source)
    stage = params.get("stage", "")
    if stage == OPEN_FILTER:
        qs = qs.filter(stage__in=OPEN)
    elif stage in LeadStage.values:
        qs = qs.filter(stage=stage)
    if (owner := param_id(params.get("owner"))) is not None:
        qs = qs.filter(owner_id=owner)
    if (region := param_id(params.get("region"))) is not None:
        qs = qs.filter(Q(region_id=region) | Q(region__parent_id=region))
    return sort_leads(qs, params.get("sort", ""))


def with_export_columns(qs: QuerySet[Lead]) -> QuerySet[Lead]:
    return qs.select_related("referrer", "talent", "rd_partner", "project")


@dataclass
class FilterChoices:
    chains: list[tuple[int, str]] = field(default_factory=list)
    nodes: list[tuple[int, str]] = field(default_factory=list)
    regions: list[tuple[int, str]] = field(default_factory=list)
    owners: list[tuple[int, str]] = field(default_factory=list)
    node_parents: dict[int, int | None] = field(default_factory=dict)


def filter_choices(user: Any) -> FilterChoices:
    """Every filter's options in one UNION query: the user's chains and their segments, the regions, and
    the owners of the leads the user sees."""
    owners = User.objects.filter(pk__in=Lead.objects.visible_to(user).values("owner_id"))
    read = read_choices(
        [
            *chain_and_region_rows(user),
            choice_rows(owners, "owner", name="display_name"),
        ],
        by_name={"owner"},
    )
    return FilterChoices(
        chains=read.of("chain"),
        nodes=read.nodes,
        regions=read.of("region"),
        owners=read.of("owner"),
        node_parents=read.node_parents,
    )


def _queue_condition(today: dt.date) -> Q:
    horizon = today + dt.timedelta(days=QUEUE_HORIZON_DAYS)
    return Q(next_action_on__lte=horizon) | Q(next_action_on__isnull=True)


def follow_up_queue(user: Any, today: dt.date | None = None) -> QuerySet[Lead]:
    """The owner's open leads whose next action falls due within a week (overdue first), then the open
    leads with no next action planned (oldest follow-up first)."""
    today = today or clock.today()
    return (
        Lead.objects.filter(owner=user, stage__in=OPEN)
        .filter(_queue_condition(today))
        .select_related("chain", "node")
        .order_by(
            F("next_action_on").asc(nulls_last=True),
            F("last_follow_up_on").asc(nulls_first=True),
            "pk",
        )
    )


def queue_counts(user: Any, today: dt.date | None = None) -> dict[str, int]:
    """For a 工作台 card, in one query: overdue, due within a week (incl. overdue), and unplanned leads."""
    today = today or clock.today()
    horizon = today + dt.timedelta(days=QUEUE_HORIZON_DAYS)
    counts = Lead.objects.filter(owner=user, stage__in=OPEN).aggregate(
        overdue=Count("pk", filter=Q(next_action_on__lt=today)),
        due=Count("pk", filter=Q(next_action_on__lte=horizon)),
        unplanned=Count("pk", filter=Q(next_action_on__isnull=True)),
    )
    return {key: int(value or 0) for key, value in counts.items()}


def open_counts_by_node(chain: Chain) -> dict[int, int]:
    """The chain map's 线索 column: open leads placed on each segment of `chain`, in one query."""
    rows = (
        Lead.objects.filter(chain=chain, stage__in=OPEN, node__isnull=False)
        .values("node_id")
        .annotate(n=Count("pk"))
        .values_list("node_id", "n")
        .order_by()
    )
    return {node_id: n for node_id, n in rows}


@dataclass(frozen=True)
class TimelineRow:
    on: dt.date | None
    at: dt.datetime
    who: str
    kind: str  # "created" | "stage" | "follow_up" | "project"
    text: str
    stage: str = ""
    detail: str = ""


def _stage_rows(lead: Lead) -> list[TimelineRow]:
    rows: list[TimelineRow] = []
    entries = (
        AuditLog.objects.for_object(lead)
        .filter(
            Q(action__in=[AuditAction.CREATE, AuditAction.TRANSITION])
            | Q(action=AuditAction.UPDATE, after__has_key="project")
        )
        .select_related("actor")
    )
    for entry in entries.order_by("created_at", "pk"):
        who = entry.actor.display_name if entry.actor else (entry.actor_name or _("系统"))
        after = entry.after or {}
        if entry.action == AuditAction.CREATE:
            rows.append(TimelineRow(timezone.localdate(entry.created_at), entry.created_at, who, "created", ""))
            continue
        if entry.action == AuditAction.UPDATE:  # signed: the project it became
            on_day = lead.stage_changed_on or timezone.localdate(entry.created_at)
            rows.append(TimelineRow(on_day, entry.created_at, who, "project", entry.message))
            continue
        stage = str(after.get("stage", ""))
        on = dt.date.fromisoformat(after["stage_changed_on"]) if after.get("stage_changed_on") else None
        label = str(LeadStage(stage).label) if stage in LeadStage.values else stage
        rows.append(TimelineRow(on, entry.created_at, who, "stage", label, stage=stage, detail=entry.message))
    return rows


def lead_timeline(lead: Lead, follow_ups: list[LeadFollowUp]) -> list[TimelineRow]:
    """The lead's ledger, oldest first: recorded, each stage change (from the audit trail) and follow-up."""
    rows = _stage_rows(lead)
    for f in follow_ups:
        who = f.created_by.display_name if f.created_by_id else ""
        rows.append(TimelineRow(f.followed_on, f.created_at, who, "follow_up", f.notes, detail=f.next_action))
    return sorted(rows, key=lambda r: (r.on or timezone.localdate(r.at), r.at))


def enterprise_leads(user: Any, enterprise_id: int) -> QuerySet[Lead]:
    """Leads this enterprise referred (以商引商), as far as the user may see them."""
    return (
        Lead.objects.visible_to(user)
        .filter(referrer_id=enterprise_id)
        .select_related("chain", "node", "owner", "project")
        .order_by("-created_at", "-pk")
    )


def talent_leads(user: Any, talent_id: int) -> QuerySet[Lead]:
    """Leads credited to this hometown talent, as far as the user may see them."""
    return (
        Lead.objects.visible_to(user)
        .filter(talent_id=talent_id)
        .select_related("chain", "node", "owner", "project")
        .order_by("-created_at", "-pk")
    )
