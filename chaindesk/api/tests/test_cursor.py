"""Keyset (cursor) pagination of the API's lists (chaindesk/api/pagination.py); run on SQLite and PostgreSQL.

Walking every page with a small limit gives each row once, in the list's order: for ascending, descending and
mixed orderings, ties, NULLs (where the database puts them and where an OrderBy says), related fields (through an
inner and an outer join), an aggregate annotation, datetimes within one millisecond and decimals; hypothesis
compares the pages with the full ordered list for random rows and limits. A row added or removed between two
pages makes no other row repeat or vanish. A forged, damaged or foreign cursor is 422 problem+json on `cursor`.
A page costs the same queries whatever its size or place. Every API list, under every sort it offers, walks
the same rows in the same order as its page's selector; orderings the keyset cannot follow are refused."""

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core import signing
from django.db import transaction
from django.db.models import Count, F, QuerySet
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chaindesk.api.lists import served
from chaindesk.api.pagination import SALT, Keyset, UnsupportedOrdering, cursor_page
from chaindesk.api.tests.test_lists import SEEN
from chaindesk.api.tests.test_problem_json import assert_problem
from chaindesk.demands.resources import DEMANDS
from chaindesk.projects.resources import PROJECTS
from chaindesk.testkit.personas import Personas
from chaindesk.upward.choices import UpwardKind, UpwardLevel
from chaindesk.upward.models import UpwardRequest

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # the task list counts working days from today

MARK = "游标测试部门"  # the counterpart of every row made here: the tests page these rows only
D1, D2, D3 = dt.date(2026, 3, 1), dt.date(2026, 6, 1), dt.date(2026, 9, 1)
T0 = dt.datetime(2026, 5, 4, 9, 30, 0, 123456, tzinfo=dt.UTC)

# (title, deadline, amount_sought, chain: None/"ours"/"theirs", created_at offset in microseconds)
Spec = tuple[str, dt.date | None, Decimal | None, str | None, int]

ROWS: list[Spec] = [
    ("乙", D2, Decimal("10.50"), "ours", 0),
    ("甲", None, None, None, 1),
    ("乙", D1, Decimal("2.00"), "theirs", 1),
    ("丙", None, Decimal("10.50"), "ours", 400),  # within the millisecond of the others
    ("甲", D2, Decimal("10.5"), None, 0),
    ("丁", D3, None, "theirs", 1_000_000),
    ("乙", None, Decimal("0.01"), None, 2),
    ("甲", D1, Decimal("2.00"), "ours", 3),
]

ORDERINGS: dict[str, tuple[Any, ...]] = {
    "ascending with ties": ("title", "pk"),
    "descending with ties": ("-title", "-pk"),
    "nulls where the database puts them": ("deadline", "pk"),
    "nulls descending": ("-deadline", "-pk"),
    "nulls last, said": (F("deadline").asc(nulls_last=True), "pk"),
    "nulls first, said, descending": (F("deadline").desc(nulls_first=True), "-pk"),
    "mixed directions, decimals and datetimes": ("amount_sought", "-created_at", "title", "pk"),
    "datetimes within a millisecond": ("-created_at", "pk"),
    "related field through an outer join": ("chain__name", "-pk"),
    "related field through an outer join, descending": ("-chain__name", "title", "pk"),
    "related field through an inner join, descending": ("-department__short_name", "title", "pk"),
    "no tie-breaker given": ("title",),
    "pk first": ("-pk", "title"),
}


def _make(personas: Personas, specs: list[Spec]) -> list[UpwardRequest]:
    chains = {None: None, "ours": personas.ours.chain, "theirs": personas.theirs.chain}
    made = UpwardRequest.objects.bulk_create(
        UpwardRequest(
            title=title,
            kind=UpwardKind.FUNDS,
            level=UpwardLevel.PROVINCE,
            counterpart=MARK,
            department=personas.ours.department,
            created_by=personas.chief,
            deadline=deadline,
            amount_sought=amount,
            chain=chains[chain],
        )
        for title, deadline, amount, chain, _micros in specs
    )
    for row, (*_rest, micros) in zip(made, specs, strict=True):  # auto_now_add: set after the insert
        UpwardRequest.objects.filter(pk=row.pk).update(created_at=T0 + dt.timedelta(microseconds=micros))
    return made


