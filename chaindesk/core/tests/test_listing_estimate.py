"""The estimated total of the 企业, 项目 and 线索 lists (chaindesk/core/listing.py): exact at or below
CHAINDESK_EXACT_COUNT_LIMIT rows, the planner's estimate past it, saying so ("约 58.7 万条（估算）" with a tooltip),
paging still working past the end, and no more queries than the exact paginator took.

The personas' world holds a handful of rows, so the page size is patched to 1 row (`one_row_pages`): a list of two
rows then spans pages, as a province's does with 50. The planner's estimate exists only on PostgreSQL: the tests
that read the real planner run there; those that need a province-sized estimate stand in for the planner
(`planner_says`) and run on both databases."""

import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from chaindesk.core import listing
from chaindesk.enterprises.selectors import enterprise_list
from chaindesk.leads.models import Lead
from chaindesk.leads.selectors import lead_list
from chaindesk.leads.tests.factories import make_lead
from chaindesk.projects.selectors import project_list
from chaindesk.projects.tests.factories import PREFIX, project
from chaindesk.testkit.personas import Personas

pytestmark = pytest.mark.django_db

# Each list page, its test id prefix and its selector (the exact visible set the page shows).
LISTS = {
    "/enterprises/": ("enterprise", lambda user: enterprise_list(user, {})[0]),
    "/projects/": ("project", lambda user: project_list(user, {})[0]),
    "/leads/": ("lead", lambda user: lead_list(user, {})[0]),
}
ON_POSTGRES = connection.vendor == "postgresql"
ONLY_POSTGRES = pytest.mark.skipif(not ON_POSTGRES, reason="the planner's estimate (EXPLAIN) exists only on PostgreSQL")
ONLY_SQLITE = pytest.mark.skipif(ON_POSTGRES, reason="on PostgreSQL the planner decides (test_postgres_* below)")


