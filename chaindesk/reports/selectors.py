"""Reads of briefings: the list as the URL filters and sorts it (each row with its latest version's state, in the
same query), one briefing with its versions, and the templates a reader may see."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery

from chaindesk.chains.models import Chain
from chaindesk.core.listing import sort_queryset

from .models import Briefing, BriefingTemplate, BriefingVersion

SORTS = {"dated": "dated_on", "title": "title", "number": "number"}
DEFAULT_SORT = "-dated"


def with_latest_version(qs: QuerySet[Briefing]) -> QuerySet[Briefing]:
    """Each briefing's latest version number and status (correlated subqueries: no extra query, no fan-out)."""
    latest = BriefingVersion.objects.filter(briefing=OuterRef("pk")).order_by("-n")
    return qs.annotate(latest_n=Subquery(latest.values("n")[:1]), latest_status=Subquery(latest.values("status")[:1]))


def base_queryset(user: Any) -> QuerySet[Briefing]:
    """The briefings a user may see, with what a list row shows."""
    return with_latest_version(Briefing.objects.visible_to(user).select_related("chain", "meeting"))


def briefing_list(user: Any, filters: Mapping[str, Any], sort: str) -> tuple[QuerySet[Briefing], str]:
    """The user's visible briefings: `filters` as `BRIEFINGS.parse` gives them (None when absent or ignored): q
    (title), chain, kind, dated from / to."""
    qs = base_queryset(user)
    if q := filters.get("q"):
        qs = qs.filter(Q(title__contains=q) | Q(meeting__title__contains=q))
    if (chain := filters.get("chain")) is not None:
        qs = qs.filter(chain_id=chain)
    if kind := filters.get("kind"):
        qs = qs.filter(kind=kind)
    start: dt.date | None = filters.get("from")
    if start is not None:
        qs = qs.filter(dated_on__gte=start)
    end: dt.date | None = filters.get("to")
    if end is not None:
        qs = qs.filter(dated_on__lte=end)
    return sort_queryset(qs, sort, SORTS, DEFAULT_SORT)


def chain_options(user: Any) -> list[tuple[int, str]]:
    """The chains of the filter bar: those whose briefings the user may see (every chain for the roles that read
    their outline; the list itself is still cut by the scope). One query."""
    return list(Chain.objects.visible_to(user).order_by("sort_order", "code").values_list("pk", "name"))


def versions_of(briefing: Briefing) -> list[BriefingVersion]:
    """The briefing's versions, newest first, with who made them and with which template (one query)."""
    return list(briefing.versions.select_related("created_by", "template").order_by("-n"))


def templates_for(user: Any) -> QuerySet[BriefingTemplate]:
    """The templates of the chains whose team the user is on, active first."""
    return BriefingTemplate.objects.visible_to(user).select_related("chain", "uploaded_by")
