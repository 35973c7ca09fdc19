"""The enterprises' cards of the 工作台 (registered with chaindesk.dashboards.cards): the latest enterprises a
chain team or a district sees, and an enterprise user's own enterprise."""

from typing import Any

from chaindesk.accounts.choices import Role

from .models import Enterprise

# Rows of the enterprise table: a district administrator's 工作台 lists more (it has no chain cards above).
TABLE_ROWS = {Role.DISTRICT_ADMIN: 20}


def enterprises_card(user: Any) -> dict[str, Any]:
    """The latest enterprises the user may see and how many they may see: two queries."""
    limit = TABLE_ROWS.get(user.role, 10)
    visible = Enterprise.objects.visible_to(user)
    rows = list(visible.select_related("region", "liaison").order_by("-created_at", "pk")[:limit])
    return {"enterprise_count": Enterprise.objects.count_visible_to(user), "enterprises": rows}


def my_enterprise_card(user: Any) -> dict[str, Any]:
    """An enterprise user's own enterprise: one query."""
    return {"my_enterprise": Enterprise.objects.visible_to(user).select_related("region", "liaison").first()}
