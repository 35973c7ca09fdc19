"""Security finding 7c (issue 10): no GET parameter answers a server error.

Every URL pattern of the project is walked; list pages, exports, htmx fragments, cards and the API list
endpoints are requested as-is, and the detail routes whose object is easy to name are filled with the pk of an
object of the fixed personas' world (chaindesk/testkit/personas.py) the persona can see, ours before theirs (the
others are skipped: they read no query parameter). Each route is then requested by the personas it answers 200
to (`p_chief` of 测试甲链, `p_handler` of 测试甲局, `p_ent_user` of our enterprise, the two administrators),
first with every parameter name the project reads set to one hostile value at a time, then with hypothesis
mixing names and values. A status of 500 or more, or an exception the test client re-raises, fails the test.
Run it on both databases: PostgreSQL refuses NUL characters in text and integers past 2**63, SQLite the same
integers and datetimes shifted out of range."""

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.db.models import Model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chaindesk.accounts.models import User
from chaindesk.api.pagination import Keyset
from chaindesk.core.params import param_date, param_days, param_id, param_text
from chaindesk.projects.selectors import project_list
from chaindesk.testkit.personas import Personas

PERSONAS = ("chief", "handler", "ent_user", "sysadmin", "auditor")

# Every query parameter name the views, selectors, forms and filter bars read (grep request.GET, params.get,
# the forms read from the URL and name="..." in the templates), and the API's pagination.
PARAM_NAMES = (
    "page", "sort", "q", "chain", "node", "region", "stage", "status", "kind", "level", "flag", "source",
    "owner", "category", "urgency", "channel", "from", "to", "stale", "keeper", "city", "qual", "liaison",
    "side", "escalation", "show", "year", "month", "by", "unread", "active", "role", "department", "action",
    "ct", "actor", "date_from", "date_to", "ip", "dimension", "start", "end", "rank_by", "deadline_from",
    "deadline_to", "limit", "cursor", "act", "visit_issue", "enterprise", "referrer", "next",
)  # fmt: skip

HOSTILE = (
    str(10**30), str(2**63), str(2**63 - 1), str(2**31), "-1", "0", "+5", "²", "١٢", "１２", "1e9", "1.5",
    "NaN", "", " ", "%00", "\x00", "abc", "'\"<>", "0001-01-01", "9999-12-31", "2026-02-30", "2026-13-01",
    "1899-12-31", "2101-01-01", "-2026-01-01", "１２３４-０１-０１", "x" * 3000,
)  # fmt: skip
# What the other personas of a route get (the first gets all of HOSTILE).
SHARPEST = (str(10**30), "²", "0001-01-01", "9999-12-31", "\x00", "-1")

# Detail routes filled with a visible object: url name -> (model, path kwarg); other kwargs -> skipped.
OBJECTS: dict[str, tuple[str, str]] = {
    "chains:detail": ("chains.Chain", "pk"),
    "chains:map": ("chains.Chain", "pk"),
    "chains:gaps_export": ("chains.Chain", "pk"),
    "enterprises:detail": ("enterprises.Enterprise", "pk"),
    "meetings:detail": ("meetings.Meeting", "pk"),
    "liaison:visits": ("enterprises.Enterprise", "pk"),
    "liaison:timeline": ("enterprises.Enterprise", "pk"),
    "network:talent_detail": ("network.Talent", "pk"),
    "network:partner_detail": ("network.RdPartner", "pk"),
    "network:enterprise_rd": ("enterprises.Enterprise", "pk"),
    "projects:detail": ("projects.Project", "pk"),
    "projects:investment_panel": ("projects.Project", "pk"),
    "projects:enterprise_tab": ("enterprises.Enterprise", "pk"),
    "projects:chain_cycle": ("chains.Chain", "pk"),
    "cockpit:chain": ("chains.Chain", "pk"),
    "cockpit:chain_screen": ("chains.Chain", "pk"),
    "cockpit:chain_screen_data": ("chains.Chain", "pk"),
    "projects:talent_tab": ("network.Talent", "pk"),
    "leads:detail": ("leads.Lead", "pk"),
    "leads:enterprise_tab": ("enterprises.Enterprise", "pk"),
    "leads:talent_tab": ("network.Talent", "pk"),
    "demands:detail": ("demands.Demand", "pk"),
    "demands:enterprise_tab": ("enterprises.Enterprise", "pk"),
    "upward:detail": ("upward.UpwardRequest", "pk"),
    "demands:task_detail": ("demands.Task", "pk"),
    "core:audit_detail": ("core.AuditLog", "pk"),
    "core:user_edit": ("accounts.User", "pk"),
    "core:history": ("demands.Demand", "pk"),
    "api:get_project": ("projects.Project", "project_id"),
    "api:get_demand": ("demands.Demand", "demand_id"),
}
# The world's records a detail route is filled with, by model: the attribute of each side (ours, then theirs).
SIDE_RECORDS = {
    "chains.Chain": "chain",
    "enterprises.Enterprise": "enterprise",
    "meetings.Meeting": "meeting",
    "network.Talent": "talent",
    "projects.Project": "project",
    "leads.Lead": "lead",
    "demands.Demand": "demand",
    "upward.UpwardRequest": "upward",
    "demands.Task": "task",
}
SKIPPED = {"accounts:logout", "set_language"}  # logging the client out; a redirect that only POST acts on


