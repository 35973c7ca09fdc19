from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from chaindesk.core.navigation import OFFICIALS
from chaindesk.core.permissions import role_required
from chaindesk.core.visibility import get_visible_or_404

from .models import Chain


@role_required(*OFFICIALS)
def chain_list(request: HttpRequest) -> HttpResponse:
    chains = Chain.objects.visible_to(request.user).select_related("chief", "lead_department").with_counts()
    return render(
        request,
        "chains/list.html",
        {"chains": chains, "page_title": _("产业链"), "breadcrumbs": [(_("产业链"), None)]},
    )


@role_required(*OFFICIALS)
def chain_detail(request: HttpRequest, pk: int) -> HttpResponse:
    chain = get_visible_or_404(
        Chain.objects.visible_to(request.user).select_related("chief", "lead_department"),
        pk,
        user=request.user,
    )
    team = chain.team.select_related("user", "user__department", "user__region")
    return render(
        request,
        "chains/detail.html",
        {
            "chain": chain,
            "team": team,
            "regions": chain.regions.all(),
            "page_title": _("%(name)s产业链") % {"name": chain.name},
            "breadcrumbs": [(_("产业链"), reverse("chains:list")), (chain.name, None)],
        },
    )
