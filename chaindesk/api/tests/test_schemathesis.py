"""Every API operation against its own OpenAPI description (issue 13 item 7): schemathesis generates requests from
the schema (valid ones, and invalid ones a client may send by mistake) and sends them to the Django application in
process; each answer must be no server error, with a status code, content type, headers and body the operation
documents.

Each operation is run as three callers on the fixed personas' world (chaindesk/testkit/personas.py): the chain
chief `p_chief` and the department official `p_handler`, each through an API token with write access to every
resource, and the system administrator `p_sysadmin` through the browser's session (with its CSRF token: an
administrator may hold no token). A path's ids and a body's record fields are drawn from our records, theirs
(out of scope) and generated ones, so the same operation meets found, out-of-scope and missing records.

Hypothesis runs derandomized (the same examples every run, no example database), so CI never flakes; a
failure names the operation and a curl command that reproduces it. `-m schema` runs only these
(`pytest chaindesk/api/tests/test_schemathesis.py -m schema -n 2` on both cores)."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import functools
import os
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import checks as schemathesis_checks

from chaindesk.api import services
from chaindesk.api.api import api
from chaindesk.core import clock
from chaindesk.testkit.personas import Personas

pytestmark = pytest.mark.django_db

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
# The OpenAPI description as /api/openapi.json serves it, read once at collection: one test per operation.
OPENAPI = api.get_openapi_schema()
OPERATIONS = [(method.upper(), path) for path, item in OPENAPI["paths"].items() for method in item if method in METHODS]
CHECKS = [
    getattr(schemathesis_checks, name)
    for name in (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    )
]
# Per operation and generation mode, each sent as every caller; a deeper run may ask for more (still derandomized).
EXAMPLES = int(os.environ.get("CHAINDESK_SCHEMA_EXAMPLES", "8"))
BUDGET = hypothesis_settings(
    max_examples=EXAMPLES,
    derandomize=True,  # the same examples every run
    database=None,  # no replay of an earlier run's failures: what runs depends on the code alone
    deadline=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=list(HealthCheck),
)


@functools.cache
def loaded() -> Any:
    """The description as schemathesis reads it (1–2 s: when a test needs it, not whenever the suite is collected)."""
    return schemathesis.openapi.from_dict(copy.deepcopy(OPENAPI))


@dataclasses.dataclass(frozen=True)
class Caller:
    name: str
    headers: dict[str, str]
    cookies: dict[str, str]


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    """Django's WSGI application, in process, on the test's connection: a request's start and end must not close
    the connection (it holds the test's transaction), as Django's test client arranges for its own requests."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _token(p: Personas, key: str) -> Caller:
    user = getattr(p, key)
    _token, secret = services.token_create(
        actor=p.sysadmin,
        user=user,
        name=f"接口契约测试·{key}",
        scopes={"*": "write"},
        expires_at=clock.now() + dt.timedelta(days=30),
    )
    return Caller(key, {"Authorization": f"Bearer {secret}"}, {})


def _session(p: Personas, key: str) -> Caller:
    client = Client()
    client.force_login(getattr(p, key))
    csrf = "schemathesisCsrfSecret0123456789"  # a CSRF secret: 32 letters and digits, sent as cookie and header
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    cookies = {settings.SESSION_COOKIE_NAME: session, settings.CSRF_COOKIE_NAME: csrf}
    return Caller(key, {"X-CSRFToken": csrf}, cookies)


@pytest.fixture
def callers(personas: Personas) -> list[Caller]:
    return [_token(personas, "chief"), _token(personas, "handler"), _session(personas, "sysadmin")]


def known_ids(p: Personas) -> dict[str, list[int]]:
    """Ids from the personas' world for the path and query parameters and the body fields that name a record (ours, then
    theirs, out of the callers' scope); a field ending in _ids takes a few of its singular's."""
    ours, theirs = p.ours, p.theirs
    assert ours.line is not None  # noqa: S101 - our project has a production line
    chains = [ours.chain.pk, theirs.chain.pk]
    nodes = [ours.node.pk, theirs.node.pk]
    regions = [ours.region.pk, p.city.pk]
    enterprises = [ours.enterprise.pk, theirs.enterprise.pk, p.ent2.pk]
    departments = [ours.department.pk, theirs.department.pk]
    talents = [ours.talent.pk, theirs.talent.pk]
    projects = [ours.project.pk, theirs.project.pk]
    demands = [ours.demand.pk, theirs.demand.pk]
    officials = [p.chief.pk, p.member.pk, p.liaison.pk, p.handler.pk]
    return {
        # path parameters
        "chain_id": chains,
        "node_id": nodes,
        "enterprise_id": enterprises,
        "contact_id": [ours.contact.pk, theirs.contact.pk],
        "year": [p.today.year - 1],
        "visit_id": [ours.visit.pk, theirs.visit.pk],
        "step_id": [ours.next_step.pk, theirs.next_step.pk],
        "project_id": projects,
        "line_id": [ours.line.pk],
        "lead_id": [ours.lead.pk, theirs.lead.pk],
        "talent_id": talents,
        "partner_id": [p.partner.pk],
        "cooperation_id": [ours.cooperation.pk, theirs.cooperation.pk],
        "demand_id": demands,
        "task_id": [ours.task.pk, theirs.task.pk],
        "notification_id": [ours.notification.pk, theirs.notification.pk],
        "meeting_id": [ours.meeting.pk, theirs.meeting.pk],
        "decision_id": [ours.decision.pk, theirs.decision.pk],
        "item_id": [ours.upward.pk, theirs.upward.pk],
        # body fields (the path's too: chain_id, node_id, enterprise_id, project_id, talent_id, partner_id)
        "parent_id": nodes,
        "region_id": regions,
        "hometown_id": regions,
        "attendee_region_id": regions,
        "referrer_id": enterprises,
        "credited_enterprise_id": enterprises,
        "attendee_enterprise_id": enterprises,
        "department_id": departments,
        "lead_department_id": departments,
        "co_department_id": departments,
        "attendee_department_id": departments,
        "credited_talent_id": talents,
        "rd_partner_id": [p.partner.pk],
        "follow_on_of_id": projects,
        "into_id": demands,
        "attendee_id": officials,
        "participant_id": officials,
        "chair_id": officials,
        "leader_id": officials,
        "owner_id": officials,
        "keeper_id": officials,
        "liaison_id": [p.liaison.pk, p.x_liaison.pk],
    }


def _pick(data: st.DataObject, name: str, value: Any, ids: dict[str, list[int]]) -> Any:
    """A known id for a field that names a record, or the generated value (most likely missing, or invalid)."""
    known = ids.get(name[:-1] if name.endswith("_ids") else name, [])
    if not known:
        return value
    chosen: Any
    if name.endswith("_ids"):
        few = st.lists(st.sampled_from(known), min_size=1, max_size=2, unique=True)
        chosen = data.draw(st.one_of(st.none(), few), label=name)
    else:
        chosen = data.draw(st.sampled_from([None, *known]), label=name)
    return value if chosen is None else chosen


def _run(operation: Any, mode: Any, send: Callable[[Any], None], ids: dict[str, list[int]]) -> None:
    @BUDGET
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def run(case: Any, data: st.DataObject) -> None:
        # Each caller brings its own credentials: none generated for the security schemes (a bearer token would
        # be judged before the session caller's cookie).
        (case.headers or {}).pop("Authorization", None)
        (case.cookies or {}).pop(settings.SESSION_COOKIE_NAME, None)
        for name, value in (case.path_parameters or {}).items():
            case.path_parameters[name] = _pick(data, name, value, ids)
        for name, value in (case.query or {}).items():
            case.query[name] = _pick(data, name, value, ids)
        if isinstance(case.body, dict):
            for name, value in case.body.items():
                case.body[name] = _pick(data, name, value, ids)
        send(case)

    run()


@pytest.mark.schema
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_keeps_to_its_schema(
    method: str, path: str, personas: Personas, callers: list[Caller], wsgi_app: WSGIHandler
) -> None:
    operation = loaded()[path][method]
    ids = known_ids(personas)

    answered: list[int] = []

    def send(case: Any) -> None:
        for caller in callers:
            response = case.call(app=wsgi_app, headers=caller.headers, cookies=caller.cookies)
            case.validate_response(response, checks=CHECKS, headers=caller.headers, transport_kwargs={"app": wsgi_app})
            answered.append(response.status_code)

    documented = OPENAPI["paths"][path][method.lower()]
    modes = [schemathesis.GenerationMode.POSITIVE]
    if documented.get("parameters") or documented.get("requestBody"):  # something to get wrong
        modes.append(schemathesis.GenerationMode.NEGATIVE)
    for mode in modes:
        _run(operation, mode, send, ids)
    assert len(answered) >= len(callers) * len(modes)  # the operation was called, whatever hypothesis made of it


def test_every_operation_is_tested() -> None:
    """The operations tested above are every operation the API serves: a new one cannot be left out (one hidden
    from the schema would be, so none may be), and schemathesis reads each without an error."""
    served = {
        (method, re.sub(r"\{\w+:", "{", re.sub("/+", "/", f"/api/{prefix}/{path}")))  # "{int:id}" is "{id}"
        for prefix, router in api._routers
        for path, view in router.path_operations.items()
        for op in view.operations
        for method in op.methods
    }
    assert set(OPERATIONS) == served
    assert len(OPERATIONS) == len(set(OPERATIONS)) > 100
    read = [result.ok() for result in loaded().get_all_operations()]  # .ok() raises on an unreadable operation
    assert sorted((o.method.upper(), o.path) for o in read) == sorted(OPERATIONS)


def test_component_names_are_unambiguous() -> None:
    """No two schema classes share a name: django-ninja keys the OpenAPI components by the class's name, so one
    would silently describe the other's operations."""
    import enum
    import typing

    import pydantic

    seen: dict[str, set[str]] = {}
    visited: set[type] = set()

    def walk(annotation: Any) -> None:
        if typing.get_origin(annotation) is not None:
            for argument in typing.get_args(annotation):
                walk(argument)
            return
        if not isinstance(annotation, type) or annotation in visited:
            return
        if issubclass(annotation, pydantic.BaseModel | enum.Enum):
            visited.add(annotation)
            seen.setdefault(annotation.__name__, set()).add(f"{annotation.__module__}.{annotation.__qualname__}")
        if issubclass(annotation, pydantic.BaseModel):
            for field in annotation.model_fields.values():
                walk(field.annotation)

    for _prefix, router in api._routers:
        for view in router.path_operations.values():
            for op in view.operations:
                for model in [*op.models, *op.response_models.values()]:
                    walk(model)
    assert {name: places for name, places in seen.items() if len(places) > 1} == {}


def test_every_operation_documents_its_problems_as_problem_json() -> None:
    """chaindesk/api/errors.py `document`: the answers any operation may give besides its own (401 and 403 when
    authenticated, 404 for a record in the path, 400 and 422 for what is validated, 409 and 422 of a POST's
    Idempotency-Key), every error as application/problem+json."""
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemOut"}}}
    for method, path in OPERATIONS:
        operation = OPENAPI["paths"][path][method.lower()]
        statuses = {int(status) for status in operation["responses"]}
        assert all(operation["responses"][s]["content"] == problem for s in operation["responses"] if int(s) >= 400)
        if operation.get("security"):
            assert {401, 403} <= statuses, (method, path)
        if "{" in path:
            assert 404 in statuses, (method, path)
        if operation.get("requestBody"):
            assert {400, 422} <= statuses, (method, path)
        if method == "POST":
            assert {409, 422} <= statuses, (method, path)
    assert "ProblemOut" in OPENAPI["components"]["schemas"]
    transition = OPENAPI["paths"]["/api/projects/{project_id}/transition"]["post"]["responses"]
    assert sorted(transition) == [200, 400, 401, 403, 404, 409, 422]
