"""Shared list-page mechanics: filters and sort from the URL, 50 rows a page, and the count above the table.

A list of hundreds of thousands of rows cannot be counted exactly on every page view (the COUNT(*) was most of a
province list page's time), so a page may ask for an estimated total (`paginate(..., estimate=True)`): on
PostgreSQL the planner's estimate of the list's rows (EXPLAIN, nothing runs) decides. Above
`settings.CHAINDESK_EXACT_COUNT_LIMIT` the page shows that estimate and says so ("约 58.7 万条（估算）", with a
tooltip saying why); at or below it the total is counted exactly, in the page's own query (a window count), so the
page still costs two queries (an empty list too, where Django's lone COUNT(*) was one). SQLite always counts
exactly. Exports never use this: they hold every row."""

import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import Count, QuerySet, Window
from django.db.models.query import ModelIterable
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy

from .templatetags.cd import intcomma_cn

PAGE_SIZE = 50
# Above this many rows (the planner's estimate) a list shows an estimated total (config/settings/base.py).
DEFAULT_EXACT_COUNT_LIMIT = 10_000
TOTAL = "listing_total"  # the window count's annotation on a counted page's rows
ESTIMATE_TEXT = {
    "plain": gettext_lazy("约 %(n)s 条（估算）"),
    "wan": gettext_lazy("约 %(n)s 万条（估算）"),
    "yi": gettext_lazy("约 %(n)s 亿条（估算）"),
}
ESTIMATE_WHY = gettext_lazy(
    "记录超过 %(limit)s 条时不再逐条计数：总数是数据库按统计信息估算的近似值，可能与实际有出入。"
    "翻页照常；导出仍包含全部记录。"
)


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


def exact_count_limit() -> int:
    return int(getattr(settings, "CHAINDESK_EXACT_COUNT_LIMIT", DEFAULT_EXACT_COUNT_LIMIT))


def planner_rows(qs: QuerySet[Any]) -> int | None:
    """PostgreSQL's estimate of how many rows `qs` holds: the top plan node's "Plan Rows" of EXPLAIN (the query
    is planned, not run: a millisecond or two). None on any other database."""
    connection = connections[qs.db]
    if connection.vendor != "postgresql":
        return None
    try:  # the ordering and the columns change nothing in the row count: planning without them is cheaper
        rows = qs.order_by().values("pk")
        sql, params = rows.query.get_compiler(qs.db).as_sql()
    except EmptyResultSet:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str | bytes):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class KnownTotalPaginator(Paginator):
    """A paginator told its total (counted with the page, or the planner's estimate when `estimated`), so that it
    never runs a COUNT(*) of its own."""

    def __init__(self, object_list: Any, per_page: int, *, total: int, estimated: bool = False) -> None:
        super().__init__(object_list, per_page)
        self.total = total
        self.estimated = estimated

    @cached_property
    def count(self) -> int:
        return self.total


def _number(page_number: Any) -> int | None:
    """The requested page as Django's `get_page` reads it: 1 when not a whole number; None when below 1 (Django
    then shows the last page, which takes a count)."""
    try:
        number = int(page_number)
    except (TypeError, ValueError):
        return 1
    return number if number >= 1 else None


def _countable_with_its_page(qs: QuerySet[Any]) -> bool:
    """Whether a window count on the page's query counts the list: model rows, no DISTINCT (applied after the
    window) and no UNION (which takes no annotation)."""
    return qs._iterable_class is ModelIterable and not qs.query.distinct and not qs.query.combinator


def estimated_page(qs: QuerySet[Any], page_number: Any, per_page: int | None = None) -> Page:
    """The requested page of `qs`, its total estimated past the limit (see the module docstring). Two queries
    (the plan, the page) wherever Django's paginator takes two (the count, the page). Django's exact paginator
    takes over for what an estimate cannot answer: a page below 1 (Django shows the last), a page far past the
    estimated end, and a page found empty (an estimate can be too high): it shows the real last page."""
    per_page = per_page or PAGE_SIZE
    estimate = planner_rows(qs)
    number = _number(page_number)
    estimated = estimate is not None and estimate > exact_count_limit()
    if (
        estimate is None
        or number is None
        or number > 2 * math.ceil(max(estimate, 1) / per_page) + 1  # an estimate too low still pages on
        or not (estimated or _countable_with_its_page(qs))
    ):
        return Paginator(qs, per_page).get_page(page_number)
    bottom = (number - 1) * per_page
    if estimated:
        rows = list(qs[bottom : bottom + per_page])
        total = max(estimate, bottom + per_page + 1)  # a full page always offers the next one
    else:  # counted in the page's own query: COUNT(*) OVER () sees every row of the list, not only the page's
        rows = list(qs.annotate(**{TOTAL: Window(Count("*"))})[bottom : bottom + per_page])
        total = getattr(rows[0], TOTAL) if rows else 0
    if not rows and number > 1:
        return Paginator(qs, per_page).get_page(page_number)
    if len(rows) < per_page:  # the list ends on this page: its total is known exactly
        total, estimated = bottom + len(rows), False
    return Page(rows, number, KnownTotalPaginator(qs, per_page, total=total, estimated=estimated))


def paginate(
    qs: QuerySet[Any],
    page_number: str | None,
    per_page: int | None = None,
    *,
    estimate: bool = False,
    count: int | None = None,
) -> Page:
    """The requested page, PAGE_SIZE rows unless told (Django's `get_page`: page 1 when not a number, the last when
    past the end); with `estimate`, the total may be the planner's estimate (`estimated_page`); with `count`, the
    exact total the caller already holds (no COUNT query)."""
    if estimate:
        return estimated_page(qs, page_number, per_page)
    paginator = Paginator(qs, per_page or PAGE_SIZE)
    if count is not None:
        paginator.__dict__["count"] = count  # Paginator.count is a cached property: this is its value
    return paginator.get_page(page_number)


def approximate(count: int) -> tuple[str, str]:
    """A large count as a reader takes it in, with the sentence that names its unit: ("58.7", "wan"),
    ("1.2", "yi"), or ("1,234", "plain")."""
    for unit, size in (("yi", 10**8), ("wan", 10**4)):
        if count >= size:
            return f"{count / size:,.1f}".removesuffix(".0"), unit
    return f"{count:,}", "plain"


def count_words(page_obj: Page, sentence: Any) -> str:
    """The total above the table and in the footer: `sentence` ("共 %(n)s 条") with the exact count, or, when the
    paginator holds an estimate, "约 58.7 万条（估算）" with a tooltip saying why."""
    paginator = page_obj.paginator
    if not getattr(paginator, "estimated", False):
        return str(sentence % {"n": intcomma_cn(paginator.count)})
    number, unit = approximate(paginator.count)
    why = ESTIMATE_WHY % {"limit": intcomma_cn(exact_count_limit())}
    text = ESTIMATE_TEXT[unit] % {"n": number}
    html: SafeString = format_html(
        '<span class="cd-count-estimate" title="{}" data-testid="count-estimate">{}</span>', why, text
    )
    return html


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
        "count_text": count_words(page_obj, count),
        "page_title": title,
        "breadcrumbs": [(title, None)],
    }
    return render(request, template, context)
