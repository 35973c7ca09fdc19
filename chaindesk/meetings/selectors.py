"""Reads of meetings for the list page: the reader's visible meetings, filtered and sorted as the URL says
(the filters are declared in `resources.MEETINGS`, which parses them)."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db.models import Q, QuerySet

from chaindesk.core.listing import sort_queryset

from .models import Meeting

SORTS = {"held": "held_on", "title": "title"}
DEFAULT_SORT = "-held"


def base_queryset(user: Any) -> QuerySet[Meeting]:
    """The meetings a user may see, with what a list row shows."""
    return Meeting.objects.visible_to(user).select_related("chain", "leader", "chair", "region")


def meeting_list(user: Any, filters: Mapping[str, Any], sort: str) -> tuple[QuerySet[Meeting], str]:
    """The user's visible meetings: `filters` are the URL's values as `MEETINGS.parse` gives them (None when
    absent or ignored): q (title or place), kind, held from / to (dates)."""
    qs = base_queryset(user)
    if q := filters.get("q"):
        qs = qs.filter(Q(title__contains=q) | Q(location__contains=q) | Q(region__name__contains=q))
    if kind := filters.get("kind"):
        qs = qs.filter(kind=kind)
    start: dt.date | None = filters.get("from")
    if start is not None:
        qs = qs.filter(held_on__gte=start)
    end: dt.date | None = filters.get("to")
    if end is not None:
        qs = qs.filter(held_on__lte=end)
    return sort_queryset(qs, sort, SORTS, DEFAULT_SORT)
