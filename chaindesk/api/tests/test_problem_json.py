"""Every API error answers application/problem+json (RFC 9457) with a Chinese title and detail, never HTML:
404 (missing, out of scope, unknown path), 401/403 (anonymous, a role that may not, a failed CSRF check),
405, 409 (two concurrent stage changes), 422 (a payload or parameter that does not validate, a broken rule)
and 500 (a service raising RuntimeError), route by route.

On the fixed personas' world (chaindesk/testkit/personas.py): the test project sits on 测试甲链 in 测试甲区 for our
enterprise, registered by `p_chief`, who also submits the test demand for that enterprise; `p_liaison` serves it,
`p_ent_user` is its user, `p_district` administers 测试甲区 and `p_x_district` 测试乙区 (out of scope)."""

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.test import Client, RequestFactory

from chaindesk.accounts.models import User
from chaindesk.api.errors import ProblemMiddleware
from chaindesk.core.errors import describe, problem
from chaindesk.core.exceptions import InvalidTransition
from chaindesk.demands.models import Demand
from chaindesk.projects import services
from chaindesk.projects.choices import ProjectStage
from chaindesk.projects.models import Project

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")
MISSING = 987654321


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # {project} and {demand} are filled in per test
    payload: dict[str, Any] | None = None

    def call(self, client: Client, ids: dict[str, int], payload: Any, **query: str) -> Any:
        path = self.path.format(**ids)
        if self.method == "get":
            return client.get(path, query)
        data = payload if isinstance(payload, str) else json.dumps(payload)
        return client.generic(self.method.upper(), path, data, content_type="application/json")


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """The response is problem+json for `status`, with Chinese title and detail and no trace of HTML."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert body["status"] == status and body["type"]
    assert CHINESE.search(body["title"]) and CHINESE.search(body["detail"]), body
    assert "<html" not in response.content.decode().lower()
    return body


@pytest.fixture
def project(personas: Any) -> Project:
    return services.project_create(
        actor=personas.chief,
        name="测试问题详情项目",
        chain=personas.ours.chain,
        region=personas.ours.region,
        enterprise=personas.ours.enterprise,
        planned_investment=Decimal("1000"),
    )


@pytest.fixture
def ids(personas: Any, project: Project) -> dict[str, int]:
    """The test project, our enterprise (as "boshen", the placeholder of the demand payload) and a demand the
    chief submitted for it through the API."""
    boshen = personas.ours.enterprise
    demand = _call("demand_submit", _client(personas.chief), {"project": project.pk, "boshen": boshen.pk}).json()
    return {"project": project.pk, "boshen": boshen.pk, "demand": demand["id"]}


def _client(user: User | None, **kwargs: Any) -> Client:
    assert user is not None, "a persona key names a user (anon has no login)"
    client = Client(**kwargs)
    client.force_login(user)
    return client


ROUTES = {
    "me": Route("get", "/api/me"),
    "project_list": Route("get", "/api/projects/"),
    "project_detail": Route("get", "/api/projects/{project}"),
    "project_transition": Route("post", "/api/projects/{project}/transition", {"to_stage": "signed"}),
    "demand_list": Route("get", "/api/demands/"),
    "demand_detail": Route("get", "/api/demands/{demand}"),
    "demand_submit": Route(
        "post",
        "/api/demands/",
        {"enterprise_id": "{boshen}", "title": "用地指标", "description": "二期用地。", "category": "land"},
    ),
}
AUTHENTICATED = sorted(ROUTES)


def _payload(route: Route, ids: dict[str, int]) -> Any:
    """The route's valid payload, with the enterprise placeholder filled."""
    if route.payload is None:
        return None
    return {k: (ids["boshen"] if v == "{boshen}" else v) for k, v in route.payload.items()}


def _call(name: str, client: Client, ids: dict[str, int], payload: Any = None, **query: str) -> Any:
    route = ROUTES[name]
    return route.call(client, ids, payload if payload is not None else _payload(route, ids), **query)


# --- 404 -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "override"),
    [
        ("project_detail", {"project": MISSING}),
        ("project_transition", {"project": MISSING}),
        ("demand_detail", {"demand": MISSING}),
        ("demand_submit", {"boshen": MISSING}),
    ],
)
def test_missing_object_is_404(personas, ids, name, override):
    body = assert_problem(_call(name, _client(personas.chief), {**ids, **override}), 404)
    assert body["type"] == "urn:chaindesk:problem:not-found"


