"""The reader's own inbox in the JSON API (/api/notifications/): one notification, mark one read, mark all read,
through the inbox's own `mark_read` (chaindesk/core/views_inbox.py). Each user reaches only their own
notifications (Notification.scope_paths: own): anyone else's is 404, as a missing one is. Any signed-in user has an
inbox, as on the pages.

The list is chaindesk/api/lists.py's (GET /api/notifications/, with the inbox's 未读 filter). As on the pages,
marking read is the reader's own bookkeeping and writes no audit line."""

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.security import django_auth

from .errors import ProblemOut
from .models import Notification
from .resources_audit import NOTIFICATIONS, inbox_queryset
from .schemas import MarkedOut, NotificationOut
from .views_inbox import mark_read
from .visibility import get_visible_or_404

PREFIX = NOTIFICATIONS.api_name
router = Router(tags=["notifications"], auth=django_auth)  # mounted with the API's auth (chaindesk/api/auth.py)


def _own(request: HttpRequest, notification_id: int) -> Notification:
    return get_visible_or_404(inbox_queryset(request.user), notification_id, user=request.user)


# {int:…}: a path segment that is no number (read-all) is not taken for an id.
@router.get("/{int:notification_id}", response={200: NotificationOut, 404: ProblemOut})
def get_notification(request: HttpRequest, notification_id: int) -> Any:
    """One notification of the caller's inbox."""
    return _own(request, notification_id)


@router.post("/{int:notification_id}/read", response={200: NotificationOut, 404: ProblemOut})
def read_notification(request: HttpRequest, notification_id: int) -> Any:
    """Mark one notification read (already read: left as it was)."""
    notification = _own(request, notification_id)
    mark_read(notifications=Notification.objects.filter(pk=notification.pk))
    return _own(request, notification_id)


@router.post("/read-all", response=MarkedOut)
def read_all_notifications(request: HttpRequest) -> dict[str, int]:
    """Mark every unread notification of the caller's inbox read."""
    return {"marked": mark_read(notifications=Notification.objects.visible_to(request.user))}
