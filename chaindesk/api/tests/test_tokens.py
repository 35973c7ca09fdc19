"""API tokens (chaindesk/api/auth.py, services.py): another system calls the API as the token's user, within the
token's scopes; bad, expired and revoked tokens get 401, a scope the token lacks 403, both as problem+json in
Chinese; the secret is stored hashed only; every write and (at most once a minute) a read is audited under
the token's name.

On the fixed personas' world (chaindesk/testkit/personas.py): 测试甲链's chief `p_chief` sees our project and
enterprise; `p_x_chief` (测试乙链) does not. Tokens are issued by `p_sysadmin`."""

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client

from chaindesk.accounts.models import User
from chaindesk.api import services
from chaindesk.api.api import api
from chaindesk.api.auth import api_resources
from chaindesk.api.models import ApiToken, hash_secret
from chaindesk.api.tests.test_problem_json import assert_problem
from chaindesk.core import clock
from chaindesk.core.models import AuditAction, AuditLog, Notification
from chaindesk.projects import services as project_services
from chaindesk.projects.choices import ProjectStage
from chaindesk.projects.models import Project
from chaindesk.testkit.personas import Personas

pytestmark = pytest.mark.django_db

NAME = "12345热线平台"


def issue(p: Personas, user: User, scopes: dict[str, str], *, days: int = 30, name: str = NAME) -> tuple[ApiToken, str]:
    return services.token_create(
        actor=p.sysadmin, user=user, name=name, scopes=scopes, expires_at=clock.now() + dt.timedelta(days=days)
    )


def bearer(secret: str) -> Client:
    """A client that only carries the token: no session, and the CSRF check enforced (a token needs none)."""
    return Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {secret}"})


def names(response: Any, field: str = "name") -> set[str]:
    assert response.status_code == 200, response.content
    body = json.loads(response.content)
    return {row[field] for row in body["items"]}


@pytest.fixture
def project(personas: Personas) -> Project:
    """A project of our chief's, still 在谈: a stage change to 签约 is allowed."""
    return project_services.project_create(
        actor=personas.chief,
        name="测试令牌项目",
        chain=personas.ours.chain,
        region=personas.ours.region,
        enterprise=personas.ours.enterprise,
        planned_investment=Decimal("1000"),
    )


def transition(client: Client, project: Project) -> Any:
    return client.post(
        f"/api/projects/{project.pk}/transition", {"to_stage": "signed"}, content_type="application/json"
    )


# --- reading with a token ------------------------------------------------------------------------------------


def test_a_token_reads_the_typed_lists_and_the_resource_lists_as_its_user(personas: Personas) -> None:
    _token, secret = issue(personas, personas.chief, {"*": "read"})
    client = bearer(secret)
    projects = names(client.get("/api/projects/"))
    assert personas.ours.project.name in projects and personas.theirs.project.name not in projects
    enterprises = names(client.get("/api/enterprises/"))
    assert personas.ours.enterprise.name in enterprises and personas.theirs.enterprise.name not in enterprises
    assert personas.ours.lead.title in names(client.get("/api/leads/"), "title")
    me = client.get("/api/me")
    assert me.status_code == 200 and json.loads(me.content)["username"] == personas.chief.username


def test_a_token_of_an_out_of_scope_user_gets_404_for_our_project(personas: Personas) -> None:
    """The token acts with its user's scope, whatever its own scopes say."""
    _token, secret = issue(personas, personas.x_chief, {"*": "write"})
    client = bearer(secret)
    assert_problem(client.get(f"/api/projects/{personas.ours.project.pk}"), 404)
    assert personas.ours.project.name not in names(client.get("/api/projects/"))
    assert client.get(f"/api/projects/{personas.theirs.project.pk}").status_code == 200


def test_a_token_needs_no_csrf_token_to_write_and_the_service_acts_as_its_user(
    personas: Personas, project: Project
) -> None:
    token, secret = issue(personas, personas.chief, {"projects": "write"})
    response = transition(bearer(secret), project)
    assert response.status_code == 200, response.content
    assert Project.objects.get(pk=project.pk).stage == ProjectStage.SIGNED
    moved = AuditLog.objects.for_object(project).get(action=AuditAction.TRANSITION)
    assert moved.actor_id == personas.chief.pk
    used = AuditLog.objects.for_object(token).get(action=AuditAction.API_CALL)
    # the use line names the token and shares the request id of the service's own line
    assert used.actor_name == f"令牌·{NAME}" and used.actor_id == personas.chief.pk
    assert used.request_id and used.request_id == moved.request_id
    assert used.message == f"POST /api/projects/{project.pk}/transition"


# --- 401 -------------------------------------------------------------------------------------------------------


def _expired(p: Personas) -> str:
    token, secret = issue(p, p.chief, {"*": "read"})
    ApiToken.objects.filter(pk=token.pk).update(expires_at=clock.now() - dt.timedelta(seconds=1))
    return secret


