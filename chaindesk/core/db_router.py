"""Reads of read-only pages from a PostgreSQL streaming replica, when one is configured, up and close behind.

The `replica` database alias exists only when DATABASE_REPLICA_URL is set (config/settings/base.py); without it
every query goes to `default`, as before. With it, only code inside `use_replica()` (a context manager; the
`replica_reads` decorator for a view) reads from the replica: the cockpit and its 大屏, the figures of a
briefing, and the Excel exports. Everything else, and every write, stays on the primary:

- writes always go to `default` (`db_for_write`), and so do migrations (`allow_migrate`);
- inside a transaction on the primary, reads stay on the primary: `use_replica()` entered inside one does
  nothing (what that transaction wrote is not on the replica), and a transaction opened inside the scope keeps
  its reads beside its writes;
- the replica is used only when it is no more than CHAINDESK_REPLICA_MAX_LAG_SECONDS behind. The lag is the
  time since the last transaction the replica replayed, unless it has replayed everything the primary has
  written (its replay position equals the primary's current WAL position: an idle primary is not a lagging
  replica). The answer is kept for CHAINDESK_REPLICA_CHECK_SECONDS per process, so a page pays for the probe
  (one query on each server) at most once in that time;
- a replica that refuses a connection or fails a query is left alone for CHAINDESK_REPLICA_RETRY_SECONDS:
  `replica_reads` then runs the page again on the primary, so the reader still gets it.

Durations are measured on the monotonic clock (they are intervals, not dates: chaindesk.core.clock is for "now").
"""

import contextvars
import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections

logger = logging.getLogger(__name__)

PRIMARY = "default"
REPLICA = "replica"

P = ParamSpec("P")
R = TypeVar("R")

# Set by use_replica() while its block runs: the router sends reads to the replica only then.
_active: contextvars.ContextVar[bool] = contextvars.ContextVar("chaindesk_replica_reads", default=False)


@dataclass
class _Verdict:
    """The last answer to "may reads go to the replica?", and until when (monotonic seconds) it holds."""

    usable: bool
    reason: str
    until: float


_lock = threading.Lock()
_verdict: _Verdict | None = None


def configured() -> bool:
    """Whether a replica alias is configured (DATABASE_REPLICA_URL)."""
    return REPLICA in connections.settings


def reset() -> None:
    """Forget the cached verdict (tests; after the replica was repaired)."""
    global _verdict
    with _lock:
        _verdict = None


def mark_down(reason: str) -> _Verdict:
    """Leave the replica alone for CHAINDESK_REPLICA_RETRY_SECONDS (it refused a connection or a query)."""
    global _verdict
    seconds = float(getattr(settings, "CHAINDESK_REPLICA_RETRY_SECONDS", 30))
    logger.warning("replica not used for %.0f s: %s", seconds, reason)
    verdict = _Verdict(usable=False, reason=reason, until=time.monotonic() + seconds)
    with _lock:
        _verdict = verdict
    try:
        connections[REPLICA].close()  # a broken connection is not reused once the replica is back
    except DatabaseError:
        logger.debug("closing the failed replica connection failed too", exc_info=True)
    return verdict


_PRIMARY_POSITION = "SELECT pg_is_in_recovery(), pg_current_wal_lsn()::text"
_REPLICA_LAG = """
SELECT pg_is_in_recovery(),
       pg_last_wal_replay_lsn() >= %s::pg_lsn,
       EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8
"""


def replica_lag() -> float:
    """How many seconds the replica is behind the primary (0 when it has replayed all the primary wrote, or when
    the alias is not a server in recovery: the same database, as in tests). Raises DatabaseError when either
    server cannot answer."""
    if connections[REPLICA].vendor != "postgresql" or connections[PRIMARY].vendor != "postgresql":
        return 0.0
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute(_PRIMARY_POSITION)
        primary_in_recovery, position = cursor.fetchone()
    if primary_in_recovery:  # a primary that is itself a standby has no current WAL position to compare
        return 0.0
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(_REPLICA_LAG, [position])
        in_recovery, caught_up, seconds = cursor.fetchone()
    if not in_recovery or caught_up:
        return 0.0
    return float("inf") if seconds is None else max(float(seconds), 0.0)


def _judge() -> _Verdict:
    """Probe the replica now: usable when it answers and is within the allowed lag."""
    check = float(getattr(settings, "CHAINDESK_REPLICA_CHECK_SECONDS", 5))
    limit = float(getattr(settings, "CHAINDESK_REPLICA_MAX_LAG_SECONDS", 30))
    try:
        lag = replica_lag()
    except DatabaseError as exc:
        return mark_down(f"probe failed: {exc}".strip())
    if lag > limit:
        logger.warning("replica %.1f s behind (limit %.0f s): reads stay on the primary", lag, limit)
        return _Verdict(usable=False, reason=f"lag {lag:.1f} s", until=time.monotonic() + check)
    return _Verdict(usable=True, reason=f"lag {lag:.1f} s", until=time.monotonic() + check)


def replica_usable() -> bool:
    """Whether reads may go to the replica now (the cached verdict, or a new probe once it has expired)."""
    global _verdict
    if not configured():
        return False
    with _lock:
        verdict = _verdict
    if verdict is not None and time.monotonic() < verdict.until:
        return verdict.usable
    fresh = _judge()
    with _lock:
        if _verdict is None or _verdict.usable or time.monotonic() >= _verdict.until:
            _verdict = fresh  # a mark_down() from another thread meanwhile wins over a good answer
        return _verdict.usable


@contextmanager
def use_replica() -> Iterator[str]:
    """Reads inside the block go to the replica when it is configured, usable and the block is not inside a
    transaction on the primary; yields the alias the reads go to ("replica" or "default")."""
    if not configured() or connections[PRIMARY].in_atomic_block or not replica_usable():
        yield PRIMARY
        return
    token = _active.set(True)
    try:
        yield REPLICA
    finally:
        _active.reset(token)


def replica_reads(view: Callable[P, R]) -> Callable[P, R]:
    """A read-only view (or function) whose reads go to the replica (`use_replica`); when the replica fails
    during it (a connection lost, a server shut down), the replica is marked down and the view runs again on the
    primary. Only for code that writes nothing but its audit lines, which go to the primary anyway."""

    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        with use_replica() as alias:
            if alias == PRIMARY:
                return view(*args, **kwargs)
            try:
                return view(*args, **kwargs)
            except (OperationalError, InterfaceError) as exc:
                failed = exc
        mark_down(f"failed during a page: {failed}".strip())
        return view(*args, **kwargs)

    return wrapped


class ReplicaRouter:
    """Django's database router: reads inside `use_replica()` to the replica, everything else to the primary."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if _active.get() and not connections[PRIMARY].in_atomic_block:
            return REPLICA
        return PRIMARY if configured() else None

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        return PRIMARY if configured() else None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # Both aliases are one database: a record read from the replica may be linked to one from the primary.
        return True if configured() else None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        return False if db == REPLICA else None  # the replica gets the schema by replication, never by migrate
