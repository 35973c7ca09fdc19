"""The workers' lock (chaindesk/core/worker_lock.py): shared among workers, exclusive for `recover`, and free again
the moment a holder's block ends."""

import os
from typing import Any

import pytest
from django.db import connection

from chaindesk.core import worker_lock

pytestmark = pytest.mark.django_db


def test_workers_share_the_lock_and_recover_is_kept_out() -> None:
    with worker_lock.held_by_worker(), worker_lock.held_by_worker():
        with worker_lock.for_recovery() as free:
            assert not free
    with worker_lock.for_recovery() as free:
        assert free
        with worker_lock.for_recovery() as again:  # another recover at the same time
            assert not again
    with worker_lock.for_recovery() as free:
        assert free


def test_a_holder_lets_go_of_the_lock_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL frees a closed connection's advisory locks only once the server has ended that session, a little
    later: a `recover` right after a worker (or another `recover`) stopped found the lock still taken (seen in CI).
    Here the holders' sessions outlive their blocks, as a slow server's would: the lock must be free regardless."""
    if connection.vendor != "postgresql":
        pytest.skip("an flock is released by its holder already; PostgreSQL's advisory lock is the case")
    kept: list[Any] = []
    open_connection = worker_lock._raw_connection

    def lingering() -> Any:
        raw = open_connection()
        kept.append(raw)
        monkeypatch.setattr(raw, "close", lambda: None, raising=False)
        return raw

    monkeypatch.setattr(worker_lock, "_raw_connection", lingering)
    try:
        with worker_lock.held_by_worker():
            pass
        with worker_lock.for_recovery() as free:
            assert free
        with worker_lock.for_recovery() as free:  # the last recover's session is still there too
            assert free
    finally:
        for raw in kept:
            type(raw).close(raw)


def test_each_sqlite_database_has_its_own_lock(monkeypatch: pytest.MonkeyPatch, tmp_path: Any, settings: Any) -> None:
    """Workers of one database file never keep `recover` of another out (parallel test processes, each with its
    own in-memory database, once shared one lock file and failed each other's tests)."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's advisory lock is per database by itself")
    settings.VAR_DIR = tmp_path / "var"
    wrapper = connection
    monkeypatch.setattr(wrapper, "is_in_memory_db", lambda: False)
    files = {}
    for name in ("a.sqlite3", "b.sqlite3"):
        monkeypatch.setitem(wrapper.settings_dict, "NAME", str(tmp_path / name))
        files[name] = worker_lock._lock_file()
    assert files["a.sqlite3"] != files["b.sqlite3"]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(wrapper.settings_dict, "NAME", "a.sqlite3")  # the same file, named relatively
    assert worker_lock._lock_file() == files["a.sqlite3"]
    monkeypatch.setitem(wrapper.settings_dict, "NAME", str(tmp_path / "b.sqlite3"))
    with worker_lock.held_by_worker():  # a worker of b
        monkeypatch.setitem(wrapper.settings_dict, "NAME", str(tmp_path / "a.sqlite3"))
        with worker_lock.for_recovery() as free:  # recover of a
            assert free
        monkeypatch.setitem(wrapper.settings_dict, "NAME", str(tmp_path / "b.sqlite3"))
        with worker_lock.for_recovery() as free:  # recover of b
            assert not free
    monkeypatch.undo()
    assert wrapper.is_in_memory_db()
    assert str(os.getpid()) in worker_lock._lock_file().name