def _revoked(p: Personas) -> str:
    token, secret = issue(p, p.chief, {"*": "read"})
    services.token_revoke(actor=p.sysadmin, token=token)
    return secret


def _user_deactivated(p: Personas) -> str:
    _token, secret = issue(p, p.member, {"*": "read"})
    User.objects.filter(pk=p.member.pk).update(is_active=False)
    return secret


def _tampered(p: Personas) -> str:
    _token, secret = issue(p, p.chief, {"*": "read"})
    return secret[:-1] + ("A" if secret[-1] != "A" else "B")


@pytest.mark.parametrize(
    ("make", "detail"),
    [
        (lambda p: "cd_not-a-token", "接口令牌无效"),
        (lambda p: "", "接口令牌无效"),
        (_tampered, "接口令牌无效"),
        (_expired, "该接口令牌已过期"),
        (_revoked, "该接口令牌已被吊销"),
        (_user_deactivated, "代表的用户已停用"),
    ],
)
@pytest.mark.parametrize("path", ["/api/projects/", "/api/enterprises/", "/api/me"])
def test_a_bad_expired_or_revoked_token_is_401(personas: Personas, make: Any, detail: str, path: str) -> None:
    body = assert_problem(bearer(make(personas)).get(path), 401)
    assert detail in body["detail"] and body["type"] == "urn:chaindesk:problem:unauthenticated"


def test_a_bad_token_never_falls_back_to_the_session(personas: Personas) -> None:
    client = Client(headers={"Authorization": "Bearer cd_not-a-token"})
    client.force_login(personas.chief)
    assert_problem(client.get("/api/projects/"), 401)
    client = Client()
    client.force_login(personas.chief)
    assert client.get("/api/projects/").status_code == 200  # the session alone still works


# --- 403: the token's scopes ----------------------------------------------------------------------------------


def test_a_read_only_token_cannot_post(personas: Personas, project: Project) -> None:
    token, secret = issue(personas, personas.chief, {"projects": "read"})
    body = assert_problem(transition(bearer(secret), project), 403)
    assert body["detail"] == "该接口令牌对“项目（projects）”接口仅有只读权限，不能提交修改。"
    assert Project.objects.get(pk=project.pk).stage == ProjectStage.NEGOTIATING
    denied = AuditLog.objects.for_object(token).get(action=AuditAction.PERMISSION_DENIED)
    assert denied.actor_name == f"令牌·{NAME}" and denied.message.startswith("POST /api/projects/")
    assert bearer(secret).get(f"/api/projects/{project.pk}").status_code == 200  # reading is allowed


def test_a_token_reaches_only_the_resources_it_names(personas: Personas) -> None:
    _token, secret = issue(personas, personas.chief, {"projects": "write", "leads": "read"})
    client = bearer(secret)
    assert client.get("/api/projects/").status_code == 200
    assert client.get("/api/leads/").status_code == 200
    for path in ("/api/enterprises/", "/api/demands/", f"/api/demands/{personas.ours.demand.pk}"):
        body = assert_problem(client.get(path), 403)
        assert "该接口令牌无权访问" in body["detail"], path
    assert client.get("/api/me").status_code == 200  # every token may ask whom it acts as


def test_a_named_resource_widens_the_all_resources_entry(personas: Personas, project: Project) -> None:
    _token, secret = issue(personas, personas.chief, {"*": "read", "projects": "write"})
    assert transition(bearer(secret), project).status_code == 200
    payload = {
        "enterprise_id": personas.ours.enterprise.pk,
        "title": "用地指标",
        "description": "二期。",
        "category": "land",
    }
    assert_problem(bearer(secret).post("/api/demands/", payload, content_type="application/json"), 403)


def test_the_users_own_rules_still_apply_to_a_write_token(personas: Personas, project: Project) -> None:
    """An enterprise user may read our project but not change its stage: the token cannot either."""
    _token, secret = issue(personas, personas.ent_user, {"*": "write"})
    body = assert_problem(transition(bearer(secret), project), 403)
    assert body["detail"] == "您无权变更该项目的阶段。"


# --- issuing ---------------------------------------------------------------------------------------------------


