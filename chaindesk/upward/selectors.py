"""Reads of items sought from higher levels (上争事项): the list as the URL filters and sorts it."""

from collections.abc import Mapping
from typing import Any

from django.db.models import Q, QuerySet

from chaindesk.core.listing import sort_queryset
from chaindesk.core.params import param_date, param_id, param_text

from .choices import UpwardKind, UpwardLevel, UpwardStage
from .models import UpwardRequest

SORTS = {
    "deadline": "deadline",
    "title": "title",
    "stage": "stage",
    "sought": "amount_sought",
    "obtained": "amount_obtained",
    "created": "created_at",
}


def base_queryset(user: Any) -> QuerySet[UpwardRequest]:
    """The items a user may see, with what a list row shows (the filters: `resources.UPWARD`)."""
    return UpwardRequest.objects.visible_to(user).select_related("department", "chain", "region")


def upward_list(user: Any, params: Mapping[str, str]) -> tuple[QuerySet[UpwardRequest], str]:
    """The user's visible items, filtered and sorted as the URL says (unknown values are ignored)."""
    qs = base_queryset(user)
    if q := param_text(params.get("q")):
        qs = qs.filter(Q(title__icontains=q) | Q(counterpart__icontains=q))
    for key, choices in (("kind", UpwardKind), ("level", UpwardLevel), ("stage", UpwardStage)):
        if params.get(key) in choices.values:
            qs = qs.filter(**{key: params[key]})
    for key in ("department", "chain"):
        if (pk := param_id(params.get(key))) is not None:
            qs = qs.filter(**{f"{key}_id": pk})
    if start := param_date(params.get("deadline_from")):
        qs = qs.filter(deadline__gte=start)
    if end := param_date(params.get("deadline_to")):
        qs = qs.filter(deadline__lte=end)
    return sort_queryset(qs, params.get("sort", ""), SORTS, "deadline")
