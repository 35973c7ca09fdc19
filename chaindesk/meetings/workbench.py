"""The 近期会议 card of the officials' 工作台 (registered with chaindesk.dashboards.cards)."""

from typing import Any

from .models import Meeting


def meetings_card(user: Any) -> dict[str, Any]:
    """The five latest meetings the user may see: one query."""
    return {"meetings": list(Meeting.objects.visible_to(user).select_related("chain", "leader", "region")[:5])}