def test_the_secret_is_stored_hashed_only(personas: Personas) -> None:
    token, secret = issue(personas, personas.chief, {"*": "read"})
    assert secret.startswith("cd_") and len(secret) == 46
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert stored["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest() == hash_secret(secret)
    assert stored["prefix"] == secret[:11]
    assert not any(secret in str(value) for value in stored.values())
    assert not ApiToken.objects.filter(secret_hash=secret).exists()
    with connection.cursor() as cursor:  # nowhere in the table, whatever the column
        cursor.execute("SELECT * FROM api_apitoken")
        assert not any(secret in str(cell) for row in cursor.fetchall() for cell in row)
    created = AuditLog.objects.for_object(token).get(action=AuditAction.CREATE)
    trail = json.dumps([created.before, created.after, created.message], ensure_ascii=False)
    assert secret not in trail and stored["secret_hash"] not in trail
    assert created.after["scopes"] == {"*": "read"} and created.actor_id == personas.sysadmin.pk


def test_the_user_is_told_a_token_acts_as_them(personas: Personas) -> None:
    token, _secret = issue(personas, personas.chief, {"*": "read"})
    notice = Notification.objects.get(recipient=personas.chief, kind="api_token")
    assert NAME in notice.title and token.prefix in notice.body


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"user": "sysadmin"}, "user"),
        ({"user": "auditor"}, "user"),
        ({"name": "  "}, "name"),
        ({"scopes": {}}, "scopes"),
        ({"scopes": {"nope": "read"}}, "scopes"),
        ({"scopes": {"projects": "admin"}}, "scopes"),
        ({"days": 366}, "expires_at"),
        ({"days": -1}, "expires_at"),
    ],
)
def test_bad_requests_for_a_token_are_refused_by_field(personas: Personas, change: dict[str, Any], field: str) -> None:
    args: dict[str, Any] = {"user": personas.chief, "name": NAME, "scopes": {"*": "read"}, "days": 30}
    args.update(change)
    if isinstance(args["user"], str):
        args["user"] = getattr(personas, args["user"])
    with pytest.raises(ValidationError) as refused:
        issue(personas, args["user"], args["scopes"], days=args["days"], name=args["name"])
    assert field in refused.value.message_dict
    assert not ApiToken.objects.exists()


def test_an_inactive_user_gets_no_token(personas: Personas) -> None:
    User.objects.filter(pk=personas.member.pk).update(is_active=False)
    personas.member.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        issue(personas, personas.member, {"*": "read"})
    assert "停用" in refused.value.message_dict["user"][0]


@pytest.mark.parametrize("key", ["chief", "auditor", "member"])
def test_only_the_system_administrator_issues_and_revokes(personas: Personas, key: str) -> None:
    actor = getattr(personas, key)
    with pytest.raises(PermissionDenied):
        services.token_create(
            actor=actor, user=personas.chief, name=NAME, scopes={"*": "read"}, expires_at=clock.now() + dt.timedelta(1)
        )
    token, _secret = issue(personas, personas.chief, {"*": "read"})
    with pytest.raises(PermissionDenied):
        services.token_revoke(actor=actor, token=token)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_a_token_is_revoked_once(personas: Personas) -> None:
    token, _secret = issue(personas, personas.chief, {"*": "read"})
    services.token_revoke(actor=personas.sysadmin, token=token)
    from chaindesk.core.exceptions import InvalidTransition

    with pytest.raises(InvalidTransition):
        services.token_revoke(actor=personas.sysadmin, token=ApiToken.objects.get(pk=token.pk))
    revoked = AuditLog.objects.for_object(token).filter(action=AuditAction.UPDATE)
    assert revoked.count() == 1 and revoked.get().after["revoked_by"] == personas.sysadmin.pk


# --- use audited under the token's name ------------------------------------------------------------------------


def test_each_write_is_audited_and_reads_at_most_once_a_minute(personas: Personas, project: Project) -> None:
    token, secret = issue(personas, personas.chief, {"*": "write"})
    client = bearer(secret)
    uses = AuditLog.objects.for_object(token).filter(action=AuditAction.API_CALL)
    start = clock.now()
    with time_machine.travel(start, tick=False):
        for _ in range(3):
            assert client.get("/api/projects/").status_code == 200
        assert uses.count() == 1 and uses.get().actor_name == f"令牌·{NAME}"
        assert ApiToken.objects.get(pk=token.pk).last_used_at == start
        assert transition(client, project).status_code == 200
        assert uses.count() == 2  # a write always
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        assert client.get("/api/projects/").status_code == 200
        assert client.get("/api/projects/").status_code == 200
        assert uses.count() == 3
        assert ApiToken.objects.get(pk=token.pk).last_used_at == start + dt.timedelta(seconds=61)
    assert all(line.actor_name == f"令牌·{NAME}" and line.actor_id == personas.chief.pk for line in uses)


# --- every operation takes both --------------------------------------------------------------------------------


def test_every_operation_but_the_probes_accepts_a_token_or_the_session() -> None:
    """A router mounted without API_AUTH (chaindesk/api/auth.py) would fail here. The load balancer's probes
    (liveness and readiness) answer without authentication."""
    schema = api.get_openapi_schema()
    assert set(schema["components"]["securitySchemes"]) == {"ApiTokenAuth", "SessionAuth"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            expected: list[dict[str, list[str]]] | None = (
                None if path in ("/api/health", "/api/ready") else [{"ApiTokenAuth": []}, {"SessionAuth": []}]
            )
            assert operation.get("security") == expected, (method, path)


def test_the_resources_a_token_may_name_are_the_apis_paths() -> None:
    assert {"projects", "demands", "enterprises", "leads", "tasks"} <= set(api_resources())
    assert not {"me", "health", "ready", "docs", "openapi.json", ""} & set(api_resources())
