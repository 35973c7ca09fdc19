"""Who may do what with a meeting's decisions (议定事项).

Recording, correcting, deleting a decision and turning it into a demand belong to the chain's service team:
city leaders (链长) and team members on the team (chains.TeamMember) of the meeting's chain. Everyone else who
sees the meeting (district admins, attending liaisons and department handlers) reads them only."""

from typing import Any

from chaindesk.chains.models import TeamMember
from chaindesk.demands.permissions import TEAM_ROLES

from .models import Meeting


def is_team_of_chain(user: Any, chain_id: int) -> bool:
    """A city leader or team member on the team of the chain (the same test as demands.permissions.is_team_of,
    for a chain rather than an enterprise's chains)."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", True):
        return False
    if user.role not in TEAM_ROLES:
        return False
    return TeamMember.objects.filter(user=user, chain_id=chain_id).exists()


def can_manage_decisions(user: Any, meeting: Meeting) -> bool:
    return is_team_of_chain(user, meeting.chain_id)
