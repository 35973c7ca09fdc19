"""Small pieces every page view shares: htmx detection, breadcrumbs, a form page's status code."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

Crumb = tuple[str, str | None]


def is_htmx(request: HttpRequest) -> bool:
    """True for a request htmx sent (it swaps a fragment, not the whole page)."""
    return bool(request.headers.get("HX-Request"))


def crumbs(label: str, url_name: str, *extra: Crumb) -> list[Crumb]:
    """Breadcrumbs below the section's list page: `crumbs(_("线索"), "leads:list", (lead.name, None))`."""
    return [(label, reverse(url_name)), *extra]


def form_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """A form page: 200 when shown, 400 when a POST came back with errors (nothing was written)."""
    return render(request, template, context, status=400 if request.method == "POST" else 200)