@pytest.mark.parametrize("name", ["project_detail", "project_transition", "demand_detail", "demand_submit"])
def test_object_out_of_scope_is_404_like_a_missing_one(personas, ids, name):
    assert_problem(_call(name, _client(personas.x_district), ids), 404)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/nope"),
        ("get", "/api/projects/1/nope"),
        ("post", "/api/demands/1/nope"),
        ("get", "/api/me/extra"),
    ],
)
def test_unknown_path_under_api_is_404(personas, client, method, path):
    assert_problem(getattr(client, method)(path), 404)
    assert_problem(getattr(_client(personas.chief), method)(path), 404)


def test_pages_keep_their_html_404(personas):
    response = _client(personas.chief).get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("method", "path"),
    [("delete", "/api/projects/"), ("put", "/api/health"), ("get", "/api/projects/1/transition"), ("patch", "/api/me")],
)
def test_method_not_allowed_is_405_with_allow(personas, method, path):
    response = getattr(_client(personas.chief), method)(path)
    assert_problem(response, 405)
    assert response.has_header("Allow")


# --- 401 / 403 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", AUTHENTICATED)
def test_anonymous_is_401(client, ids, name):
    body = assert_problem(_call(name, client, ids), 401)
    assert body["type"] == "urn:chaindesk:problem:unauthenticated"


@pytest.mark.parametrize(
    ("name", "key", "message"),
    [
        ("project_transition", "ent_user", "您无权变更该项目的阶段。"),  # an enterprise user reads, may not change
        ("demand_submit", "district", "您无权为该企业提交诉求。"),  # a district admin sees, may not submit
    ],
)
def test_role_that_may_not_is_403_with_the_service_message(personas, ids, name, key, message):
    before = Project.objects.get(pk=ids["project"]).stage
    body = assert_problem(_call(name, _client(personas.user(key)), ids), 403)
    assert body["detail"] == message and body["type"] == "urn:chaindesk:problem:forbidden"
    assert Project.objects.get(pk=ids["project"]).stage == before
    # our enterprise keeps its two demands: the world's and the one `ids` submitted
    assert Demand.objects.filter(enterprise=personas.ours.enterprise).count() == 2


@pytest.mark.parametrize("name", ["project_transition", "demand_submit"])
def test_failed_csrf_check_is_403(personas, ids, name):
    body = assert_problem(_call(name, _client(personas.chief, enforce_csrf_checks=True), ids), 403)
    assert "CSRF" in body["detail"]


@pytest.mark.parametrize("name", ["project_list", "project_detail", "demand_list", "demand_detail", "me"])
def test_reads_are_allowed_where_writes_are_refused(personas, ids, name):
    assert _call(name, _client(personas.ent_user), ids).status_code == 200  # the 403s above are about the write


# --- 409 -----------------------------------------------------------------------------------------------


def test_second_of_two_concurrent_transitions_is_409(personas, ids):
    seen = {"expected_stage": ProjectStage.NEGOTIATING.value}
    first = _call("project_transition", _client(personas.chief), ids, {"to_stage": "signed", **seen})
    assert first.status_code == 200
    second = _call(
        "project_transition", _client(personas.liaison), ids, {"to_stage": "paused", "reason": "缓建", **seen}
    )
    body = assert_problem(second, 409)
    assert body["title"] == "已被他人变更" and body["type"] == "urn:chaindesk:problem:conflict"
    assert "该项目的阶段已被他人变更为“签约”" in body["detail"]
    assert Project.objects.get(pk=ids["project"]).stage == ProjectStage.SIGNED


# --- 422 -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "payload", "query", "field"),
    [
        ("project_list", None, {"limit": "x"}, "limit"),
        ("demand_list", None, {"cursor": "-"}, "cursor"),
        ("project_transition", {"to_stage": "bogus"}, {}, "to_stage"),
        ("project_transition", {"to_stage": "signed", "on": "明天"}, {}, "on"),
        ("demand_submit", {"title": "x"}, {}, "enterprise_id"),
        (
            "demand_submit",
            {"enterprise_id": 1, "title": "x" * 101, "description": "y", "category": "land"},
            {},
            "title",
        ),
    ],
)
def test_payload_or_parameter_that_does_not_validate_is_422_with_field_errors(
    personas, ids, name, payload, query, field
):
    body = assert_problem(_call(name, _client(personas.chief), ids, payload, **query), 422)
    assert body["type"] == "urn:chaindesk:problem:validation"
    fields = {error["field"] for error in body["errors"]}
    assert field in fields, body["errors"]
    assert all(error["detail"] for error in body["errors"])


def test_path_parameter_that_is_no_number_is_422(personas, ids):
    body = assert_problem(_client(personas.chief).get("/api/projects/abc"), 422)
    assert body["errors"][0]["field"] == "project_id" and body["errors"][0]["in"] == "path"


def test_body_that_is_no_json_is_problem_json(personas, ids):
    response = _call("demand_submit", _client(personas.chief), ids, "{not json")
    assert response.status_code in (400, 422)
    assert_problem(response, response.status_code)


