"""The in-app inbox (the bell): each user reads and marks only their own notifications.

Marking read is the reader's own bookkeeping on their own messages, not a change to a business record, so it
is not written to the audit log; every other write in ChainDesk is."""

from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from chaindesk.core import clock

from .listing import paginate
from .models import Notification
from .visibility import get_visible_or_404


def mark_read(*, notifications: QuerySet[Notification], now: datetime | None = None) -> int:
    """Stamp the unread ones among `notifications` (already limited to the reader's own) as read."""
    return notifications.filter(read_at=None).update(read_at=now or clock.now())


@require_GET
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    mine = Notification.objects.visible_to(request.user)
    unread_only = request.GET.get("unread") == "1"
    qs = mine.unread() if unread_only else mine
    page_obj = paginate(qs.only("pk", "kind", "title", "body", "url", "created_at", "read_at"), request.GET.get("page"))
    return render(
        request,
        "core/inbox.html",
        {
            "page_obj": page_obj,
            "notifications": page_obj.object_list,
            "unread_only": unread_only,
            "unread_total": mine.unread().count(),
            "page_title": _("通知"),
            "breadcrumbs": [(_("通知"), None)],
        },
    )


@require_GET
@login_required
def inbox_badge(request: HttpRequest) -> HttpResponse:
    """The bell's unread count, lazy-loaded by htmx so pages pay no query for it."""
    count = Notification.objects.visible_to(request.user).unread().count()
    return render(request, "core/partials/inbox_badge.html", {"unread_count": count})


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("core:inbox")


@require_POST
@login_required
def inbox_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read; with `open`, go on to the page it links to."""
    notification = get_visible_or_404(Notification.objects.visible_to(request.user), pk, user=request.user)
    mark_read(notifications=Notification.objects.filter(pk=notification.pk))
    link = notification.url
    if request.POST.get("open") and link and url_has_allowed_host_and_scheme(link, {request.get_host()}, False):
        return HttpResponseRedirect(link)
    return redirect(_back(request))


@require_POST
@login_required
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    mark_read(notifications=Notification.objects.visible_to(request.user))
    return redirect(_back(request))
