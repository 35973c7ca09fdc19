from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from chaindesk.core.listing import paginate
from chaindesk.core.navigation import OFFICIALS
from chaindesk.core.permissions import role_required
from chaindesk.core.visibility import get_visible_or_404

from .models import Meeting


@role_required(*OFFICIALS)
def meeting_list(request: HttpRequest) -> HttpResponse:
    meetings = Meeting.objects.visible_to(request.user).select_related("chain", "leader", "chair", "region")
    return render(
        request,
        "meetings/list.html",
        {
            "page_obj": paginate(meetings, request.GET.get("page")),
            "page_title": _("会议"),
            "breadcrumbs": [(_("会议"), None)],
        },
    )


@role_required(*OFFICIALS)
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_visible_or_404(
        Meeting.objects.visible_to(request.user).select_related("chain", "leader", "chair", "region"),
        pk,
        user=request.user,
    )
    return render(
        request,
        "meetings/detail.html",
        {
            "meeting": meeting,
            "attendees": meeting.attendees.select_related("department", "region"),
            "page_title": meeting.title,
            "breadcrumbs": [(_("会议"), reverse("meetings:list")), (meeting.title, None)],
        },
    )
