"""Who may do what in one-to-one service. The services enforce these; the views use them to show buttons.

- assign or hand over a liaison: a city leader or team member of a chain the enterprise is on, or the
  district admin of its district;
- log or edit a visit (and add or remove its photos): the enterprise's liaison, its linked city leader, and the
  team of its chains;
- mark a next step done: its owner, and whoever may log visits on the enterprise;
- read visits: whoever may see the enterprise; enterprise users see dates, kinds and who came, never the
  internal notes, issues or next steps; the timeline (with the audit lines) is for officials only.
- a city-wide system actor (chaindesk.core.actors: DEMO, IMPORT) writes unattended (demo loader, imports),
  audited under its name (系统·演示数据).
"""

from typing import Any

from chaindesk.accounts.choices import Role
from chaindesk.chains.models import TeamMember
from chaindesk.core.actors import is_system
from chaindesk.core.privacy import reads_staff_fields
from chaindesk.enterprises.models import Enterprise

CHAIN_ROLES = (Role.CITY_LEADER, Role.TEAM_MEMBER)


def _on_team(user: Any, enterprise: Enterprise) -> bool:
    return TeamMember.objects.filter(user=user, chain__in=enterprise.chains.values("pk")).exists()


def may_assign(user: Any, enterprise: Enterprise) -> bool:
    if is_system(user):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role in CHAIN_ROLES:
        return _on_team(user, enterprise)
    if user.role == Role.DISTRICT_ADMIN and user.region_id:
        return enterprise.region_id in user.region.subtree_ids()
    return False


def may_log_visit(user: Any, enterprise: Enterprise, *, visible: bool = False) -> bool:
    """`visible=True` when the caller already knows the user sees the enterprise: for chain roles that
    means they are on one of its chains, so no query is needed."""
    if is_system(user):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    if user.pk in (enterprise.liaison_id, enterprise.leader_id):
        return True
    if user.role in CHAIN_ROLES:
        return visible or _on_team(user, enterprise)
    return False


def sees_internal_notes(user: Any) -> bool:
    """Officials read a visit's notes, issues and next steps; enterprise users do not (core.privacy)."""
    return reads_staff_fields(user)
