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

from .models import Notification
from .resources_audit import NOTIFICATIONS, UNREAD, inbox_queryset
from .visibility import get_visible_or_404


def mark_read(*, notifications: QuerySet[Notification], now: datetime | None = None) -> int:
    """Stamp the unread ones among `notifications` (already limited to the reader's own) as read."""
    return notifications.filter(read_at=None).update(read_at=now or clock.now())


@require_GET
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The reader's notifications, newest first, all or (the 未读 tab) only the unread ones: `NOTIFICATIONS`."""
    mine = inbox_queryset(request.user)
    unread_only = NOTIFICATIONS.parse(request.GET)["unread"] == UNREAD
    return NOTIFICATIONS.render(
        request,
        "core/inbox.html",
        mine.unread() if unread_only else mine,
        "",
        title=_("通知"),
        unread_only=unread_only,
        unread_total=mine.unread().count(),
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
