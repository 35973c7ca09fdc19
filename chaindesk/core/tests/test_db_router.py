"""The read replica's router (chaindesk/core/db_router.py) with the real router on the real PostgreSQL server.

A `replica` alias is added for each test, pointing at the test database through a connection of its own (as
DATABASE_REPLICA_URL would point at a streaming replica; marked as a test mirror of `default`, so no second test
database is made); the personas' world is committed (a transactional test) so that connection sees it. Which
server a page read from is told by each alias's query log. The real streaming replica is exercised by
`make replica-check` (scripts/replica_check.py). On SQLite there is no replica alias and nothing changes."""

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module
from typing import Any

import pytest
from django.apps import apps
from django.db import OperationalError, connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chaindesk.core import db_router
from chaindesk.core.db_router import PRIMARY, REPLICA, ReplicaRouter, use_replica
from chaindesk.testkit import personas as personas_module
from chaindesk.testkit.personas import Personas
from chaindesk.testkit.storage import files_in_memory

_ON_POSTGRES = pytest.mark.skipif(connection.vendor != "postgresql", reason="the replica is a PostgreSQL feature")
_BOTH_ALIASES = pytest.mark.django_db(transaction=True, databases=[PRIMARY, REPLICA])


def POSTGRES(test: Any) -> Any:  # noqa: N802 - used as a mark
    """On PostgreSQL only, committing, with both aliases allowed."""
    return _ON_POSTGRES(_BOTH_ALIASES(test))


# Read on the primary by design: the session and its user, the replica's lag, and the rollups' queue of partitions
# to refresh (a page looks there for lines a refresher left, at most every engine.LOOK_EVERY seconds per thread: a
# render that comes later than that after the last look reads it, which a slow machine made happen).
PRIMARY_ONLY = ("django_session", "accounts_user", "pg_current_wal_lsn", "rollups_rolluppending")


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # free once closed: nothing listens there


@pytest.fixture(scope="module")
def registered(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:  # noqa: ARG001
    """A `replica` alias for this module's tests: the primary's test database through a connection of its own, as
    DATABASE_REPLICA_URL would make it (a test mirror of `default`). Registered before each test's database access
    is set up (which names the aliases a test may use) and removed after the module."""
    settings_dict = {**connections[PRIMARY].settings_dict}
    settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "MIRROR": PRIMARY}
    connections.settings[REPLICA] = settings_dict
    db_router.reset()
    yield
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]
    db_router.reset()


@contextmanager
def replica_alias(**overrides: Any) -> Iterator[None]:
    """The registered alias with `overrides` (a closed PORT: a replica that is down) for the block."""
    replica = connections[REPLICA]
    saved = {key: replica.settings_dict.get(key) for key in overrides}
    replica.close()
    replica.settings_dict.update(overrides)
    db_router.reset()
    try:
        yield
    finally:
        replica.close()
        replica.settings_dict.update(saved)
        db_router.reset()


@pytest.fixture
def world(registered: None, transactional_db: None, monkeypatch: pytest.MonkeyPatch) -> Personas:  # noqa: ARG001
    """The personas' world committed, so the replica's connection sees it (as demands' `committed_world`: a flush
    before emptied the categories of the data migration, so they are put back first; files stay in memory)."""
    import_module("chaindesk.demands.migrations.0002_categories").create_categories(apps, None)
    files_in_memory(monkeypatch)
    return personas_module.build()


def _cockpit(world: Personas, *, replica_up: bool = True) -> tuple[Any, list[str], list[str]]:
    """The chief's city cockpit: the response and the SQL each alias ran for it (the replica's log only when it is
    up: logging connects)."""
    client = Client()
    client.force_login(world.chief)
    with CaptureQueriesContext(connections[PRIMARY]) as primary:
        if db_router.configured() and replica_up:
            with CaptureQueriesContext(connections[REPLICA]) as replica:
                response = client.get(reverse("cockpit:city"))
            return response, [q["sql"] for q in primary], [q["sql"] for q in replica]
        response = client.get(reverse("cockpit:city"))
    return response, [q["sql"] for q in primary], []


def _figures(response: Any) -> list[Any]:
    return [row["counts"] for row in response.context["chain_rows"]] + [
        response.context["stalled_count"],
        response.context["overdue_count"],
    ]


