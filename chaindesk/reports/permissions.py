"""Who may do what with briefings.

Creating, editing and generating a briefing, and uploading or deactivating a template, belong to the chain's
service team (city leaders and team members on chains.TeamMember of the chain: meetings.permissions). Reading
follows `Briefing.scope_paths`: the team, and a liaison or department handler who attended the briefing's
meeting."""

from typing import Any

from chaindesk.accounts.choices import OFFICIALS, Role
from chaindesk.meetings.permissions import is_team_of_chain

# Who may open the 报表 pages at all (the menu shows it to OFFICIALS; what each reads is cut by the scope: a district
# administrator reads none, a department handler the briefings of the meetings they attended).
READER_ROLES = OFFICIALS | {Role.DEPT_HANDLER}
TEAM_ROLES = frozenset({Role.CITY_LEADER, Role.TEAM_MEMBER})


def may_write(user: Any, chain_id: int) -> bool:
    """On the team of the chain: creates, edits and generates its briefings, manages its templates."""
    return is_team_of_chain(user, chain_id)
