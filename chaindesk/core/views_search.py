"""The global search: a page (`/search/?q=`) and, for htmx, the header's dropdown of the same results."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .pages import is_htmx
from .search import MIN_CHARS, PER_KIND, search


@require_GET
@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    """Enterprises, projects, leads, demands and meetings the reader may see whose name (title, USCC …) holds
    the keyword, grouped by kind: one query per kind, none below `MIN_CHARS` characters."""
    results = search(request.user, request.GET.get("q"))
    context = {"results": results, "min_chars": MIN_CHARS, "per_kind": PER_KIND, "page_title": _("全局搜索")}
    if is_htmx(request):
        if not results.q:
            return HttpResponse("")  # the box was cleared: the dropdown closes
        return render(request, "core/partials/search_results.html", {**context, "dropdown": True})
    return render(request, "core/search.html", context)