def _routes(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith("django-admin"):
                continue
            ns = pattern.namespace or namespace
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name, prefix + str(pattern.pattern)


ROUTES = sorted(
    {
        (name, route)
        for name, route in _routes(get_resolver().url_patterns)
        if name not in SKIPPED and ("<" not in route or name in OBJECTS)
    }
)
KWARG = re.compile(r"<(?:\w+:)?(\w+)>")


def _world_records(personas: Personas, label: str) -> list[Model]:
    """The personas' world's records of a model, ours first."""
    if label in SIDE_RECORDS:
        return [getattr(personas.ours, SIDE_RECORDS[label]), getattr(personas.theirs, SIDE_RECORDS[label])]
    others: dict[str, Callable[[], list[Model]]] = {
        "network.RdPartner": lambda: [personas.partner],
        "core.AuditLog": lambda: [personas.audit_line()],
        "accounts.User": lambda: [personas.ent_user, personas.x_ent_user],
    }
    return others[label]()


def _object_pk(label: str, user: User, personas: Personas) -> int | None:
    """The first of the world's records of the model the user may see (None: the user sees none of them)."""
    model: type[Model] = apps.get_model(label)
    manager: Any = model._default_manager
    qs = manager.visible_to(user) if hasattr(manager, "visible_to") else manager.all()
    pks = [record.pk for record in _world_records(personas, label)]
    return qs.filter(pk__in=pks).order_by("pk").values_list("pk", flat=True).first()


def _path(name: str, route: str, user: User, personas: Personas) -> str | None:
    if "<" not in route:
        return "/" + route
    label, kwarg = OBJECTS[name]
    pk = _object_pk(label, user, personas)
    if pk is None:
        return None
    meta = apps.get_model(label)._meta
    values = {kwarg: str(pk), "app_label": meta.app_label, "model": meta.model_name or ""}
    return "/" + KWARG.sub(lambda m: values[m.group(1)], route)


def _client(user: User | None) -> Client:
    """A test client signed in as `user` (force_login: no password hashing, no audit noise)."""
    assert user is not None, "a persona key names a user (anon has no login)"
    client = Client()
    client.force_login(user)
    return client


def _get(client: Client, path: str, params: dict[str, str] | None = None) -> int:
    query = urlencode(params or {})
    response = client.get(f"{path}?{query}" if query else path)
    return response.status_code


def _check(client: Client, path: str, params: dict[str, str]) -> int:
    try:
        status = _get(client, path, params)
    except Exception as exc:  # the test client re-raises a view's exception: that is the server error
        raise AssertionError(f"GET {path}?{urlencode(params)[:200]} raised {exc!r}") from exc
    assert status < 500, f"GET {path}?{urlencode(params)[:200]} -> {status}"
    return status


_values = st.one_of(
    st.sampled_from(HOSTILE),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.dates().map(str),
    st.text(st.characters(codec="utf-8"), max_size=20),
)
_params = st.dictionaries(st.sampled_from(PARAM_NAMES), _values, min_size=1, max_size=8)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "route"), ROUTES, ids=[name for name, _route in ROUTES])
def test_no_server_error_from_query_parameters(name: str, route: str, personas: Personas) -> None:
    """Each persona the route answers 200 without parameters (the others redirect, 403, 404 or 405 before
    reading any) gets every parameter name at once set to each hostile value (the first such persona all of
    them, the others the sharpest); then hypothesis mixes names and values, valid ones too, so a filter
    combines with bad neighbours."""
    targets: list[tuple[Client, str]] = []
    for key in PERSONAS:
        user = personas.user(key)
        assert user is not None
        path = _path(name, route, user, personas)
        if path is None:
            continue
        client = _client(user)
        if _check(client, path, {}) == 200:
            targets.append((client, path))
    if not targets:
        pytest.skip("no persona reaches this route")

    # An export writes a whole workbook per request: the sharpest values only (its parsing is the list page's).
    heavy = "export" in name or route.endswith(".xlsx") or name.startswith("api:openapi")
    failures = []
    for index, (client, path) in enumerate(targets):
        for value in HOSTILE if index == 0 and not heavy else SHARPEST:
            try:
                _check(client, path, dict.fromkeys(PARAM_NAMES, value))
            except AssertionError as exc:
                failures.append(f"{value[:40]!r}: {exc.__cause__ or exc!r}"[:300])
    assert not failures, "\n".join(failures)

    @given(index=st.integers(min_value=0, max_value=len(targets) - 1), params=_params)
    def mixed(index: int, params: dict[str, str]) -> None:
        client, path = targets[index]
        _check(client, path, params)

    examples = 4 if heavy else 10
    settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])(mixed)()


