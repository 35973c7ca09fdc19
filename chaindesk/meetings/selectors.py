"""Reads of meetings for the list page: the reader's visible meetings, filtered and sorted as the URL says
(the filters are declared in `resources.MEETINGS`, which parses them), the chain filter's options and whether the
reader may record a meeting (one query), and what the ledger's rows need."""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from chaindesk.chains.models import Chain, TeamMember
from chaindesk.core.listing import sort_queryset
from chaindesk.demands.permissions import TEAM_ROLES

from .models import Meeting, SiteVisit

SORTS = {"held": "held_on", "title": "title"}
DEFAULT_SORT = "-held"


def base_queryset(user: Any) -> QuerySet[Meeting]:
    """The meetings a user may see, with what a list row shows."""
    return Meeting.objects.visible_to(user).select_related("chain", "leader", "chair", "region")


def meeting_list(user: Any, filters: Mapping[str, Any], sort: str) -> tuple[QuerySet[Meeting], str]:
    """The user's visible meetings: `filters` are the URL's values as `MEETINGS.parse` gives them (None when
    absent or ignored): q (title or place), chain, kind, held from / to (dates)."""
    qs = base_queryset(user)
    if q := filters.get("q"):
        qs = qs.filter(Q(title__contains=q) | Q(location__contains=q) | Q(region__name__contains=q))
    if chain := filters.get("chain"):
        qs = qs.filter(chain_id=chain)
    if kind := filters.get("kind"):
        qs = qs.filter(kind=kind)
    start: dt.date | None = filters.get("from")
    if start is not None:
        qs = qs.filter(held_on__gte=start)
    end: dt.date | None = filters.get("to")
    if end is not None:
        qs = qs.filter(held_on__lte=end)
    return sort_queryset(qs, sort, SORTS, DEFAULT_SORT)


@dataclass(frozen=True)
class ListChoices:
    """The chain filter's options (the chains the reader sees) and the chains whose team the reader is on (who
    may record a meeting there)."""

    chains: list[tuple[int, str]]
    team_chains: frozenset[int]

    @property
    def may_create(self) -> bool:
        return bool(self.team_chains)


def list_choices(user: Any) -> ListChoices:
    """One query: the chains the user sees, each marked when the user is on its team."""
    on_team = TeamMember.objects.filter(chain=OuterRef("pk"), user_id=user.pk)
    rows = Chain.objects.visible_to(user).annotate(mine=Exists(on_team)).values_list("pk", "name", "mine")
    team_role = getattr(user, "role", None) in TEAM_ROLES
    chains, mine = [], set()
    for pk, name, on in rows:
        chains.append((pk, name))
        if on and team_role:
            mine.add(pk)
    return ListChoices(chains=chains, team_chains=frozenset(mine))


def ledger_queryset(qs: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """What the ledger's (and the API list's) rows read besides the list's joins: the stops visited."""
    stops = SiteVisit.objects.select_related("enterprise", "project").order_by("seq", "pk")
    return qs.prefetch_related(Prefetch("site_visits", queryset=stops))