def _marked() -> QuerySet[UpwardRequest]:
    return UpwardRequest.objects.filter(counterpart=MARK)


def _expected(queryset: QuerySet[Any]) -> list[int]:
    """The rows in the queryset's own order, ties broken by pk as the keyset breaks them."""
    ordering = tuple(queryset.query.order_by or UpwardRequest._meta.ordering or ())
    if not any(o in ("pk", "-pk") for o in ordering):
        queryset = queryset.order_by(*ordering, "pk")
    return [row.pk for row in queryset]


def _pages(queryset: QuerySet[Any], limit: int) -> Iterator[dict[str, Any]]:
    cursor = None
    for _page in range(queryset.count() + 2):
        page = cursor_page(queryset, cursor, limit)
        yield page
        cursor = page["next"]
        if cursor is None:
            return
    raise AssertionError("the pages never end")


def _walk(queryset: QuerySet[Any], limit: int) -> list[int]:
    return [row.pk for page in _pages(queryset, limit) for row in page["items"]]


@pytest.mark.parametrize("name", sorted(ORDERINGS))
@pytest.mark.parametrize("limit", [1, 3])
def test_walking_the_pages_gives_each_row_once_in_order(personas: Personas, name: str, limit: int) -> None:
    _make(personas, ROWS)
    queryset = _marked().order_by(*ORDERINGS[name])
    expected = _expected(queryset)
    assert len(expected) == len(ROWS)
    assert _walk(queryset, limit) == expected
    pages = list(_pages(queryset, limit))
    assert all(page["count"] == len(ROWS) for page in pages)
    assert [len(page["items"]) for page in pages[:-1]] == [limit] * (len(pages) - 1)


def test_the_model_ordering_and_an_aggregate_annotation(personas: Personas) -> None:
    made = _make(personas, ROWS)
    made[0].enterprises.add(personas.ours.enterprise, personas.ent2)
    made[3].enterprises.add(personas.ours.enterprise)
    made[5].enterprises.add(personas.ent2)
    by_meta = _marked()  # Meta.ordering: deadline, pk
    assert _walk(by_meta, 2) == _expected(by_meta)
    counted = _marked().annotate(n=Count("enterprises")).order_by("-n", "title", "pk")
    walked = _walk(counted, 2)
    assert walked == _expected(counted) and walked[0] == made[0].pk


def test_nulls_fall_where_the_list_puts_them(personas: Personas) -> None:
    _make(personas, ROWS)
    undated = {row.pk for row in _marked().filter(deadline=None)}
    last = _walk(_marked().order_by(F("deadline").asc(nulls_last=True), "pk"), 2)
    first = _walk(_marked().order_by(F("deadline").asc(nulls_first=True), "pk"), 2)
    assert set(last[-len(undated) :]) == undated == set(first[: len(undated)])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    specs=st.lists(
        st.tuples(
            st.sampled_from(["甲", "乙", "丙"]),
            st.sampled_from([None, D1, D2, D3]),
            st.sampled_from([None, Decimal("0.01"), Decimal("2.00"), Decimal("10.50")]),
            st.sampled_from([None, "ours", "theirs"]),
            st.integers(min_value=0, max_value=3),
        ),
        max_size=14,
    ),
    ordering=st.sampled_from(sorted(ORDERINGS)),
    limit=st.integers(min_value=1, max_value=6),
)
def test_the_pages_concatenated_are_the_ordered_list(
    personas: Personas, specs: list[Spec], ordering: str, limit: int
) -> None:
    with transaction.atomic():
        _make(personas, specs)
        queryset = _marked().order_by(*ORDERINGS[ordering])
        assert _walk(queryset, limit) == _expected(queryset)
        transaction.set_rollback(True)