def test_filled_detail_routes_exist() -> None:
    """A renamed route would silently drop out of the fuzzing: every route named in OBJECTS is walked, and every
    model it names has records in the personas' world."""
    assert set(OBJECTS) <= {name for name, _route in ROUTES}
    assert {label for label, _kwarg in OBJECTS.values()} == {
        *SIDE_RECORDS,
        "network.RdPartner",
        "core.AuditLog",
        "accounts.User",
    }


# --- the findings of the review, one by one ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        (" 7 ", 7),
        ("²", None),
        ("١٢", None),
        ("１２", None),
        ("-1", None),
        ("0", None),
        ("1e9", None),
        (str(10**18 - 1), 10**18 - 1),
        (str(10**18), None),
        (str(2**63), None),
        ("", None),
        (None, None),
    ],
)
def test_param_id(value: str | None, expected: int | None) -> None:
    assert param_id(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-25", dt.date(2026, 11, 25)),
        ("0001-01-01", None),
        ("9999-12-31", None),
        ("2026-02-30", None),
        ("1899-12-31", None),
        ("2101-01-01", None),
        ("１２３４-０１-０１", None),
        ("20261125", None),
        ("", None),
    ],
)
def test_param_date(value: str, expected: dt.date | None) -> None:
    assert param_date(value) == expected


def test_param_days_and_text() -> None:
    assert param_days("30") == 30
    assert param_days(str(10**9)) is None  # clock.today() - timedelta(days=…) would overflow
    assert param_text(" 博生\x00 ") == "博生"
    assert len(param_text("x" * 3000)) == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "url", "names"),
    [
        ("chief", "/enterprises/?chain=²&stale=" + str(10**30), ("产业链", "未联系天数")),
        ("chief", "/demands/?from=0001-01-01&to=9999-12-31&region=١٢", ("开始日期", "结束日期", "地区")),
        ("chief", "/projects/?node=" + str(2**63) + "&stage=nope", ("环节", "阶段")),
        ("sysadmin", "/system/users/?region=²&role=x", ("地区", "角色")),
        ("handler", "/demands/tasks/?side=x&escalation=y", ("主办/协办", "预警级别")),  # the filters' own labels
    ],
)
def test_bad_filter_value_is_ignored_with_a_note(
    personas: Personas, key: str, url: str, names: tuple[str, ...]
) -> None:
    response = _client(personas.user(key)).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="params-note"' in html
    note = html.split('data-testid="params-note">', 1)[1].split("</div>", 1)[0]
    assert "已忽略" in note
    for name in names:
        assert name in note


@pytest.mark.django_db
def test_valid_filters_leave_no_note(personas: Personas) -> None:
    response = _client(personas.chief).get("/demands/?from=2026-01-01&to=2026-11-25&status=closed")
    assert response.status_code == 200
    assert b'data-testid="params-note"' not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [f"limit={10**30}", f"cursor={2**63}", "limit=0", "limit=201", "cursor=-1", f"cursor={'x' * 3000}", "limit=²"],
)
@pytest.mark.parametrize("url", ["/api/projects/", "/api/demands/"])
def test_api_pagination_out_of_range_is_refused(personas: Personas, url: str, query: str) -> None:
    response = _client(personas.chief).get(f"{url}?{query}")
    assert response.status_code == 422


@pytest.mark.django_db
def test_api_pagination_in_range(personas: Personas) -> None:
    client = _client(personas.chief)
    # The most a page holds, from the start: the one project of 测试甲链 the chief sees, and no page after it.
    first = client.get("/api/projects/?limit=200")
    assert first.status_code == 200
    assert [item["id"] for item in first.json()["items"]] == [personas.ours.project.pk]
    assert first.json()["next"] is None
    # A cursor naming that last row (as a page ending on it gives): past it, an empty page and no next.
    keyset = Keyset(project_list(personas.chief, {})[0])
    cursor = keyset.cursor(keyset.ordered.get(pk=personas.ours.project.pk))
    past = client.get("/api/projects/", {"limit": "200", "cursor": cursor})
    assert past.status_code == 200
    assert past.json() == {"items": [], "count": 1, "count_estimated": False, "next": None}


@pytest.mark.django_db
def test_audit_dates_out_of_range_are_reported(personas: Personas) -> None:
    response = _client(personas.auditor).get("/system/audit/?date_from=0001-01-01&date_to=9999-12-31")
    assert response.status_code == 200
    assert "日期须在 1900 年至 2100 年之间" in response.content.decode()
