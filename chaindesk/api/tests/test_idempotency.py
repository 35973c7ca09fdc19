"""Idempotency-Key on every POST of the API (chaindesk/api/idempotency.py): the same key and the same request
replay the first answer (Idempotent-Replayed: true) and run nothing; the same key with another request is 422;
keys are per caller (each user, each token) and kept 24 hours; a twin sent while the first still runs gets
409; an answer that says nothing ran (401, 403, 5xx) frees the key.

On the fixed personas' world: `p_chief` and `p_member` (测试甲链's team) may submit demands for our enterprise."""

import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client

from chaindesk.api import idempotency, services
from chaindesk.api.idempotency import HEADER, REPLAYED
from chaindesk.api.models import IdempotencyKey, IdempotencyState
from chaindesk.api.tests.test_problem_json import assert_problem
from chaindesk.core import clock
from chaindesk.demands import services as demand_services
from chaindesk.demands.models import Demand
from chaindesk.projects import services as project_services
from chaindesk.projects.choices import ProjectStage
from chaindesk.projects.models import Project
from chaindesk.testkit.personas import Personas

pytestmark = pytest.mark.django_db

KEY = "5f0c7c1e-6a51-4d1e-9a49-3c7c0d3f2b11"


def session(user: Any, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def token_client(p: Personas, user: Any) -> Client:
    _token, secret = services.token_create(
        actor=p.sysadmin, user=user, name="统计局", scopes={"*": "write"}, expires_at=clock.now() + dt.timedelta(30)
    )
    return Client(headers={"Authorization": f"Bearer {secret}"})


def submit(client: Client, p: Personas, key: str | None = KEY, title: str = "用地指标") -> Any:
    payload = {"enterprise_id": p.ours.enterprise.pk, "title": title, "description": "二期用地。", "category": "land"}
    headers = {HEADER: key} if key is not None else {}
    return client.post("/api/demands/", json.dumps(payload), content_type="application/json", headers=headers)


def submitted(p: Personas, title: str = "用地指标") -> int:
    return Demand.objects.filter(enterprise=p.ours.enterprise, title=title).count()


@pytest.mark.parametrize("make", [lambda p: session(p.chief), lambda p: token_client(p, p.chief)])
def test_the_same_key_and_request_replays_the_first_answer(personas: Personas, make: Any) -> None:
    client = make(personas)
    first = submit(client, personas)
    assert first.status_code == 201, first.content
    assert not first.has_header(REPLAYED)
    again = submit(client, personas)
    assert again.status_code == 201 and again[REPLAYED] == "true"
    assert again.content == first.content and again["Content-Type"] == first["Content-Type"]
    assert submitted(personas) == 1
    assert submit(client, personas, key=None).status_code == 201  # without a key nothing is replayed
    assert submitted(personas) == 2


def test_a_replayed_stage_change_is_not_a_conflict(personas: Personas) -> None:
    """Without the key a second 签约 would be refused (the project is signed already); with it, the retry gets
    the first 200."""
    project = project_services.project_create(
        actor=personas.chief,
        name="测试幂等项目",
        chain=personas.ours.chain,
        region=personas.ours.region,
        enterprise=personas.ours.enterprise,
        planned_investment=Decimal("500"),
    )
    client = session(personas.chief)
    path = f"/api/projects/{project.pk}/transition"
    payload = {"to_stage": "signed", "expected_stage": "negotiating"}
    first = client.post(path, payload, content_type="application/json", headers={HEADER: KEY})
    again = client.post(path, payload, content_type="application/json", headers={HEADER: KEY})
    assert first.status_code == again.status_code == 200 and again[REPLAYED] == "true"
    assert json.loads(again.content)["stage"] == ProjectStage.SIGNED
    assert_problem(client.post(path, payload, content_type="application/json"), 409)
    assert Project.objects.get(pk=project.pk).stage == ProjectStage.SIGNED


def test_the_same_key_with_another_body_is_422(personas: Personas) -> None:
    client = session(personas.chief)
    assert submit(client, personas).status_code == 201
    body = assert_problem(submit(client, personas, title="融资需求"), 422)
    assert body["detail"].startswith("该 Idempotency-Key 已用于另一请求")
    assert submitted(personas, "融资需求") == 0 and submitted(personas) == 1


def test_the_same_key_on_another_path_is_422(personas: Personas) -> None:
    client = session(personas.chief)
    assert submit(client, personas).status_code == 201
    demand = Demand.objects.get(enterprise=personas.ours.enterprise, title="用地指标")
    response = client.post(
        f"/api/demands/{demand.pk}/confirm",
        {"rating": "satisfied"},
        content_type="application/json",
        headers={HEADER: KEY},
    )
    assert "该 Idempotency-Key 已用于另一请求" in assert_problem(response, 422)["detail"]


def test_keys_are_per_caller(personas: Personas) -> None:
    """Two users, and a user and a token acting as them, may use the same key: each runs its own request."""
    for client in (session(personas.chief), session(personas.member), token_client(personas, personas.chief)):
        response = submit(client, personas)
        assert response.status_code == 201 and not response.has_header(REPLAYED)
    assert submitted(personas) == 3
    assert IdempotencyKey.objects.filter(key=KEY).count() == 3


def test_a_key_is_kept_24_hours(personas: Personas) -> None:
    client = token_client(personas, personas.chief)  # a session would idle out over a day
    start = clock.now()
    with time_machine.travel(start, tick=False):
        assert submit(client, personas).status_code == 201
    with time_machine.travel(start + dt.timedelta(hours=23, minutes=59), tick=False):
        assert_problem(submit(client, personas, title="融资需求"), 422)  # still remembered
        assert idempotency.purge_expired() == 0
    with time_machine.travel(start + dt.timedelta(hours=24, seconds=1), tick=False):
        response = submit(client, personas, title="融资需求")  # the key is free again
        assert response.status_code == 201 and not response.has_header(REPLAYED)
    assert submitted(personas, "融资需求") == 1
    with time_machine.travel(start + dt.timedelta(hours=48, seconds=2), tick=False):
        assert idempotency.purge_expired() == 1
        assert idempotency.purge_expired() == 0  # idempotent
    assert not IdempotencyKey.objects.exists()


def test_a_twin_sent_while_the_first_runs_is_409(personas: Personas, monkeypatch: pytest.MonkeyPatch) -> None:
    """The twin arrives while the first request is inside the service: its record is already there."""
    client = session(personas.chief)
    original = demand_services.demand_submit
    twins: list[Any] = []

    def slow_submit(**kwargs: Any) -> Any:
        twins.append(submit(session(personas.chief), personas))
        return original(**kwargs)

    monkeypatch.setattr(demand_services, "demand_submit", slow_submit)
    assert submit(client, personas).status_code == 201
    body = assert_problem(twins[0], 409)
    assert body["detail"] == "相同 Idempotency-Key 的请求正在处理，请稍后重试。" and body["title"] == "请求正在处理"
    assert twins[0]["Retry-After"] == "1"
    assert submitted(personas) == 1
    monkeypatch.undo()
    assert submit(client, personas)[REPLAYED] == "true"  # once done, the twin's retry gets the answer


def test_a_record_whose_worker_died_is_taken_over(personas: Personas) -> None:
    client = session(personas.chief)
    IdempotencyKey.objects.create(
        owner=f"user:{personas.chief.pk}",
        user=personas.chief,
        key=KEY,
        method="POST",
        path="/api/demands/",
        fingerprint=_fingerprint(personas),
        created_at=clock.now() - idempotency.ABANDONED - dt.timedelta(seconds=1),
    )
    assert submit(client, personas).status_code == 201
    assert IdempotencyKey.objects.get(key=KEY).state == IdempotencyState.DONE


def _fingerprint(p: Personas) -> str:
    from django.test import RequestFactory

    payload = {
        "enterprise_id": p.ours.enterprise.pk,
        "title": "用地指标",
        "description": "二期用地。",
        "category": "land",
    }
    request = RequestFactory().post("/api/demands/", json.dumps(payload), content_type="application/json")
    return idempotency.fingerprint(request)


def test_an_answer_that_ran_nothing_frees_the_key(personas: Personas) -> None:
    refused = submit(session(personas.chief, enforce_csrf_checks=True), personas)  # no CSRF token: 403
    assert_problem(refused, 403)
    assert not IdempotencyKey.objects.exists()
    read_only = Client(headers={"Authorization": f"Bearer {_read_only_secret(personas)}"})
    assert_problem(submit(read_only, personas), 403)
    assert not IdempotencyKey.objects.exists()
    assert submit(session(personas.chief), personas).status_code == 201  # the retry runs
    assert submitted(personas) == 1


def _read_only_secret(p: Personas) -> str:
    _token, secret = services.token_create(
        actor=p.sysadmin, user=p.chief, name="只读", scopes={"*": "read"}, expires_at=clock.now() + dt.timedelta(30)
    )
    return secret


def test_a_validation_answer_is_kept_like_any_other(personas: Personas) -> None:
    client = session(personas.chief)
    bad = client.post("/api/demands/", "{}", content_type="application/json", headers={HEADER: KEY})
    assert_problem(bad, 422)
    again = client.post("/api/demands/", "{}", content_type="application/json", headers={HEADER: KEY})
    assert again.status_code == 422 and again[REPLAYED] == "true" and again.content == bad.content


@pytest.mark.parametrize("key", ["", "   ", "k" * 256])
def test_a_blank_or_overlong_key_is_422(personas: Personas, key: str) -> None:
    body = assert_problem(submit(session(personas.chief), personas, key=key), 422)
    assert "Idempotency-Key 须为 1–255 个字符" in body["detail"]
    assert submitted(personas) == 0


def test_without_a_caller_the_key_is_ignored_and_the_request_is_401(personas: Personas) -> None:
    assert_problem(submit(Client(), personas), 401)
    assert_problem(submit(Client(headers={"Authorization": "Bearer cd_nope"}), personas), 401)
    assert not IdempotencyKey.objects.exists()


def test_gets_are_not_concerned(personas: Personas) -> None:
    response = session(personas.chief).get("/api/projects/", headers={HEADER: KEY})
    assert response.status_code == 200 and not response.has_header(REPLAYED)
    assert not IdempotencyKey.objects.exists()


def test_the_schema_names_the_header_on_every_post() -> None:
    from chaindesk.api.api import api

    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            header = [p for p in operation.get("parameters", []) if p["in"] == "header" and p["name"] == HEADER]
            assert len(header) == (1 if method == "post" else 0), (method, path)


# --- two requests at the same moment (PostgreSQL: concurrent writers) ---------------------------------------


@pytest.fixture
def committed_personas(transactional_db: None, monkeypatch: pytest.MonkeyPatch) -> Personas:
    """The personas' world committed, so that the threads' connections see it (as in the demands' concurrency
    tests: the categories go first, attachments stay in memory)."""
    from chaindesk.testkit import personas as personas_module

    return personas_module.build_committed(monkeypatch)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_requests_with_one_key_run_once(
    committed_personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading
    import time

    from django.db import connections

    p = committed_personas
    original = demand_services.demand_submit

    def slow_submit(**kwargs: Any) -> Any:
        time.sleep(0.5)  # the twin arrives while this one runs
        return original(**kwargs)

    monkeypatch.setattr(demand_services, "demand_submit", slow_submit)
    clients = [session(p.chief), session(p.chief)]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            statuses.append(submit(clients[i], p).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [201, 409]
    assert submitted(p) == 1
    assert IdempotencyKey.objects.get(key=KEY).state == IdempotencyState.DONE


def test_the_daily_command_purges_the_expired_keys(personas: Personas) -> None:
    client = token_client(personas, personas.chief)
    start = clock.now()
    with time_machine.travel(start, tick=False):
        assert submit(client, personas).status_code == 201
    out = io.StringIO()
    with time_machine.travel(start + dt.timedelta(hours=25), tick=False):
        call_command("purge_idempotency_keys", stdout=out)
        assert out.getvalue().strip() == "idempotency keys purged: 1"
        call_command("purge_idempotency_keys", stdout=out)
    assert out.getvalue().splitlines()[-1] == "idempotency keys purged: 0"
    assert not IdempotencyKey.objects.exists()
