"""The enterprise portal's project list (issue 11, item 13): an enterprise user sees their own projects as a simple
list (name, stage, the next planned milestone, link), not the officials' ledger (no internal filters, no
investment progress buttons, no export). `projects.views.project_list_view` hands enterprise users here."""

import datetime as dt
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _

from chaindesk.accounts.requests import AuthedRequest
from chaindesk.core.listing import portal_page

from .choices import FORWARD, ProjectStage
from .models import Project
from .selectors import base_queryset

# The planned date of reaching each stage (a stage without one, such as 在建, has no milestone of its own).
PLANNED_ON: dict[str, str] = {
    ProjectStage.SIGNED: "planned_signed_on",
    ProjectStage.STARTED: "planned_started_on",
    ProjectStage.COMPLETED: "planned_completed_on",
    ProjectStage.PRODUCING: "planned_production_on",
    ProjectStage.FULL: "planned_full_production_on",
}


def next_milestone(project: Project) -> tuple[str, dt.date | None]:
    """The next stage on the forward path that has a planned date, and that date (("", None) for a project at
    its end, paused or terminated)."""
    if project.stage not in FORWARD:
        return "", None
    for stage in FORWARD[FORWARD.index(project.stage) + 1 :]:
        planned = getattr(project, PLANNED_ON[stage]) if stage in PLANNED_ON else None
        if planned is not None:
            return str(ProjectStage(stage).label), planned
    return "", None


def _rows(rows: list[Project]) -> list[Any]:
    for p in rows:
        p.next_stage, p.next_on = next_milestone(p)  # type: ignore[attr-defined]
    return rows


def project_portal(request: AuthedRequest) -> HttpResponse:
    """我的项目: the enterprise's projects by name, 50 a page (two queries: the count and the page)."""
    qs = base_queryset(request.user).order_by("name", "pk")
    return portal_page(
        request, qs, template="projects/portal_list.html", title=_("我的项目"), count=_("共 %(n)s 个"), decorate=_rows
    )
