"""Who opens the cockpit (驾驶舱).

The chain chiefs (市领导) and their service teams: the city page over every chain they serve, a chain's page over
that chain; a district administrator: the same pages cut to the district (every figure is read through
`visible_to`, so the cut needs no rule of its own). A liaison, a department handler, an enterprise user and the
two administrators have no cockpit: their work is a queue, not a chain's year (403)."""

from chaindesk.accounts.choices import Role

COCKPIT_VIEWERS = frozenset({Role.CITY_LEADER, Role.TEAM_MEMBER, Role.DISTRICT_ADMIN})
# The 督办 queue (where the overdue tasks click through) is the service team's page.
SUPERVISION_READERS = frozenset({Role.CITY_LEADER, Role.TEAM_MEMBER})
