"""Issue 16 item 5: `/api/ready` answers 200 when the database, Redis (when configured), the background queue and
the attachments' disk are fine, and 503 problem+json naming the failed checks otherwise (chaindesk/core/health.py).
Redis unreachable is a closed port here, never the machine's Redis stopped."""

import datetime as dt
import os
import shutil
import socket
from collections import namedtuple
from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client
from django_tasks_db.models import DBTaskResult, get_date_max

from chaindesk.core import clock, health

pytestmark = pytest.mark.django_db

READY = "/api/ready"
CLOSED_PORT = "redis://127.0.0.1:6390/0"  # nothing listens there
Usage = namedtuple("Usage", "total used free")
PLENTY = Usage(500 * 1024**3, 100 * 1024**3, 400 * 1024**3)


@pytest.fixture
def fine(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Everything fine: no Redis configured, an empty queue, plenty of disk (whatever this machine's disk holds)."""
    settings.REDIS_URL = ""
    settings.CHAINDESK_READY_MAX_QUEUE_AGE = 600
    settings.CHAINDESK_READY_MIN_FREE_BYTES = 1024**3
    monkeypatch.setattr(shutil, "disk_usage", lambda path: PLENTY)
    DBTaskResult.objects.all().delete()
    return settings


def _checks(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["name"]: check for check in body["checks"]}


def _task(*, waited: dt.timedelta, run_after: dt.datetime | None = None) -> DBTaskResult:
    """A READY task of the database queue, enqueued `waited` before the (fixed) clock's now."""
    task = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="chaindesk.core.tasks.purge_expired_sessions",
        backend_name="default",
        run_after=run_after or get_date_max(),
    )
    DBTaskResult.objects.filter(pk=task.pk).update(enqueued_at=clock.now() - waited)
    return task


def test_ready_when_everything_is_fine(fine: Any) -> None:
    response = Client().get(READY)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["ready"] is True
    checks = _checks(body)
    assert list(checks) == ["database", "queue", "disk"]  # no Redis configured: nothing to check
    assert all(check["ok"] for check in checks.values())
    assert checks["disk"]["value"] == PLENTY.free and checks["disk"]["limit"] == 1024**3
    assert checks["queue"]["value"] == 0


def test_not_ready_when_redis_is_configured_but_unreachable(fine: Any) -> None:
    fine.REDIS_URL = CLOSED_PORT
    response = Client().get(READY)
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (body["status"], body["ready"], body["type"]) == (503, False, "urn:chaindesk:problem:not-ready")
    assert body["title"] == "服务未就绪" and "redis" in body["detail"]
    checks = _checks(body)
    assert checks["redis"]["ok"] is False and checks["redis"]["detail"] == "Redis 无法连接"
    assert "6390" not in response.content.decode()  # the endpoint answers anyone: no address in the body
    assert all(checks[name]["ok"] for name in ("database", "queue", "disk"))


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


def test_ready_with_the_machines_redis(fine: Any) -> None:
    if not _redis_up():
        if os.environ.get("CI"):
            pytest.fail("Redis is not reachable at 127.0.0.1:6379")
        pytest.skip("Redis is not running here")
    fine.REDIS_URL = "redis://127.0.0.1:6379/15"
    response = Client().get(READY)
    assert response.status_code == 200, response.content
    redis_check = _checks(response.json())["redis"]
    assert redis_check["ok"] is True and 0 <= redis_check["value"] < redis_check["limit"]


def test_not_ready_when_the_oldest_due_task_waited_too_long(fine: Any) -> None:
    _task(waited=dt.timedelta(seconds=599))
    assert Client().get(READY).status_code == 200
    _task(waited=dt.timedelta(minutes=11))
    response = Client().get(READY)
    assert response.status_code == 503
    queue = _checks(response.json())["queue"]
    assert queue["ok"] is False and queue["value"] == pytest.approx(660, abs=2) and queue["limit"] == 600
    assert "已等待 66" in queue["detail"]  # the clock ticks on from the fixed moment: 660 s and a little


def test_a_task_scheduled_for_later_is_not_waiting(fine: Any) -> None:
    now = clock.now()
    _task(waited=dt.timedelta(hours=2), run_after=now + dt.timedelta(hours=1))  # not due yet
    _task(waited=dt.timedelta(hours=3), run_after=now - dt.timedelta(minutes=2))  # due two minutes ago
    state = health.queue_state()
    assert state.due == 1
    assert state.age(now) == pytest.approx(120, abs=1)
    assert Client().get(READY).status_code == 200


def test_tasks_taken_or_done_do_not_count(fine: Any) -> None:
    for status in ("RUNNING", "SUCCESSFUL", "FAILED"):
        task = _task(waited=dt.timedelta(days=1))
        DBTaskResult.objects.filter(pk=task.pk).update(status=status)
    assert health.queue_state().due == 0
    assert Client().get(READY).status_code == 200


def test_not_ready_when_the_attachments_disk_is_nearly_full(fine: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    def nearly_full(path: Any) -> Usage:
        seen.append(str(path))
        return Usage(100 * 1024**3, 100 * 1024**3 - 200 * 1024**2, 200 * 1024**2)

    monkeypatch.setattr(shutil, "disk_usage", nearly_full)
    response = Client().get(READY)
    assert response.status_code == 503
    disk = _checks(response.json())["disk"]
    assert disk["ok"] is False and disk["value"] == 200 * 1024**2
    assert "200 MiB" in disk["detail"] and "1.0 GiB" in disk["detail"]
    assert seen and str(health.attachments_dir()) == seen[0]
    assert str(fine.MEDIA_ROOT).startswith(seen[0])  # MEDIA_ROOT itself, or its parent before the first upload


def test_not_ready_when_the_database_fails(fine: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    class Down:
        def cursor(self) -> Any:
            raise OperationalError("could not connect to server: Connection refused")

    def unreadable() -> Any:
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(health, "connection", Down())
    monkeypatch.setattr(health, "queue_state", unreadable)
    response = Client().get(READY)
    assert response.status_code == 503
    checks = _checks(response.json())
    assert checks["database"] == {
        "name": "database",
        "ok": False,
        "detail": "数据库无法连接",
        "value": None,
        "limit": None,
    }
    assert checks["queue"]["ok"] is False and checks["queue"]["detail"] == "无法读取后台任务队列"
    assert "refused" not in response.content.decode()


def test_ready_needs_no_login_and_is_in_the_openapi_description(fine: Any) -> None:
    from chaindesk.api.api import api

    operation = api.get_openapi_schema()["paths"]["/api/ready"]["get"]
    assert "security" not in operation
    assert set(operation["responses"]) == {200, 503}
    assert operation["responses"][200]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ReadyOut"
    }
    with_token = Client().get(READY, headers={"Authorization": "Bearer cd_not-a-token"})
    assert with_token.status_code == 200  # a probe's stray header changes nothing
