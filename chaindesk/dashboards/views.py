from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .selectors import workbench


@login_required
def home(request: HttpRequest) -> HttpResponse:
    context = workbench(request.user)
    context["page_title"] = _("工作台")
    return render(request, "dashboards/home.html", context)
