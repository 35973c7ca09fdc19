"""Reads on the enterprise registry, always starting from the user's visible set."""

from typing import Any

from django.db.models import Q, QuerySet

from chaindesk.core.listing import sort_queryset

from .models import Enterprise

SORTS = {"name": "name", "region": "region__code", "founded": "founded_on", "created": "created_at"}


def enterprise_list(user: Any, params: dict[str, str]) -> tuple[QuerySet[Enterprise], str]:
    """The filtered, sorted list a user may see. Filters: q (name or USCC), region, chain."""
    qs = Enterprise.objects.visible_to(user).select_related("region", "liaison")
    q = params.get("q", "").strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(uscc__startswith=q.upper()))
    if params.get("region", "").isdigit():
        region = int(params["region"])
        qs = qs.filter(Q(region_id=region) | Q(region__parent_id=region))
    if params.get("chain", "").isdigit():
        qs = qs.filter(chains__id=int(params["chain"]))
    return sort_queryset(qs, params.get("sort", ""), SORTS, "name")
