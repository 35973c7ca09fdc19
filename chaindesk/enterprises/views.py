from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from chaindesk.accounts.models import Region
from chaindesk.chains.models import Chain
from chaindesk.core.listing import paginate
from chaindesk.core.navigation import ENTERPRISE_VIEWERS
from chaindesk.core.permissions import role_required
from chaindesk.core.visibility import get_visible_or_404

from .models import Enterprise
from .selectors import enterprise_list


@role_required(*ENTERPRISE_VIEWERS)
def enterprise_list_view(request: HttpRequest) -> HttpResponse:
    qs, sort = enterprise_list(request.user, request.GET.dict())
    return render(
        request,
        "enterprises/list.html",
        {
            "page_obj": paginate(qs, request.GET.get("page")),
            "sort": sort,
            "filters": request.GET,
            "regions": Region.objects.exclude(level="province"),
            "chains": Chain.objects.visible_to(request.user),
            "page_title": _("企业"),
            "breadcrumbs": [(_("企业"), None)],
        },
    )


@role_required(*ENTERPRISE_VIEWERS)
def enterprise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = get_visible_or_404(
        Enterprise.objects.visible_to(request.user).select_related("region", "liaison"), pk, user=request.user
    )
    return render(
        request,
        "enterprises/detail.html",
        {
            "enterprise": enterprise,
            "chains": enterprise.chains.all(),
            "page_title": enterprise.name,
            "breadcrumbs": [(_("企业"), reverse("enterprises:list")), (enterprise.name, None)],
        },
    )