def _page_reads(sql: list[str]) -> list[str]:
    """The statements that read the page's records (not the session's transaction, nor the session and user)."""
    return [q for q in sql if q not in ("BEGIN", "COMMIT") and not any(table in q for table in PRIMARY_ONLY)]


@pytest.mark.django_db
def test_without_a_replica_nothing_changes() -> None:
    """First in the module: the other tests register a replica alias for the rest of it."""
    router = ReplicaRouter()
    assert not db_router.configured()
    assert router.db_for_read(Personas) is None and router.db_for_write(Personas) is None
    with use_replica() as alias:
        assert alias == PRIMARY
        assert router.db_for_read(Personas) is None


@POSTGRES
def test_the_cockpit_reads_from_a_replica_that_is_up(world: Personas) -> None:
    with pytest.MonkeyPatch.context() as none:
        none.setattr(db_router, "configured", lambda: False)
        plain, _, _ = _cockpit(world)
    with replica_alias():
        response, primary, replica = _cockpit(world)
    assert response.status_code == 200
    assert len(replica) >= 10  # the page's figures: every family read on the replica ...
    assert _page_reads(primary) == []  # ... and none on the primary, which served the session and the user only
    assert any("pg_current_wal_lsn" in q for q in primary)  # the lag probe's half on the primary
    assert _figures(response) == _figures(plain)  # the same figures as when read from the primary


@POSTGRES
def test_a_replica_that_is_down_leaves_the_page_on_the_primary(world: Personas) -> None:
    with replica_alias(PORT=_closed_port()):
        response, primary, _ = _cockpit(world, replica_up=False)
        assert response.status_code == 200
        assert len(_page_reads(primary)) >= 10
        assert connections[REPLICA].connection is None  # never connected
        assert db_router.replica_usable() is False  # remembered: no new connection attempt for a while
        assert db_router._verdict is not None and "probe failed" in db_router._verdict.reason


@POSTGRES
def test_a_lagging_replica_leaves_the_page_on_the_primary(world: Personas, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db_router, "replica_lag", lambda: 120.0)  # > CHAINDESK_REPLICA_MAX_LAG_SECONDS (30)
    with replica_alias():
        response, primary, replica = _cockpit(world)
    assert response.status_code == 200
    assert replica == []
    assert len(_page_reads(primary)) >= 10
    monkeypatch.setattr(db_router, "replica_lag", lambda: 5.0)  # within the limit: back on the replica
    with replica_alias():
        response, primary, replica = _cockpit(world)
    assert len(replica) >= 10 and _page_reads(primary) == []


@POSTGRES
def test_a_replica_failing_during_a_page_gives_the_page_from_the_primary(world: Personas) -> None:
    def fail(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if "pg_is_in_recovery" not in sql:  # the probe passes, the page's first read fails
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with replica_alias():
        with connections[REPLICA].execute_wrapper(fail):
            response, primary, _ = _cockpit(world)
        assert response.status_code == 200
        assert len(_page_reads(primary)) >= 10  # run again on the primary
        assert db_router.replica_usable() is False


@POSTGRES
def test_an_export_reads_from_the_replica_and_audits_on_the_primary(world: Personas) -> None:
    client = Client()
    client.force_login(world.chief)
    with replica_alias(), CaptureQueriesContext(connections[PRIMARY]) as primary:
        with CaptureQueriesContext(connections[REPLICA]) as replica:
            response = client.get(reverse("projects:export"))
    assert response.status_code == 200
    assert any("projects_project" in q["sql"] for q in replica)
    assert not any("projects_project" in q["sql"] for q in primary)
    assert any(q["sql"].startswith("INSERT") and "core_auditlog" in q["sql"] for q in primary)


@POSTGRES
def test_writes_and_transactions_stay_on_the_primary(world: Personas) -> None:
    router = ReplicaRouter()
    with replica_alias():
        assert router.db_for_write(type(world.chief)) == PRIMARY
        assert router.allow_migrate(REPLICA, "accounts") is False
        with use_replica() as alias:
            assert alias == REPLICA
            assert router.db_for_read(type(world.chief)) == REPLICA
            with transaction.atomic():  # a transaction opened in the scope reads beside its writes
                assert router.db_for_read(type(world.chief)) == PRIMARY
        assert router.db_for_read(type(world.chief)) == PRIMARY  # outside the scope
        with transaction.atomic(), use_replica() as alias:  # entered inside a transaction: does nothing
            assert alias == PRIMARY
            assert router.db_for_read(type(world.chief)) == PRIMARY
