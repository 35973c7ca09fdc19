"""The API's permission matrix equals the pages' (issue 13 item 7): every API operation, paired with the page
that does the same thing, answers each persona in the same way.

The operations are read from the OpenAPI schema (`api.get_openapi_schema()`), each named by its URL name
(`api:<name>`, the view function's name, as the route matrix names them). Each is paired with a page route:

- generated from the resources declared once (chaindesk/core/resources.py `REGISTRY`), for an operation on
  `/api/<p>/` where `<p>` is a resource's `api_name` (or, for the typed lists of projects and demands, the
  namespace of its list page `<p>:list`): `GET /api/<p>/` ↔ the list page (`Resource.view`), `POST /api/<p>/`
  ↔ its create page (`Resource.create_view`), `GET /api/<p>/{id}` ↔ the page each row of the list links to
  (the `Col.link` of its columns), `PATCH` / `DELETE` of it ↔ that page's `edit` / `delete` sibling
  (`projects:detail` → `projects:edit`), `POST /api/<p>/{id}/<action>` ↔ the route `<namespace>:<action>`
  (`leads:advance`), each where such a route exists;
- explicit in `PAIRS` where nothing can derive it (the chain map, contacts, the task page's actions …), which
  also overrides a generated pair that names the wrong page (`get_assignment` is the enterprise's service
  timeline, not the enterprise page its list links to; `POST /api/demands/{id}/tasks` is the demand page's
  交办, not the department's task list `demands:tasks`);
- or listed in `NO_PAGE` with the reason. An operation in none of them fails `test_every_operation_is_paired`.

Each (pair, persona) is requested twice with the persona's signed-in client (the route matrix's world and
clients: chaindesk/core/tests/test_route_matrix.py, built once per module; the API's session auth, its CSRF
check off as in every Django test client), the API request and the page request each in a savepoint rolled back
after it, so a write (or a denial's audit line) never reaches the next request. Each answer is reduced to its
outcome class:

- `allowed`: the permission check passed. For the API a 2xx, 409 (a stale expected stage) or 422 from the view
  (a form's or a service's refusal); for a page a 200, 400 (the form's errors), 409, or a redirect anywhere but
  the login page;
- `forbidden` (403), `hidden` (404: missing and out of scope alike);
- `login`: not signed in (the API's 401 ↔ a page's redirect to the login page);
- anything else (405, 500, a 422 from django-ninja's own body validation, `schema`) is its own class and fails.

Writes. django-ninja validates the body before the view runs, so an empty body answers 422 to every persona
before any permission check: it would compare nothing. Such a 422 reveals nothing (no object is looked up), so
the API is left as it is and each write is sent a body that passes the schema instead, built from the
operation's request schema: each required field filled by its name (`enterprise_id`: our enterprise …, `FILL`)
or its type (text, today's date, the first choice, 1, false). The view answers 2xx (the write is rolled back),
409/422 (the form or the service refuses the dummy values: past the permission check) or 403/404; a view that
ran its form or looked up a body's record before checking the role would answer 422/404 to a persona the page
refuses with 403, and the matrix shows it. A create whose page has no object in its address
(`POST /api/enterprises/` ↔ `enterprises:create`) fills its ids from the persona's own side (an x_ persona
names theirs), as the create page offers each persona its own choices; every other operation names ours, as
its page does. An upload names the projects kind, which every official may import: the upload page offers each
persona only the kinds they may import (another kind is the form's refusal there, the API's 403), so the pair
compares the right to upload at all.

The page side is the GET of the form page where the action has one (its permission is the action's), else the
POST the page sends, with empty data where the view checks the rights first; the demand page's actions validate
their form before checking the panel (state and role together), so they are sent valid data, each on a demand
in the status the action is for (`Extra`, made once for the module).

Every discrepancy is either fixed in the app's api.py or listed in `KNOWN` with the reason, held as
xfail(strict=True) by `test_known_discrepancies`: fixing one fails the suite until it is removed here.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse

from chaindesk.api.api import api
from chaindesk.core.resources import REGISTRY, Resource
from chaindesk.core.tests import test_route_matrix as route_matrix
from chaindesk.core.tests.test_route_matrix import API_PARAMS, ROUTES, World, _url, all_routes
from chaindesk.demands import services as demand_services
from chaindesk.demands.choices import Channel
from chaindesk.demands.models import Demand
from chaindesk.testkit.personas import KEYS, Personas, Side

ALLOWED, FORBIDDEN, HIDDEN, LOGIN, SCHEMA = "allowed", "forbidden", "hidden", "login", "schema"
READS = frozenset({"GET"})
Response = Any  # the test client's response (an HttpResponse with the request's details)


@dataclasses.dataclass
class Extra:
    """Demands of ours in the statuses the demand page's actions are for (the world's is already being worked
    on): submitted (受理, 不予受理, 要求补充, 合并), awaiting information (补充材料), awaiting confirmation (确认)."""

    submitted: Demand
    needs_info: Demand
    awaiting: Demand


Ref = Callable[[Personas, Extra], Any]
Kwargs = Callable[[Personas, Extra], dict[str, Any]]


@dataclasses.dataclass(frozen=True)
class Page:
    """The page side of a pair: its route (a key of the route matrix's ROUTES), how it is requested and, where
    the route matrix's object is not the one the action needs, its own kwargs; `data` for a POST."""

    route: str
    method: str = "GET"
    kwargs: Kwargs | None = None
    data: Kwargs | None = None

    def url(self, w: Personas, x: Extra) -> str:
        kwargs = self.kwargs(w, x) if self.kwargs else ROUTES[self.route](w)
        return _url(all_routes()[self.route.split("@")[0]], kwargs)


def post(route: str, data: Kwargs | None = None, kwargs: Kwargs | None = None) -> Page:
    return Page(route, "POST", kwargs, data)


# --- the API's operations, from its OpenAPI schema ------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Operation:
    name: str  # the URL name (api:<name>): the view function's name
    method: str
    path: str  # as the schema writes it: /api/enterprises/{enterprise_id}
    body: dict[str, Any] | None  # the request body's schema
    content_type: str
    query: tuple[str, ...]  # the required query parameters

    @property
    def prefix(self) -> str:
        return self.path.split("/")[2]

    @property
    def rest(self) -> list[str]:
        """The path's segments after /api/<prefix>/."""
        return [part for part in self.path.split("/")[3:] if part]


def _schema_path(route: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


@functools.cache
def schema() -> dict[str, Any]:
    return api.get_openapi_schema()


@functools.cache
def operations() -> dict[str, Operation]:
    """Every operation of the schema by its URL name (the longest URL name of its path that ends its id)."""
    by_path: dict[str, list[str]] = {}
    for key, route in all_routes().items():
        if key.startswith("api:"):
            by_path.setdefault(_schema_path(route), []).append(key.removeprefix("api:"))
    found: dict[str, Operation] = {}
    for path, item in schema()["paths"].items():
        for method, spec in item.items():
            op_id = spec["operationId"]
            names = [n for n in by_path.get(path, []) if op_id == n or op_id.endswith(f"_{n}")]
            assert names, f"{method.upper()} {path} ({op_id}): no URL name ends its operationId"
            contents = spec.get("requestBody", {}).get("content", {})
            content_type, content = next(iter(contents.items()), ("", None))
            body = _resolve(content["schema"]) if content else None
            query = tuple(p["name"] for p in spec.get("parameters", []) if p["in"] == "query" and p.get("required"))
            name = max(names, key=len)
            found[name] = Operation(name, method.upper(), path, body, content_type, query)
    return found


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    """A schema node with its $ref (or single allOf) followed, and nullable anyOf reduced to its first type."""
    ref = node.get("$ref") or (node["allOf"][0].get("$ref") if len(node.get("allOf", ())) == 1 else None)
    if ref:
        return _resolve(schema()["components"]["schemas"][ref.split("/")[-1]])
    options = [n for n in node.get("anyOf", ()) if n.get("type") != "null"]
    return _resolve(options[0]) if options else node


# --- the pairs ------------------------------------------------------------------------------------------------


def resource_of(prefix: str) -> Resource | None:
    """The resource an API prefix serves: by its api_name, else the one listed at `<prefix>:list`."""
    named = [r for r in REGISTRY.values() if r.api_name == prefix]
    return named[0] if named else REGISTRY.get(f"{prefix}:list")


def _detail_route(resource: Resource) -> str | None:
    links = {c.link for c in resource.columns if c.link}
    return links.pop() if len(links) == 1 else None


def _sibling(route: str | None, name: str) -> str | None:
    """`projects:detail` → `projects:edit`, `network:partner_detail` → `network:partner_edit`, if it exists."""
    if route is None or "detail" not in route:
        return None
    other = route.replace("detail", name)
    return other if other in all_routes() else None


def generated(op: Operation) -> Page | None:
    """The page of an operation on a declared resource, derived as the module docstring says (None if none)."""
    resource = resource_of(op.prefix)
    if resource is None:
        return None
    rest, detail = op.rest, _detail_route(resource)
    if not rest:
        if op.method == "GET":
            return Page(resource.view)
        return Page(resource.create_view) if op.method == "POST" and resource.create_view else None
    if not rest[0].startswith("{"):
        return None
    if len(rest) == 1:
        routes = {"GET": detail, "PATCH": _sibling(detail, "edit"), "DELETE": _sibling(detail, "delete")}
        route = routes.get(op.method)
        return (Page(route) if op.method != "DELETE" else post(route)) if route else None
    if len(rest) == 2 and op.method == "POST" and not rest[1].startswith("{"):
        route = f"{resource.view.split(':')[0]}:{rest[1].replace('-', '_')}"
        return post(route) if route in all_routes() else None
    return None


def _demand_form(prefix: str, demand: Ref, **fields: Ref | str) -> Kwargs:
    """The demand page's action form, valid: the demand's status as expected, each field's value."""

    def data(w: Personas, x: Extra) -> dict[str, Any]:
        values = {name: value(w, x) if callable(value) else value for name, value in fields.items()}
        return {f"{prefix}-expected_status": demand(w, x).status, **{f"{prefix}-{k}": v for k, v in values.items()}}

    return data


def _demand_action(action: str, demand: Ref) -> Kwargs:
    return lambda w, x: {"pk": demand(w, x).pk, "action": action}


def _submitted(w: Personas, x: Extra) -> Demand:
    return x.submitted


def _ours_demand(w: Personas, x: Extra) -> Demand:
    return w.ours.demand


# Pairs nothing derives (or a generated one that names the wrong page), each with the page doing the same thing.
PAIRS: dict[str, Page] = {
    "me": Page("dashboards:home"),  # who the caller is: any signed-in user
    "get_notification": post("core:inbox_read"),  # one notification of the caller's own inbox
    "read_notification": post("core:inbox_read"),
    "read_all_notifications": post("core:inbox_read_all"),
    # chains: the map and its 编辑环节 page
    "list_chain_nodes": Page("chains:map"),
    "add_chain_node": post("chains:node_add"),
    "update_chain_node": post("chains:node_rename"),
    "reorder_chain_node": post("chains:node_reorder"),
    "delete_chain_node": post("chains:node_delete"),
    # enterprises: contacts and indicators
    "add_enterprise_contact": Page("enterprises:contact_create"),
    "update_enterprise_contact": Page("enterprises:contact_edit"),
    "delete_enterprise_contact": post("enterprises:contact_delete"),
    "set_enterprise_indicators": Page("enterprises:indicator_create"),
    # one-to-one service: the enterprise's service is its timeline; visits are on its visits tab
    "get_assignment": Page("liaison:timeline"),
    "assign_liaison": Page("liaison:assign"),
    "list_enterprise_visits": Page("liaison:visits"),
    "get_visit": Page("liaison:visits"),
    "create_visit": Page("liaison:visit_create"),
    "update_visit": Page("liaison:visit_create"),  # no page corrects a visit: whoever may log one may
    "complete_next_step": post("liaison:next_step_done"),
    # network
    "get_talent": Page("network:talent_detail"),
    "update_talent": Page("network:talent_edit"),
    "add_talent_contact": post("network:talent_contact_add"),
    "list_enterprise_cooperations": Page("network:enterprise_rd"),
    "get_cooperation": Page("network:enterprise_rd"),
    "create_cooperation": Page("network:cooperation_create"),
    "update_cooperation": Page("network:cooperation_edit"),
    # projects: lines and the investment panel
    "add_project_line": post("projects:line_add"),
    "remove_project_line": post("projects:line_remove"),
    "set_project_plan": post("projects:investment_plan"),
    "report_project_investment": post("projects:investment_report"),
    # leads
    "get_lead": Page("leads:detail"),
    "update_lead": Page("leads:edit"),
    "add_lead_follow_up": post("leads:follow_up"),
    # demands: the demand page's actions, each on a demand in the status it is for
    "accept_demand": post(
        "demands:action", _demand_form("accept", _submitted, note="测试"), _demand_action("accept", _submitted)
    ),
    "reject_demand": post(
        "demands:action",
        lambda w, x: {**_demand_form("reject", _submitted, reason="测试")(w, x), "confirmed": "1"},
        _demand_action("reject", _submitted),
    ),
    "request_demand_info": post(
        "demands:action", _demand_form("info", _submitted, note="测试"), _demand_action("request_info", _submitted)
    ),
    "merge_demand": post(
        "demands:action",
        lambda w, x: {**_demand_form("merge", _submitted, into=lambda w, x: w.ours.demand.pk)(w, x), "confirmed": "1"},
        _demand_action("merge", _submitted),
    ),
    "supply_demand_info": post(
        "demands:action",
        _demand_form("supply", lambda w, x: x.needs_info, note="测试"),
        _demand_action("supply_info", lambda w, x: x.needs_info),
    ),
    "assign_demand_task": post(
        "demands:action",
        _demand_form(
            "task",
            _ours_demand,
            lead_department=lambda w, x: w.ours.department.pk,
            instructions="测试",
            working_days="5",
        ),
        _demand_action("task", _ours_demand),
    ),
    "confirm": post(
        "demands:action",
        _demand_form("confirm", lambda w, x: x.awaiting, rating="satisfied", proxy_note="测试"),
        _demand_action("confirm", lambda w, x: x.awaiting),
    ),
    # the task page's actions
    "get_demand_task": Page("demands:task_detail"),
    "sign_task": post("demands:task_sign"),
    "report_task_progress": post("demands:task_progress"),
    "request_task_extension": post("demands:task_extension"),
    "return_task": post("demands:task_return"),
    "request_task_completion": post("demands:task_completion"),
    "decide_task_extension": post("demands:task_decide_extension"),
    "decide_task_completion": post("demands:task_decide_completion"),
    "instruct_task": post("demands:task_instruct"),
    "urge_task": post("demands:task_urge"),
    # meetings: decisions
    "add_meeting_decision": post("meetings:decision_add"),
    "update_meeting_decision": Page("meetings:decision_edit"),
    "delete_meeting_decision": post("meetings:decision_delete"),
    "meeting_decision_to_demand": Page("meetings:decision_to_demand"),
    "assign_meeting_decision": Page("meetings:decision_to_demand"),  # the same page 交办s one about no enterprise
    # imports: the 数据导入 pages
    "list_imports": Page("transfer:list"),
    "upload_import": Page("transfer:list"),  # the upload form is on the list page
    "get_import": Page("transfer:detail"),
    "remap_import": post("transfer:mapping"),
    "commit_import": post("transfer:commit"),
    "undo_import": post("transfer:undo"),
    "import_errors": Page("transfer:errors"),
    # annual targets: the ledger, one owner's 填报 form (its GET: the form's permission is the save's), the lights
    "list_targets": Page("targets:ledger"),
    "set_targets": Page("targets:edit"),
    "get_target_lights": Page("targets:lights"),
    "set_target_lights": post("targets:lights"),  # empty: a city leader gets the form's errors, the others 403
}

# Operations no page does, and why.
NO_PAGE: dict[str, str] = {
    "health": "liveness for load balancers: answers everyone without touching the database",
    "ready": "readiness for load balancers: answers everyone with the state of the database, Redis, queue and disk",
}

# The API's path parameters where the action needs another object than the route matrix's (API_PARAMS).
PARAMS: dict[str, dict[str, Ref]] = {
    "accept_demand": {"demand_id": lambda w, x: x.submitted.pk},
    "reject_demand": {"demand_id": lambda w, x: x.submitted.pk},
    "request_demand_info": {"demand_id": lambda w, x: x.submitted.pk},
    "merge_demand": {"demand_id": lambda w, x: x.submitted.pk},
    "supply_demand_info": {"demand_id": lambda w, x: x.needs_info.pk},
    "confirm": {"demand_id": lambda w, x: x.awaiting.pk},
    "set_targets": {"owner": lambda w, x: "chain", "owner_id": lambda w, x: w.ours.chain.pk},  # targets:edit's
}


@functools.cache
def pairs() -> dict[str, Page]:
    """Every paired operation's page: the generated ones, overridden by PAIRS."""
    found = {name: page for name, op in operations().items() if (page := generated(op)) is not None}
    return {**found, **PAIRS}


# --- the bodies -----------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Fill:
    w: Personas
    side: Side  # ours, or the persona's own for a create whose page has no object


# Required body fields filled by name (ids of the world), before their type says.
FILL: dict[str, Callable[[Fill], Any]] = {
    "enterprise_id": lambda f: f.side.enterprise.pk,
    "region_id": lambda f: f.side.region.pk,
    "chain_id": lambda f: f.side.chain.pk,
    "department_id": lambda f: f.side.department.pk,
    "lead_department_id": lambda f: f.side.department.pk,
    "liaison_id": lambda f: f.side.assignment.liaison_id,
    "leader_id": lambda f: f.side.chain.chief_id,
    "partner_id": lambda f: f.w.partner.pk,
    "into_id": lambda f: f.w.ours.demand.pk,
    "year": lambda f: f.w.today.year,
    "kind": lambda f: "projects",  # an import's kind: one every official may import (see the module docstring)
}


def _fill(name: str, node: dict[str, Any], f: Fill) -> Any:
    node = _resolve(node)
    if "enum" in node:
        return node["enum"][0]
    if name in FILL:
        return FILL[name](f)
    kind, shape = node.get("type"), node.get("format", "")
    if kind == "string":
        return f.w.today.isoformat() if shape == "date" else "测试"
    return {"integer": 1, "number": 1, "boolean": False, "array": [], "object": {}}.get(str(kind))


def body(op: Operation, f: Fill) -> dict[str, Any]:
    """The operation's required fields, each filled (an upload: an import file of one row)."""
    spec = op.body or {}
    props = spec.get("properties", {})
    values = {name: _fill(name, props[name], f) for name in spec.get("required", ()) if name != "file"}
    if "file" in props:
        ours = f.w.ours.enterprise
        data = f"企业名称,统一社会信用代码\n{ours.name},{ours.uscc}\n".encode()
        values["file"] = SimpleUploadedFile("企业名录.csv", data, content_type="text/csv")
    return values


# --- the requests ---------------------------------------------------------------------------------------------


def _isolated(call: Callable[[], Response]) -> Response:
    """One request in a savepoint rolled back after it (its writes, audit lines and session never stay)."""
    with transaction.atomic():
        response = call()
        if response.streaming:
            b"".join(response.streaming_content)  # type: ignore[attr-defined]
        transaction.set_rollback(True)
    return response


def api_outcome(response: Response) -> str:
    status = response.status_code
    if status == 422:
        problem = json.loads(response.content)
        # django-ninja's own validation (before the view) names where each error is: body, query, path
        return SCHEMA if any("in" in error for error in problem.get("errors", ())) else ALLOWED
    if 200 <= status < 300 or status == 409:
        return ALLOWED
    return {401: LOGIN, 403: FORBIDDEN, 404: HIDDEN}.get(status, str(status))


def page_outcome(response: Response) -> str:
    status = response.status_code
    if status == 302:
        return LOGIN if response["Location"].startswith(reverse("accounts:login")) else ALLOWED
    if status in (200, 400, 409):
        return ALLOWED
    return {403: FORBIDDEN, 404: HIDDEN}.get(status, str(status))


def _own_side(w: Personas, persona: str) -> Side:
    return w.theirs if persona.startswith("x_") else w.ours


@dataclasses.dataclass(frozen=True)
class Case:
    op: Operation
    page: Page
    api_url: str
    page_url: str

    @property
    def creates(self) -> bool:
        """A create whose page names no object: its body names the persona's own side."""
        return not re.search(r"<", all_routes()[self.page.route.split("@")[0]])


def case(name: str, w: Personas, x: Extra) -> Case:
    op, page = operations()[name], pairs()[name]
    kwargs = {}
    for param in re.findall(r"{(\w+)}", op.path):
        kwargs[param] = PARAMS.get(name, {}).get(param, lambda w, x, p=param: API_PARAMS[p](w))(w, x)
    url = re.sub(r"{(\w+)}", lambda m: str(kwargs[m.group(1)]), op.path)
    if op.query:
        f = Fill(w, w.ours)
        url += "?" + "&".join(f"{q}={FILL[q](f)}" for q in op.query)
    return Case(op, page, url, page.url(w, x))


def api_request(c: Case, client: Client, w: Personas, persona: str) -> Response:
    op = c.op
    if op.method in READS:
        return client.get(c.api_url)
    values = body(op, Fill(w, _own_side(w, persona) if c.creates else w.ours))
    if op.content_type.startswith("multipart"):
        return client.post(c.api_url, values)
    return client.generic(op.method, c.api_url, json.dumps(values), content_type="application/json")


def page_request(c: Case, client: Client, w: Personas, x: Extra) -> Response:
    if c.page.method == "GET":
        return client.get(c.page_url)
    return client.post(c.page_url, c.page.data(w, x) if c.page.data else {})


def outcomes(c: Case, m: Matrix, persona: str) -> tuple[str, str, int, int]:
    client = m.world.clients[persona]
    w = m.world.personas
    api_response = _isolated(lambda: api_request(c, client, w, persona))
    page_response = _isolated(lambda: page_request(c, client, w, m.extra))
    return (
        api_outcome(api_response),
        page_outcome(page_response),
        api_response.status_code,
        page_response.status_code,
    )


# --- the world: the route matrix's, with demands in the statuses the demand page's actions need -------------

world = route_matrix.world  # its module fixture: the personas world and one signed-in client per persona


@dataclasses.dataclass
class Matrix:
    world: World
    extra: Extra


def _fresh_demand(w: Personas, title: str) -> Demand:
    return demand_services.demand_submit(
        actor=w.ent_user,
        enterprise=w.ours.enterprise,
        title=title,
        description="测试诉求内容。",
        category=w.category,
        channel=Channel.ENTERPRISE,
    )


def _awaiting(w: Personas) -> Demand:
    demand = demand_services.demand_accept(demand=_fresh_demand(w, "测试待确认诉求"), actor=w.member, note="")
    task = demand_services.task_create(
        demand=demand, actor=w.member, lead_department=w.ours.department, instructions="测试", working_days=5
    )
    demand_services.task_sign(task=task, actor=w.handler)
    demand_services.task_request_completion(task=task, actor=w.handler, result="测试办理结果")
    demand_services.task_accept_completion(task=task, actor=w.member, note="")
    demand.refresh_from_db()
    return demand


@pytest.fixture(scope="module")
def matrix(world: World, django_db_blocker: Any) -> Iterator[Matrix]:
    """The route matrix's world (rolled back at the module's end) and the extra demands, made inside it."""
    w = world.personas
    with django_db_blocker.unblock():
        needs_info = demand_services.demand_request_info(
            demand=_fresh_demand(w, "测试待补充诉求"), actor=w.member, note="请补充用地材料。"
        )
        extra = Extra(_fresh_demand(w, "测试新诉求"), needs_info, _awaiting(w))
    yield Matrix(world, extra)


# --- known discrepancies --------------------------------------------------------------------------------------

# (operation, persona) whose API answer differs from the page's, with why it is left so; each is held as
# xfail(strict=True) by test_known_discrepancies, so fixing one fails the suite until it is removed here.
KNOWN: dict[tuple[str, str], str] = {}


# --- the tests ------------------------------------------------------------------------------------------------


def test_every_operation_is_paired():
    ops = set(operations())
    paired, explicit, skipped = set(pairs()), set(PAIRS), set(NO_PAGE)
    assert not (explicit - ops), f"PAIRS names operations that do not exist: {sorted(explicit - ops)}"
    assert not (skipped - ops), f"NO_PAGE names operations that do not exist: {sorted(skipped - ops)}"
    assert not (paired & skipped), f"both paired and in NO_PAGE: {sorted(paired & skipped)}"
    missing = ops - paired - skipped
    assert not missing, f"new API operations: pair each with its page (PAIRS) or say why none (NO_PAGE): {missing}"
    unknown = {name: page.route for name, page in pairs().items() if page.route.split("@")[0] not in all_routes()}
    assert not unknown, f"pairs name page routes that do not exist: {unknown}"
    stale = [key for key in KNOWN if key[0] not in ops or key[1] not in KEYS]
    assert not stale, f"KNOWN names operations or personas that do not exist: {stale}"


def test_pairs_are_generated_where_they_can_be():
    """The generator derives the resources' own pairs (a broken generator would leave them all to PAIRS)."""
    derived = {name: page.route for name, op in operations().items() if (page := generated(op)) is not None}
    for name, route in {
        "list_enterprises": "enterprises:list",
        "create_enterprise": "enterprises:create",
        "get_enterprise": "enterprises:detail",
        "update_enterprise": "enterprises:edit",
        "delete_meeting": "meetings:delete",
        "advance_lead": "leads:advance",
        "transition": "projects:transition",
        "list_users": "core:user_list",
    }.items():
        assert derived.get(name) == route, f"{name}: generated {derived.get(name)!r}, expected {route!r}"
    redundant = [name for name, page in PAIRS.items() if generated(operations()[name]) == page]
    assert not redundant, f"PAIRS repeats what is generated: {redundant}"
    assert len(derived) >= 25, f"only {len(derived)} pairs generated"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(pairs()))
def test_api_answers_as_the_page(name, matrix):
    w = matrix.world.personas
    c = case(name, w, matrix.extra)
    problems = []
    for persona in KEYS:
        if (name, persona) in KNOWN:
            continue
        api, page, api_status, page_status = outcomes(c, matrix, persona)
        if api != page:
            problems.append(f"{persona}: API {api} ({api_status}), page {page} ({page_status})")
    assert not problems, f"{c.op.method} {c.api_url} ↔ {c.page.method} {c.page_url}: " + "; ".join(problems)


@pytest.mark.django_db
def test_an_empty_body_is_refused_before_the_view(matrix):
    """Why each write is sent a body that passes the schema: django-ninja refuses an empty one (422, each error
    naming where it is) before the view, to a persona the page refuses as to one it serves; the matrix tells
    that 422 apart from the view's own (`schema`), and the generated body reaches the view."""
    w = matrix.world.personas
    c = case("create_enterprise", w, matrix.extra)
    for persona, checked in (("chief", ALLOWED), ("handler", FORBIDDEN)):
        client = matrix.world.clients[persona]
        empty = _isolated(lambda: client.post(c.api_url, "{}", content_type="application/json"))  # noqa: B023
        assert (empty.status_code, api_outcome(empty)) == (422, SCHEMA)
        assert api_outcome(_isolated(lambda: api_request(c, client, w, persona))) == checked  # noqa: B023


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "persona"),
    [pytest.param(n, p, marks=pytest.mark.xfail(strict=True, reason=reason)) for (n, p), reason in KNOWN.items()]
    or [pytest.param("-", "-", marks=pytest.mark.skip(reason="no known discrepancy"))],
)
def test_known_discrepancies(name, persona, matrix):
    c = case(name, matrix.world.personas, matrix.extra)
    api, page, _api_status, _page_status = outcomes(c, matrix, persona)
    assert api == page