@pytest.mark.parametrize(
    ("name", "payload", "message", "field"),
    [
        ("project_transition", {"to_stage": "started"}, "项目不能从“在谈”变更为“开工”。", None),
        ("demand_submit", {"title": "x", "description": "y", "category": "nope"}, "诉求类别“nope”不存在。", "category"),
        ("demand_submit", {"title": " ", "description": "y", "category": "land"}, "诉求事项", "title"),
    ],
)
def test_broken_rule_is_422_with_the_service_message(personas, ids, name, payload, message, field):
    if name == "demand_submit":
        payload = {"enterprise_id": ids["boshen"], **payload}
    body = assert_problem(_call(name, _client(personas.chief), ids, payload), 422)
    assert message in body["detail"]
    assert any(message in error["detail"] for error in body["errors"] if error["field"] == field), body["errors"]


# --- 500 -----------------------------------------------------------------------------------------------


def _boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("secret internals: password=hunter2")


SERVICE_OF = {
    "me": ("chaindesk.accounts.models.User.scope_label", property(_boom)),
    "project_list": ("chaindesk.projects.api.project_list", _boom),
    "project_detail": ("chaindesk.projects.api._detail", _boom),
    "project_transition": ("chaindesk.projects.services.project_transition", _boom),
    "demand_list": ("chaindesk.demands.api._visible", _boom),
    "demand_detail": ("chaindesk.demands.api.get_visible_or_404", _boom),
    "demand_submit": ("chaindesk.demands.services.demand_submit", _boom),
}


@pytest.mark.parametrize("name", AUTHENTICATED)
def test_server_error_is_500_and_reveals_nothing(personas, ids, monkeypatch, caplog, name):
    target, replacement = SERVICE_OF[name]
    monkeypatch.setattr(target, replacement)
    payload = {"to_stage": "signed"} if name == "project_transition" else None
    response = _call(name, _client(personas.chief, raise_request_exception=False), ids, payload)
    body = assert_problem(response, 500)
    assert body["type"] == "urn:chaindesk:problem:server-error"
    assert "hunter2" not in response.content.decode() and "RuntimeError" not in response.content.decode()
    assert any(record.exc_info and "hunter2" in str(record.exc_info[1]) for record in caplog.records)


def test_server_error_raises_in_tests_that_do_not_ask_otherwise(personas, ids, monkeypatch):
    monkeypatch.setattr("chaindesk.projects.api.project_list", _boom)
    with pytest.raises(RuntimeError):
        _call("project_list", _client(personas.chief), ids)


def test_error_response_from_outside_an_operation_becomes_problem_json():
    request = RequestFactory().get("/api/projects/")
    html = ProblemMiddleware(lambda request: HttpResponse("<html>oops</html>", status=500))(request)
    assert_problem(html, 500)
    not_allowed = ProblemMiddleware(lambda request: HttpResponseNotAllowed(["GET"]))(request)
    assert_problem(not_allowed, 405)
    assert not_allowed["Allow"] == "GET"
    page = ProblemMiddleware(lambda request: HttpResponse("<html>", status=500))(RequestFactory().get("/projects/"))
    assert page["Content-Type"].startswith("text/html")


# --- the shared mapping ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "status", "detail"),
    [
        (InvalidTransition("该项目的阶段已被他人变更"), 409, "该项目的阶段已被他人变更"),
        (ValidationError({"title": "请填写诉求事项。"}), 422, "请填写诉求事项。"),
        (PermissionDenied("您无权修改该项目。"), 403, "您无权修改该项目。"),
        (PermissionDenied(), 403, "您无权执行此操作。"),
        (Http404("Project matching query does not exist"), 404, "未找到该对象，或您无权查看。"),
        (KeyError("x"), 500, "服务器出错了，问题已记录。请稍后重试，如持续出现请联系系统管理员。"),
    ],
)
def test_one_mapping_for_pages_and_api(exc, status, detail):
    assert problem(exc) == (status, detail)
    assert describe(exc).as_dict()["status"] == status


def test_field_errors_name_their_field():
    body = describe(ValidationError({"title": ["请填写诉求事项。"], "__all__": ["日期有误。"]})).as_dict()
    assert body["errors"] == [{"field": "title", "detail": "请填写诉求事项。"}, {"field": None, "detail": "日期有误。"}]


def test_openapi_documents_the_problem_responses(personas):
    paths = _client(personas.chief).get("/api/openapi.json").json()["paths"]
    responses = paths["/api/projects/{project_id}/transition"]["post"]["responses"]
    assert {"200", "403", "404", "409", "422"} <= set(responses)
