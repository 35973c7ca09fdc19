from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from chaindesk.core.navigation import OFFICIALS
from chaindesk.core.permissions import role_required

from .selectors import projects_card, workbench


@login_required
def home(request: HttpRequest) -> HttpResponse:
    context = workbench(request.user)  # type: ignore[arg-type]
    context["page_title"] = _("工作台")
    return render(request, "dashboards/home.html", context)


@role_required(*OFFICIALS)
def projects_card_view(request: HttpRequest) -> HttpResponse:
    """The 项目建设 card, loaded after the page so the 工作台 itself stays within its query budget."""
    return render(request, "dashboards/partials/projects_card.html", projects_card(request.user))  # type: ignore[arg-type]
