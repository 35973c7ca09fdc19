"""Shared list-page mechanics: filters and sort from the URL, 50 rows a page."""

from collections.abc import Callable, Mapping
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .templatetags.cd import intcomma_cn

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


def portal_page(
    request: HttpRequest,
    qs: QuerySet[Any],
    *,
    template: str,
    title: str,
    count: str,
    decorate: Callable[[list[Any]], list[Any]],
) -> HttpResponse:
    """An enterprise portal list (我的诉求, 我的项目): the reader's own rows 50 a page (two queries: the count and the
    page), each decorated, the count as `count` words it ("共 %(n)s 条"), the title as the only breadcrumb."""
    page_obj = paginate(qs, request.GET.get("page"))
    context = {
        "page_obj": page_obj,
        "rows": decorate(list(page_obj.object_list)),
        "count_text": count % {"n": intcomma_cn(page_obj.paginator.count)},
        "page_title": title,
        "breadcrumbs": [(title, None)],
    }
    return render(request, template, context)
