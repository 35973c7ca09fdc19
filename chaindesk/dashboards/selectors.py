"""What each role's 工作台 shows: its queue and the few numbers it asks first. Reads only.

The cards come from the apps that own their data (chaindesk/dashboards/cards.py): this module only asks the
role's cards for their numbers and the URLs of the fragments loaded after the page."""

from typing import Any

from chaindesk.core import clock
from chaindesk.core.models import AuditAction, AuditLog

from .cards import cards_for, slot


def workbench(user: Any) -> dict[str, Any]:
    """The context of the 工作台 for this user's role: each card's numbers, and `slots` for the fragments."""
    role = user.role
    data: dict[str, Any] = {"role": role, "slots": {}}
    for card in cards_for(role):
        if card.read is not None:
            data.update(card.read(user))
        if card.url_name:
            data["slots"][card.slot] = slot(card)
    return data


def audit_card(user: Any) -> dict[str, Any]:
    """The audit administrator's card: today's audit lines and the latest security events (core's audit log)."""
    since = clock.localnow().replace(hour=0, minute=0, second=0, microsecond=0)
    watched = [AuditAction.LOGIN_FAILED, AuditAction.LOGIN_LOCKED, AuditAction.PERMISSION_DENIED]
    return {
        "today_count": AuditLog.objects.filter(created_at__gte=since).count(),
        "alerts": list(AuditLog.objects.filter(action__in=watched).select_related("actor")[:10]),
    }