def test_a_row_added_or_removed_between_pages_moves_no_other(personas: Personas) -> None:
    _make(personas, ROWS)
    queryset = _marked().order_by("-created_at", "pk")
    before = _expected(queryset)
    first = cursor_page(queryset, None, 3)
    seen = [row.pk for row in first["items"]]
    assert seen == before[:3]
    # Meanwhile two rows newer than all (before the cursor: an offset would repeat two seen rows), one older
    # than all (after it), and two removed: the cursor's own row and one of the next page.
    _make(personas, [("新", None, None, None, 10**7)] * 2)
    (older,) = _make(personas, [("旧", None, None, None, -(10**7))])
    UpwardRequest.objects.filter(pk__in=[seen[-1], before[4]]).delete()
    rest = [row.pk for page in _follow(queryset, first["next"], 2) for row in page["items"]]
    assert rest == [pk for pk in before[3:] if pk != before[4]] + [older.pk]


def _follow(queryset: QuerySet[Any], cursor: str | None, limit: int) -> Iterator[dict[str, Any]]:
    while cursor:
        page = cursor_page(queryset, cursor, limit)
        yield page
        cursor = page["next"]


def test_past_the_last_row_the_page_is_empty(personas: Personas) -> None:
    _make(personas, ROWS)
    keyset = Keyset(_marked().order_by("-created_at", "pk"))
    last = list(keyset.ordered)[-1]
    assert cursor_page(_marked().order_by("-created_at", "pk"), keyset.cursor(last), 5) == {
        "items": [],
        "count": len(ROWS),
        "count_estimated": False,
        "next": None,
    }


def test_a_page_costs_the_same_queries_wherever_it_is(personas: Personas, django_assert_num_queries: Any) -> None:
    made = _make(personas, ROWS * 3)
    for row in made[::2]:
        row.enterprises.add(personas.ours.enterprise)
    queryset = _marked().order_by("chain__name", "-amount_sought", "pk")
    with django_assert_num_queries(2):  # the COUNT and the rows
        first = cursor_page(queryset, None, 5)
    with django_assert_num_queries(2):
        cursor_page(queryset, first["next"], 20)
    prefetching = queryset.prefetch_related("enterprises")
    for limit in (1, 10, 200):
        with django_assert_num_queries(3):  # and the one prefetch, whatever the page's size
            page = cursor_page(prefetching, first["next"], limit)
            linked = [e.pk for item in page["items"] for e in item.enterprises.all()]
        assert len(page["items"]) == min(limit, len(made) - 5)
        assert linked or limit == 1


def test_a_long_list_s_count_is_the_planner_s_estimate(
    personas: Personas, monkeypatch: pytest.MonkeyPatch, django_assert_num_queries: Any
) -> None:
    """Past CHAINDESK_EXACT_COUNT_LIMIT rows (the planner's estimate, PostgreSQL only) an estimating list gives the
    estimate as its count and says so; at or below it, and for a list that does not estimate, the exact count."""
    from chaindesk.api import pagination

    made = _make(personas, ROWS)  # eight rows
    queryset = _marked().order_by("pk")
    monkeypatch.setattr(pagination, "exact_count_limit", lambda: 5)
    monkeypatch.setattr(pagination, "planner_rows", lambda qs: 12_345)
    with django_assert_num_queries(2):  # the rows and the count: the planner is not asked
        page = cursor_page(queryset, None, 3)
    assert (page["count"], page["count_estimated"]) == (len(made), False)
    page = cursor_page(queryset, None, 3, estimate=True)
    assert (page["count"], page["count_estimated"], len(page["items"])) == (12_345, True, 3)
    following = cursor_page(queryset, page["next"], 3, estimate=True)["items"]
    assert [r.pk for r in following] == [r.pk for r in queryset][3:6]  # the pages go on as before
    monkeypatch.setattr(pagination, "planner_rows", lambda qs: 4)
    assert cursor_page(queryset, None, 3, estimate=True)["count"] == len(made)  # below the limit: counted
    monkeypatch.setattr(pagination, "planner_rows", lambda qs: None)  # SQLite: no planner, counted
    assert cursor_page(queryset, None, 3, estimate=True)["count_estimated"] is False


