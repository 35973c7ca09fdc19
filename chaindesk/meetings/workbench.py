"""The 近期会议 card of the officials' 工作台 (registered with chaindesk.dashboards.cards)."""

from typing import Any

from chaindesk.core import clock

from .models import Meeting


def meetings_card(user: Any) -> dict[str, Any]:
    """The five latest meetings the user may see, and among them the latest already held (最近一次会议: a
    planned meeting is the 下次会议 card's, not the last one held). One query."""
    meetings = list(Meeting.objects.visible_to(user).select_related("chain", "leader", "region")[:5])
    today = clock.today()
    return {"meetings": meetings, "latest_held": next((m for m in meetings if m.held_on <= today), None)}