@pytest.fixture
def one_row_pages(personas: Personas, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of one row, and a second project and lead on our chain: every list of our chief then spans pages
    (the world gives them two enterprises, one project, one lead)."""
    monkeypatch.setattr(listing, "PAGE_SIZE", 1)
    project(personas, f"{PREFIX}第二", investor_name="测试投资方")
    make_lead(personas, title="测试线索·第二", owner=personas.chief)


@pytest.fixture
def planner_says(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    """Stand in for PostgreSQL's planner: every list is estimated at `rows` rows."""

    def says(rows: int) -> None:
        monkeypatch.setattr(listing, "planner_rows", lambda qs: rows)

    return says


def _as(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def _count(body: str, testid: str) -> str:
    """The text of the count above the table (tags dropped)."""
    found = re.search(rf'data-testid="{testid}-count"[^>]*>(.*?)</div>', body, re.S)
    assert found, f"no {testid}-count on the page"
    return re.sub(r"<[^>]+>|\s+", " ", found.group(1)).strip()


def _pages(body: str) -> str:
    found = re.search(r'page-item active"><span class="page-link">(.*?)</span>', body)
    return found.group(1) if found else ""


@pytest.mark.parametrize(
    ("count", "words"),
    [
        (586_960, ("58.7", "wan")),
        (490_447, ("49", "wan")),
        (10_000_000, ("1,000", "wan")),
        (123_456_789, ("1.2", "yi")),
        (9_999, ("9,999", "plain")),
    ],
)
def test_a_large_count_is_read_in_wan_and_yi(count: int, words: tuple[str, str]) -> None:
    assert listing.approximate(count) == words


@pytest.mark.parametrize("url", LISTS)
def test_a_province_sized_estimate_is_shown_as_one(personas: Personas, one_row_pages, planner_says, url) -> None:  # noqa: ANN001
    testid, _select = LISTS[url]
    planner_says(586_960)
    body = _as(personas.chief).get(url).content.decode()
    assert "约 58.7 万条（估算）" in _count(body, testid)
    assert body.count('data-testid="count-estimate"') == 2  # above the table and in the footer
    tooltip = re.search(r'cd-count-estimate" title="([^"]+)"', body)
    assert tooltip and "10,000" in tooltip.group(1) and "估算" in tooltip.group(1) and "导出" in tooltip.group(1)
    assert _pages(body) == "1 / 约 586,960"
    assert "共 " not in _count(body, testid)


@pytest.mark.parametrize("url", LISTS)
def test_below_the_limit_the_count_is_exact(personas: Personas, one_row_pages, planner_says, url) -> None:  # noqa: ANN001
    testid, select = LISTS[url]
    planner_says(listing.DEFAULT_EXACT_COUNT_LIMIT)  # at the limit, not past it
    exact = select(personas.chief).count()
    assert exact >= 2, "the world should give the chief a list spanning pages"
    body = _as(personas.chief).get(url).content.decode()
    assert _count(body, testid).startswith(f"共 {exact} 条") and "估算" not in body
    assert _pages(body) == f"1 / {exact}"


@pytest.mark.parametrize("url", LISTS)
def test_a_page_past_an_estimated_end_shows_the_last_real_page(personas: Personas, one_row_pages, planner_says, url):  # noqa: ANN001, ANN201
    testid, select = LISTS[url]
    planner_says(586_960)  # far more than the list holds: its estimated last page is empty
    exact = select(personas.chief).count()
    response = _as(personas.chief).get(url, {"page": "5000"})
    assert response.status_code == 200
    body = response.content.decode()
    assert _pages(body) == f"{exact} / {exact}" and _count(body, testid).startswith(f"共 {exact} 条")


def test_an_estimate_too_low_hides_no_page(personas: Personas, one_row_pages, planner_says) -> None:
    """The planner may guess fewer rows than there are: a full page always offers the next, and a page past the
    estimated end is still served while it has rows."""
    planner_says(1)
    exact = lead_list(personas.chief, {})[0].count()
    with override_settings(CHAINDESK_EXACT_COUNT_LIMIT=0):
        body = _as(personas.chief).get("/leads/", {"page": "2"}).content.decode()
    assert exact >= 2 and 'data-testid="lead-table"' in body
    assert _pages(body) == "2 / 约 3"  # one row past the page: the next one is offered


@pytest.mark.parametrize("page", ["0", "-3", "99999999999999999999", "x", ""])
def test_odd_page_numbers_read_as_django_reads_them(personas: Personas, one_row_pages, planner_says, page) -> None:  # noqa: ANN001
    planner_says(586_960)
    exact = lead_list(personas.chief, {})[0].count()
    response = _as(personas.chief).get("/leads/", {"page": page})
    assert response.status_code == 200
    # Django's get_page: not a number → the first page; below 1 or past the end → the last (counted exactly).
    last = page.lstrip("-").isdigit()
    assert _pages(response.content.decode()) == (f"{exact} / {exact}" if last else "1 / 约 586,960")


def test_rows_that_are_not_models_are_counted_apart(personas: Personas, planner_says) -> None:
    """A window count rides only on model rows: a values_list list below the limit is counted by Django."""
    planner_says(3)
    qs = Lead.objects.order_by("pk").values_list("pk", flat=True)
    page = listing.paginate(qs, "1", 1, estimate=True)
    assert list(page.object_list) == list(qs[:1]) and page.paginator.count == qs.count()


@ONLY_SQLITE
@pytest.mark.parametrize("url", LISTS)
def test_sqlite_always_counts_exactly(personas: Personas, one_row_pages, url) -> None:  # noqa: ANN001
    testid, select = LISTS[url]
    exact = select(personas.chief).count()
    with override_settings(CHAINDESK_EXACT_COUNT_LIMIT=0):
        body = _as(personas.chief).get(url).content.decode()
    assert _count(body, testid).startswith(f"共 {exact} 条") and "估算" not in body


@ONLY_POSTGRES
@pytest.mark.parametrize("url", LISTS)
def test_postgres_shows_the_planners_estimate_past_the_limit(personas: Personas, one_row_pages, url) -> None:  # noqa: ANN001
    # Limit 0 rather than 1: the planner never estimates fewer than one row, so any list is past 0.
    testid, select = LISTS[url]
    with override_settings(CHAINDESK_EXACT_COUNT_LIMIT=0):
        body = _as(personas.chief).get(url).content.decode()
    estimate = re.search(r'data-testid="count-estimate">([^<]+)<', body)
    assert estimate and re.fullmatch(r"约 [\d,.]+ (万|亿)?条（估算）", estimate.group(1))
    assert _pages(body).startswith("1 / 约 ")
    exact = select(personas.chief).count()
    body = _as(personas.chief).get(url).content.decode()  # the default limit: a small list is counted
    assert _count(body, testid).startswith(f"共 {exact} 条") and "估算" not in body


@ONLY_POSTGRES
def test_postgres_planner_rows_reads_the_plan(personas: Personas) -> None:
    qs = Lead.objects.all()
    assert isinstance(listing.planner_rows(qs), int) and listing.planner_rows(qs) >= 1
    assert listing.planner_rows(Lead.objects.none()) == 0


@pytest.mark.parametrize("limit", [0, 10_000])
def test_no_more_queries_than_the_exact_paginator(personas: Personas, one_row_pages, limit: int) -> None:
    """The plan replaces the COUNT(*): a list page costs its two queries whether it is estimated or counted (the
    count rides on the page's query as a window count)."""
    qs = lead_list(personas.chief, {})[0]
    with CaptureQueriesContext(connection) as exact:
        plain = listing.paginate(qs, "1")
        list(plain.object_list)
    with override_settings(CHAINDESK_EXACT_COUNT_LIMIT=limit), CaptureQueriesContext(connection) as estimated:
        page = listing.paginate(qs, "1", estimate=True)
        list(page.object_list)
    assert len(estimated) == len(exact) == 2
    assert [row.pk for row in page.object_list] == [row.pk for row in plain.object_list]
    if limit or not ON_POSTGRES:
        assert page.paginator.count == plain.paginator.count


def test_an_empty_list_is_counted_as_empty(personas: Personas) -> None:
    """Nothing visible: no rows, a total of 0 (on PostgreSQL the plan and the empty page are two queries where the
    exact paginator's lone COUNT(*) was one)."""
    qs = lead_list(personas.chief, {"q": "没有这样的线索"})[0]
    with CaptureQueriesContext(connection) as queries:
        page = listing.paginate(qs, "1", estimate=True)
    assert list(page.object_list) == [] and page.paginator.count == 0
    assert len(queries) == (2 if ON_POSTGRES else 1)
