"""The API list of every declared resource (chaindesk/api/lists.py), on the fixed personas.

Each list answers its own readers with the rows the page shows them (ours in, theirs out), refuses the other
roles (403) and the visitor (401) as problem+json, applies the page's filters, pages with limit/cursor, never
grows its query count with the rows, and is described in the OpenAPI schema."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chaindesk.api.lists import served
from chaindesk.api.tests.test_problem_json import assert_problem
from chaindesk.core.resources import REGISTRY
from chaindesk.core.tests.test_route_matrix import API_LISTS
from chaindesk.enterprises import services as enterprise_services
from chaindesk.enterprises.models import Enterprise
from chaindesk.testkit.personas import Personas, make_uscc

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # the task list counts working days from today

Get = Callable[[Personas], Any]

# For each list: a reader, the field that names a row, our object's value and (where the reader's scope
# keeps it out) theirs. Known from the personas world, not from the code under test.
SEEN: dict[str, tuple[str, str, Get, Get | None]] = {
    "enterprises": ("chief", "name", lambda w: w.ours.enterprise.name, lambda w: w.theirs.enterprise.name),
    "leads": ("chief", "title", lambda w: w.ours.lead.title, lambda w: w.theirs.lead.title),
    "talents": ("chief", "name", lambda w: w.ours.talent.name, None),  # a city-wide directory
    "partners": ("chief", "name", lambda w: w.partner.name, None),
    "upward": ("chief", "title", lambda w: w.ours.upward.title, lambda w: w.theirs.upward.title),
    "chains": ("chief", "name", lambda w: w.ours.chain.name, lambda w: w.theirs.chain.name),
    "meetings": ("chief", "title", lambda w: w.ours.meeting.title, lambda w: w.theirs.meeting.title),
    "assignments": ("liaison", "name", lambda w: w.ours.enterprise.name, lambda w: w.theirs.enterprise.name),
    "tasks": ("handler", "title", lambda w: w.ours.demand.title, lambda w: w.theirs.demand.title),
    "users": ("sysadmin", "username", lambda w: w.chief.username, None),
    "audit": ("auditor", "object_repr", lambda w: w.ours.enterprise.name, None),
    "notifications": ("handler", "title", lambda w: w.ours.notification.title, lambda w: w.theirs.notification.title),
}
# A role each list refuses (403).
REFUSED = {
    "enterprises": "handler",
    "leads": "ent_user",
    "talents": "ent_user",
    "partners": "handler",
    "upward": "ent_user",
    "chains": "ent_user",
    "meetings": "ent_user",
    "assignments": "district",
    "tasks": "chief",
    "users": "auditor",
    "audit": "sysadmin",
}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _get(client: Client, name: str, **query: Any) -> dict[str, Any]:
    response = client.get(f"/api/{name}/", query)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def test_every_served_list_is_checked_here_and_pinned_by_the_route_matrix() -> None:
    names = {r.api_name for r in served()}
    assert names == set(SEEN) == set(API_LISTS)
    assert set(REFUSED) == names - {"notifications"}  # the inbox is every signed-in user's own


def test_every_list_page_with_a_selector_serves_its_api_list() -> None:
    # Demands and projects have their typed lists (/api/demands/, /api/projects/); segments live in a chain.
    typed = {"demands:list", "projects:list"}
    for view, resource in REGISTRY.items():
        if resource.select is not None and view not in typed:
            assert resource.api_name, f"{view} has a selector but no API list"


@pytest.mark.parametrize("name", sorted(SEEN))
def test_each_list_shows_its_reader_our_rows_and_not_theirs(personas: Personas, name: str) -> None:
    reader, field, ours, theirs = SEEN[name]
    body = _get(_client(personas.user(reader)), name)
    values = {item[field] for item in body["items"]}
    assert ours(personas) in values
    if theirs is not None:
        assert theirs(personas) not in values
    assert body["count"] >= len(body["items"]) >= 1
    assert all(isinstance(item["id"], int) for item in body["items"])


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_each_list_refuses_the_roles_its_page_refuses(personas: Personas, name: str) -> None:
    client = _client(personas.user(REFUSED[name]))
    assert_problem(client.get(f"/api/{name}/"), 403)
    (resource,) = [r for r in served() if r.api_name == name]
    assert client.get(reverse(resource.view)).status_code == 403


@pytest.mark.parametrize("name", sorted(SEEN))
def test_a_visitor_who_is_not_signed_in_gets_401(name: str) -> None:
    assert_problem(Client().get(f"/api/{name}/"), 401)


def test_the_page_filters_apply(personas: Personas) -> None:
    client = _client(personas.chief)
    ours = personas.ours.enterprise.name
    everything = _get(client, "enterprises")
    narrowed = _get(client, "enterprises", q=ours)
    assert [item["name"] for item in narrowed["items"]] == [ours]
    assert narrowed["count"] == 1 < everything["count"]
    # a value the filter does not accept is ignored, as on the page
    assert _get(client, "enterprises", stale="abc")["count"] == everything["count"]


def test_limit_and_cursor_page_the_rows_and_count_them_all(personas: Personas) -> None:
    client = _client(personas.chief)
    whole = _get(client, "enterprises", sort="name")
    first = _get(client, "enterprises", sort="name", limit=1)
    second = _get(client, "enterprises", sort="name", limit=1, cursor=first["next"])
    assert first["count"] == second["count"] == whole["count"] == 2  # ours and ent2 on our chain
    assert [first["items"][0]["name"], second["items"][0]["name"]] == [i["name"] for i in whole["items"]]
    assert first["next"] and second["next"] is None and whole["next"] is None
    assert_problem(client.get("/api/enterprises/", {"limit": 10**6}), 422)
    tampered = assert_problem(client.get("/api/enterprises/", {"cursor": first["next"][:-1]}), 422)
    assert [error["field"] for error in tampered["errors"]] == ["cursor"]


def test_values_are_json_typed(personas: Personas) -> None:
    body = _get(_client(personas.chief), "leads", q=personas.ours.lead.title)
    (item,) = body["items"]
    assert item["id"] == personas.ours.lead.pk
    assert item["created_at"] == personas.today.isoformat()  # the ledger's 录入日期: a date
    assert item["owner"] == str(personas.ours.lead.owner)


def test_the_query_count_does_not_grow_with_the_rows(personas: Personas) -> None:
    client = _client(personas.chief)
    _get(client, "enterprises")  # the session's first request writes its last-seen time
    with CaptureQueriesContext(connection) as few:
        _get(client, "enterprises")
    for n in range(5):
        enterprise_services.enterprise_create(
            actor=personas.chief,
            name=f"测试新增企业{n}",
            uscc=make_uscc(f"{n}api", "329901"),
            region=personas.ours.region,
            nodes=[personas.ours.node],
        )
    with CaptureQueriesContext(connection) as many:
        body = _get(client, "enterprises")
    assert body["count"] == 7
    assert len(many) == len(few)
    assert Enterprise.objects.filter(name__startswith="测试新增企业").count() == 5


def test_the_openapi_schema_describes_each_list(personas: Personas) -> None:
    schema = json.loads(_client(personas.chief).get("/api/openapi.json").content)
    for name in SEEN:
        operation = schema["paths"][f"/api/{name}/"]["get"]
        assert operation["operationId"] == f"list_{name}"
        parameters = {p["name"] for p in operation["parameters"]}
        assert {"limit", "cursor", "sort"} <= parameters and "offset" not in parameters
    page = schema["components"]["schemas"]["EnterprisesRow"]["properties"]
    assert page["name"]["title"] == "企业名称" and page["id"]["type"] == "integer"


@pytest.mark.parametrize("path", ["/api/demands/", "/api/projects/"])
def test_the_typed_lists_refuse_the_roles_their_pages_refuse(personas: Personas, path: str) -> None:
    for key in ("sysadmin", "auditor"):
        assert_problem(_client(personas.user(key)).get(path), 403)
    body = _get(_client(personas.chief), path.strip("/").split("/")[1])
    assert body["count"] >= 1


@pytest.mark.parametrize("path", ["/api/openapi.json", "/api/docs"])
def test_the_schema_and_its_docs_are_for_signed_in_users(personas: Personas, path: str) -> None:
    anonymous = Client().get(path)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert _client(personas.ent_user).get(path).status_code == 200
