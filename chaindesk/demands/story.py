"""The demands' part of the enterprise's story (registered with chaindesk.liaison.extensions): its demands'
milestones on the enterprise timeline, and which visit issues already became a demand."""

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from chaindesk.enterprises.models import Enterprise
from chaindesk.liaison.extensions import IssueDemand, TimelineRow
from chaindesk.liaison.models import VisitIssue

from .choices import DemandStatus
from .models import Demand, DemandEvent
from .selectors import EVENT_LABELS, STATUS_COLOUR

# The steps an enterprise's story tells (submitted, accepted, split, closed and rated …); the tasks' own
# progress stays on the demand's page.
MILESTONES = (
    "submitted",
    "accepted",
    "rejected",
    "merged",
    "task_created",
    "awaiting_confirmation",
    "confirmed",
    "reopened",
)


def demand_milestones(user: Any, enterprise: Enterprise) -> list[TimelineRow]:
    """The milestones of the enterprise's demands the reader may see, one line each: one query."""
    events = (
        DemandEvent.objects.filter(
            demand__enterprise=enterprise,
            demand__in=Demand.objects.visible_to(user).values("pk"),
            kind__in=MILESTONES,
        )
        .select_related("demand", "actor")
        .order_by("created_at", "pk")
    )
    rows = []
    for e in events:
        what = _("诉求“%(title)s”：%(step)s") % {"title": e.demand.title, "step": EVENT_LABELS[e.kind]}
        if e.note and e.kind in ("confirmed", "reopened", "rejected", "task_created"):
            what += f"（{e.note}）"  # the rating, the reason, the department
        who = str(e.actor) if e.actor else _("系统")
        url = reverse("demands:detail", args=[e.demand_id])
        rows.append(TimelineRow(timezone.localdate(e.created_at), who, what, "demand", (e.created_at, e.pk), url=url))
    return rows


def annotate_issue_demands(user: Any, issues: QuerySet[VisitIssue]) -> QuerySet[VisitIssue]:
    """The visit issues with the demand each became (number, title, status, whether `user` may open it), as
    columns of the issues' own query."""
    became = Demand.objects.filter(visit_issue=OuterRef("pk"))
    return issues.annotate(
        became_pk=Subquery(became.values("pk")[:1]),
        became_title=Subquery(became.values("title")[:1]),
        became_status=Subquery(became.values("status")[:1]),
        became_readable=Exists(Demand.objects.visible_to(user).filter(visit_issue=OuterRef("pk"))),
    )


def describe_issue_demand(issue: VisitIssue) -> IssueDemand | None:
    """The demand an issue read through `annotate_issue_demands` became, as the visit list shows it."""
    pk = getattr(issue, "became_pk", None)
    if pk is None:
        return None
    status = issue.became_status  # type: ignore[attr-defined]
    return IssueDemand(
        pk=pk,
        title=issue.became_title,  # type: ignore[attr-defined]
        status=str(DemandStatus(status).label),
        colour=STATUS_COLOUR.get(status, "grey"),
        url=reverse("demands:detail", args=[pk]) if issue.became_readable else "",  # type: ignore[attr-defined]
    )
