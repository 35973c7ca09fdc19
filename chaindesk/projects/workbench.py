"""The 工作台's 项目建设 card (registered with chaindesk.dashboards.cards; dashboards serves it at
/cards/projects/, loaded after the page so the 工作台 itself stays within its query budget)."""

from typing import Any

from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import render

from chaindesk.accounts.choices import OFFICIALS
from chaindesk.accounts.requests import AuthedRequest
from chaindesk.core import clock
from chaindesk.core.permissions import role_required

from .choices import ProjectStage
from .models import Project
from .selectors_progress import investment_summary


def projects_card(user: Any) -> dict[str, Any]:
    """Projects by stage and this year's investment against 序时进度: two aggregate queries."""
    today = clock.today()
    by_stage = dict(
        Project.objects.visible_to(user)
        .order_by()
        .values_list("stage")
        .annotate(n=Count("pk"))
        .values_list("stage", "n")
    )
    stages = [{"value": value, "label": label, "n": by_stage.get(value, 0)} for value, label in ProjectStage.choices]
    total = investment_summary(user, year=today.year, today=today)[-1]
    return {
        "project_stages": stages,
        "project_count": sum(by_stage.values()),
        "investment": total,
        "schedule_percent": total.schedule_percent,  # weighted by the plans, each project from its start
    }


@role_required(*OFFICIALS)
def projects_card_view(request: AuthedRequest) -> HttpResponse:
    """The 项目建设 card, an htmx fragment of the 工作台."""
    return render(request, "projects/partials/workbench_card.html", projects_card(request.user))
