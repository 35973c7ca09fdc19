"""Shared list-page mechanics: filters and sort from the URL, 50 rows a page."""

from collections.abc import Mapping
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

PAGE_SIZE = 50


def sort_queryset(
    qs: QuerySet[Any], requested: str, allowed: Mapping[str, str], default: str
) -> tuple[QuerySet[Any], str]:
    """Order by a whitelisted key from the URL (`-key` for descending); ties broken by pk."""
    key = requested.lstrip("-")
    if key not in allowed:
        requested, key = default, default.lstrip("-")
    field = allowed[key]
    prefix = "-" if requested.startswith("-") else ""
    return qs.order_by(f"{prefix}{field}", f"{prefix}pk"), requested


def paginate(qs: QuerySet[Any], page_number: str | None, per_page: int = PAGE_SIZE) -> Page:
    return Paginator(qs, per_page).get_page(page_number)
