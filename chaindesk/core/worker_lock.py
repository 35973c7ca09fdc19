"""Workers and `recover` kept apart: `recover` marks every task left running as failed (its worker died), which is
only true while no worker runs. Each `chaindesk worker` holds a shared lock for its whole life; `recover` takes the
same lock exclusively, without waiting, and does nothing when it cannot (some worker is running: its running tasks
are alive). A worker that starts while `recover` runs waits for it to finish.

- PostgreSQL: a session advisory lock on a connection of its own, outside Django's connection handling (a worker
  closes its Django connections between tasks, which would drop a session lock). The server releases it when the
  process dies, SIGKILL included, so a crashed worker never blocks the next `recover`.
- SQLite (one machine): an flock on a file of CHAINDESK_VAR_DIR named after the database file, released by the
  kernel when the process dies.

    with worker_lock.held_by_worker():      # chaindesk worker
        ...run tasks...
    with worker_lock.for_recovery() as free:
        if free: ...recover...              # else: some worker runs; nothing is touched
"""

import fcntl
import os
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections

KEY = zlib.crc32(b"chaindesk:workers")  # the advisory lock's key (one per database)


def _raw_connection() -> Any:
    """A psycopg connection of our own to the default database, in autocommit (not in Django's pool)."""
    wrapper = connections["default"]
    raw = wrapper.get_new_connection(wrapper.get_connection_params())
    raw.autocommit = True
    return raw


def _lock_file() -> Path:
    """The lock's file: one per database, as PostgreSQL's advisory lock is. An in-memory database (the tests') lives
    in this process alone, so its lock is this process's: parallel test processes never see each other's workers."""
    wrapper = connections["default"]
    if wrapper.is_in_memory_db():  # type: ignore[attr-defined]
        return Path(tempfile.gettempdir()) / f"chaindesk-worker-memory-{os.getpid()}.lock"
    folder = Path(settings.VAR_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    path = Path(str(wrapper.settings_dict["NAME"])).resolve()
    return folder / f"worker-{zlib.crc32(str(path).encode()):08x}.lock"


@contextmanager
def _lock(*, exclusive: bool) -> Iterator[bool]:
    """The workers' lock: shared and waiting (a worker), or exclusive without waiting (recover); yields whether
    it is held, until the block ends or the process dies."""
    if connections["default"].vendor == "postgresql":
        raw = _raw_connection()
        held = False
        try:
            sql = "SELECT pg_try_advisory_lock(%s)" if exclusive else "SELECT pg_advisory_lock_shared(%s), true"
            row = raw.execute(sql, [KEY]).fetchone()
            held = bool(row and row[-1])
            yield held
        finally:
            if held:  # released here, not by closing: the server ends a closed session (and frees its locks) later
                unlock = "SELECT pg_advisory_unlock(%s)" if exclusive else "SELECT pg_advisory_unlock_shared(%s)"
                with suppress(Exception):  # a broken connection: the server frees the lock as the session ends
                    raw.execute(unlock, [KEY])
            raw.close()
        return
    with _lock_file().open("a") as handle:
        try:
            fcntl.flock(handle, (fcntl.LOCK_EX | fcntl.LOCK_NB) if exclusive else fcntl.LOCK_SH)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def held_by_worker() -> Iterator[None]:
    """Hold the workers' shared lock (waiting while a `recover` runs) until the block ends or the process dies."""
    with _lock(exclusive=False):
        yield


@contextmanager
def for_recovery() -> Iterator[bool]:
    """Try the lock exclusively: yields True while it is held (no worker runs, none starts), False when a worker
    (or another `recover`) holds it."""
    with _lock(exclusive=True) as held:
        yield held