# --- over HTTP -----------------------------------------------------------------------------------------------


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _json(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def _http_walk(client: Client, path: str, query: dict[str, str], limit: int) -> list[int]:
    ids: list[int] = []
    body = _json(client.get(path, {**query, "limit": str(limit)}))
    while True:
        ids += [item["id"] for item in body["items"]]
        assert len(ids) <= body["count"]
        if body["next"] is None:
            return ids
        body = _json(client.get(path, {**query, "limit": str(limit), "cursor": body["next"]}))


def _sorts(sorts: Any) -> list[str]:
    return ["", *[s for key in sorts for s in (key, f"-{key}")]]


LISTS = sorted(
    [(r.api_name, SEEN[r.api_name][0], sort) for r in served() for sort in _sorts(r.sorts)]
    + [("projects", "chief", sort) for sort in _sorts(PROJECTS.sorts)]
    + [("demands", "chief", sort) for sort in _sorts(DEMANDS.sorts)]
    + [("imports", "chief", "")]
)


@pytest.mark.parametrize(("name", "reader", "sort"), LISTS)
def test_every_list_walks_its_rows_once_in_its_order(personas: Personas, name: str, reader: str, sort: str) -> None:
    user = personas.user(reader)
    client = _client(user)
    query = {"sort": sort} if sort else {}
    count = _json(client.get(f"/api/{name}/", {**query, "limit": "1"}))["count"]
    small = max(1, -(-count // 25))  # one row a page, or about 25 pages for a long list (the demo's audit trail)
    walked = _http_walk(client, f"/api/{name}/", query, small)
    assert len(walked) == len(set(walked)) == count
    assert walked == _http_walk(client, f"/api/{name}/", query, 200)
    resource = next((r for r in served() if r.api_name == name), None)
    if resource is not None and resource.select is not None:  # the page's own order
        queryset, _sort = resource.select(user, query)
        assert walked == [row.pk for row in queryset]


def test_a_damaged_forged_or_foreign_cursor_is_422(personas: Personas) -> None:
    client = _client(personas.chief)
    first = _json(client.get("/api/enterprises/", {"sort": "name", "limit": "1"}))
    assert first["next"]
    payload = signing.loads(first["next"], salt=SALT)
    forged = signing.dumps(payload, salt=SALT, key="不是本系统的密钥")
    cases = {
        "damaged": first["next"][:-2],
        "forged": forged,
        "garbage": "abc",
        "unsigned": json.dumps(payload),
    }
    for case, cursor in cases.items():
        body = assert_problem(client.get("/api/enterprises/", {"sort": "name", "cursor": cursor}), 422)
        (error,) = body["errors"]
        assert (error["field"], error["in"]) == ("cursor", "query"), case
        assert "分页游标无效" in error["detail"], case
    foreign = assert_problem(client.get("/api/enterprises/", {"sort": "-created", "cursor": first["next"]}), 422)
    assert "排序不符" in foreign["errors"][0]["detail"]
    on_projects = assert_problem(client.get("/api/projects/", {"cursor": first["next"]}), 422)
    assert on_projects["errors"][0]["field"] == "cursor"


def test_the_typed_lists_and_the_schema_speak_cursor(personas: Personas) -> None:
    client = _client(personas.chief)
    for name in ("projects", "demands"):
        body = _json(client.get(f"/api/{name}/", {"limit": 1}))
        assert set(body) == {"items", "count", "count_estimated", "next"} and body["count_estimated"] is False
        assert_problem(client.get(f"/api/{name}/", {"cursor": "x"}), 422)
    schema = _json(client.get("/api/openapi.json"))
    for path in ("/api/projects/", "/api/demands/", "/api/imports/", "/api/enterprises/"):
        parameters = {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
        assert {"cursor", "limit"} <= parameters and "offset" not in parameters, path


@pytest.mark.parametrize(
    "queryset",
    [
        lambda: _marked().order_by("?"),
        lambda: _marked().extra(order_by=["title"]),  # noqa: S610 - the raw ordering refused
        lambda: _marked()[:3],
        lambda: _marked().union(_marked()),
        lambda: _marked().order_by("chain"),  # Chain's Meta.ordering, not chain_id
        lambda: _marked().order_by("enterprises__name"),  # one row per enterprise
    ],
    ids=["random", "extra", "sliced", "union", "relation-with-ordering", "multi-valued"],
)
def test_orderings_the_keyset_cannot_follow_are_refused(queryset: Any) -> None:
    with pytest.raises(UnsupportedOrdering):
        Keyset(queryset())
