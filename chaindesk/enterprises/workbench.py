"""The enterprises' cards of the 工作台 (registered with chaindesk.dashboards.cards): the latest enterprises a
chain team or a district sees, and an enterprise user's own enterprise."""

from typing import Any

from django.db import connection

from chaindesk.accounts.choices import Role

from .models import Enterprise

# Rows of the enterprise table: a district administrator's 工作台 lists more (it has no chain cards above).
TABLE_ROWS = {Role.DISTRICT_ADMIN: 20}


def enterprises_card(user: Any) -> dict[str, Any]:
    """The latest enterprises the user may see and how many they may see: two queries."""
    limit = TABLE_ROWS.get(user.role, 10)
    visible = Enterprise.objects.visible_to(user)
    rows = list(visible.select_related("region", "liaison").order_by("-created_at", "pk")[:limit])
    return {"enterprise_count": visible_count(user), "enterprises": rows}


def visible_count(user: Any) -> int:
    """`Enterprise.objects.count_visible_to(user)`, in one query that is cheap for a team of one chain.

    A chain team sees the enterprises linked to its chains. An enterprise is linked to a chain at most once
    (the link table's unique key), so for a team on one chain (the usual case: a chain chief) the count is
    that chain's links, an index-only count; the DISTINCT over the links, which hashes (and on a province
    spills to disk), is only paid by a team on several chains. The database picks the branch: the other
    subquery is never run."""
    if not (getattr(user, "is_authenticated", False) and user.role in (Role.CITY_LEADER, Role.TEAM_MEMBER)):
        return Enterprise.objects.count_visible_to(user)
    with connection.cursor() as cursor:
        cursor.execute(_TEAM_COUNT, [user.pk, user.pk, user.pk])
        row = cursor.fetchone()
    return int(row[0]) if row else 0


# The team's chains (TeamMember) and the enterprise–chain links (Enterprise.chains); test_enterprises_card.py
# checks the names against the models.
_TEAM_COUNT = (
    "SELECT CASE WHEN (SELECT COUNT(*) FROM chains_teammember WHERE user_id = %s) <= 1"
    " THEN (SELECT COUNT(*) FROM enterprises_enterprise_chains"
    " WHERE chain_id IN (SELECT chain_id FROM chains_teammember WHERE user_id = %s))"
    " ELSE (SELECT COUNT(*) FROM (SELECT DISTINCT enterprise_id FROM enterprises_enterprise_chains"
    " WHERE chain_id IN (SELECT chain_id FROM chains_teammember WHERE user_id = %s)) s)"
    " END"
)


def my_enterprise_card(user: Any) -> dict[str, Any]:
    """An enterprise user's own enterprise: one query."""
    return {"my_enterprise": Enterprise.objects.visible_to(user).select_related("region", "liaison").first()}
