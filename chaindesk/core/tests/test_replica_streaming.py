"""The router against a real PostgreSQL streaming replica (`make replica-check`; marked `replica`).

scripts/replica.sh starts a private primary and a replica made from it with `pg_basebackup -R`; the test database
is created on the primary and reaches the replica by streaming replication (the `replica` alias is a test mirror:
the same database name, the replica's server). Skipped unless DATABASE_REPLICA_URL names a server in recovery.

In order: a write committed on the primary is read back through the router from the replica and the cockpit reads
its figures there; with the replica's replay paused past the allowed lag, the page reads from the primary; with
the replica stopped (scripts/replica.sh stop-replica) the page is still served, from the primary."""

import subprocess
import time
from importlib import import_module
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chaindesk.core import db_router
from chaindesk.core.db_router import PRIMARY, REPLICA, use_replica
from chaindesk.projects import services as project_services
from chaindesk.projects.models import Project
from chaindesk.testkit import personas as personas_module
from chaindesk.testkit.personas import Personas
from chaindesk.testkit.storage import files_in_memory

pytestmark = [
    pytest.mark.replica,
    pytest.mark.skipif(
        connection.vendor != "postgresql" or REPLICA not in settings.DATABASES,
        reason="needs DATABASE_URL and DATABASE_REPLICA_URL of a streaming pair (make replica-check)",
    ),
    pytest.mark.django_db(transaction=True, databases=[PRIMARY, REPLICA]),
]
SCRIPT = settings.BASE_DIR / "scripts" / "replica.sh"


def _scalar(alias: str, sql: str, params: Any = None) -> Any:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _caught_up(timeout: float = 15.0) -> None:
    """Wait until the replica has replayed everything the primary has written so far."""
    position = _scalar(PRIMARY, "SELECT pg_current_wal_lsn()::text")
    deadline = time.monotonic() + timeout
    while not _scalar(REPLICA, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [position]):
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.05)


def _cockpit(client: Client) -> tuple[int, int, int]:
    """The cockpit's status and how many statements each server ran for it (the replica's only while it is up)."""
    with CaptureQueriesContext(connections[PRIMARY]) as primary:
        if connections[REPLICA].connection is not None or db_router.replica_usable():
            with CaptureQueriesContext(connections[REPLICA]) as replica:
                response = client.get(reverse("cockpit:city"))
            return response.status_code, len(primary), len(replica)
        response = client.get(reverse("cockpit:city"))
    return response.status_code, len(primary), 0


def _new_project(world: Personas, name: str) -> None:
    """A write on the primary: a project registered by the chief."""
    project_services.project_create(
        actor=world.chief, name=name, chain=world.ours.chain, region=world.ours.region, investor_name="某投资方"
    )


def test_a_streaming_replica_serves_reads_until_it_lags_or_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    import_module("chaindesk.demands.migrations.0002_categories").create_categories(apps, None)
    files_in_memory(monkeypatch)
    world = personas_module.build()
    assert _scalar(REPLICA, "SELECT pg_is_in_recovery()") is True  # a real standby, not the primary again
    db_router.reset()

    # A write on the primary, seen on the replica through the router.
    _new_project(world, "副本可见项目")
    _caught_up()
    with CaptureQueriesContext(connections[REPLICA]) as on_replica, use_replica() as alias:
        assert alias == REPLICA
        assert Project.objects.filter(name="副本可见项目").exists()
    assert any("projects_project" in q["sql"] for q in on_replica)

    client = Client()
    client.force_login(world.chief)
    status, _, replica_reads = _cockpit(client)
    assert status == 200 and replica_reads >= 10

    # Replay paused past the allowed lag: the page reads from the primary.
    monkeypatch.setattr(settings, "CHAINDESK_REPLICA_MAX_LAG_SECONDS", 1)
    _scalar(REPLICA, "SELECT pg_wal_replay_pause()::text")
    try:
        _new_project(world, "副本未到项目")
        time.sleep(1.5)
        assert not Project.objects.using(REPLICA).filter(name="副本未到项目").exists()  # really behind
        db_router.reset()
        assert db_router.replica_lag() > 1
        status, primary_reads, replica_reads = _cockpit(client)
        assert status == 200 and replica_reads <= 2 and primary_reads >= 10  # the replica: the lag probe only
    finally:
        _scalar(REPLICA, "SELECT pg_wal_replay_resume()::text")
    _caught_up()
    db_router.reset()
    assert _cockpit(client)[2] >= 10  # caught up: back on the replica

    # The replica stopped: the open connection fails during the page, which is served again from the primary ...
    subprocess.run(["bash", str(SCRIPT), "stop-replica"], check=True)  # noqa: S603, S607 - our own script
    try:
        with CaptureQueriesContext(connections[PRIMARY]) as primary:
            response = client.get(reverse("cockpit:city"))
        assert response.status_code == 200 and len(primary) >= 10
        assert db_router.replica_usable() is False
        # ... and the next page goes to the primary without trying the replica (remembered as down).
        with CaptureQueriesContext(connections[PRIMARY]) as primary:
            response = client.get(reverse("cockpit:city"))
        assert response.status_code == 200 and len(primary) >= 10
        assert connections[REPLICA].connection is None
    finally:
        subprocess.run(["bash", str(SCRIPT), "start-replica"], check=True)  # noqa: S603, S607
