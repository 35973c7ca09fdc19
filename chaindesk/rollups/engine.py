"""Keeping the rollup tables in step with the records.

- A write is heard through the audit trail (`chaindesk.core.changes`): each family says which of its partitions
  the change touches, and they are noted as pending for this thread. Right after the transaction commits
  (`transaction.on_commit`) the pending partitions are refreshed: their rows deleted and computed again from
  the records. A reader flushes what is pending before reading (`ready`), so a page read in the same
  transaction as a write (a test, a service reading back) sees it too.
- Refreshes of a family are serialized on PostgreSQL (a transaction-level advisory lock per family): a refresh
  waits for the one before it to commit and then reads the records as they are, so two writers of the same day
  can never leave it with only one of them counted. SQLite serializes every write anyway.
- On PostgreSQL a committed write does not wait for that: it hands its partitions over (`hand_over`), as lines of
  `RollupPending`, to whichever process is refreshing, and refreshes them itself only when none is. One refresh
  then counts every write that came while the one before it ran (under load, many writers of the same busy day
  each recomputed the whole day in turn, and each waited for all the others: a demand's submission took 2.8 s at
  p50 in the soak). The refresher looks again after its commit, so a line added while it ran is never left
  behind; a page about to read the rollups (`ready`) takes any lines left over, without waiting. Figures of other
  officials' writes may so lag a refresh (a fraction of a second); a writer that refreshed sees its own at once.
- `rebuild()` recomputes every family from scratch (`chaindesk rollups --rebuild`, nightly, after bulk loads that
  bypass the services such as `chaindesk synth`); `check()` compares every stored row with the records and names
  each difference (`chaindesk check-rollups`).
- `settings.CHAINDESK_ROLLUPS = False` makes the pages read the records instead (the tests compare both)."""

import datetime as dt
import functools
import threading
import time
import zlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, router, transaction
from django.utils import timezone

from chaindesk.core import clock
from chaindesk.core.listeners import Change
from chaindesk.core.queue import Queued

from .families import Family, Rows, _chunks
from .models import RollupBuilt, RollupPending
from .registry import FAMILIES

BATCH = 1000
LOOK_EVERY = 2.0  # seconds between a thread's looks for lines left over (a page reads several families)
ROUNDS = 2  # refreshes one hand-over runs at most (each takes every line waiting); what is left, the next takes


class _Pending(threading.local):
    def __init__(self) -> None:
        self.partitions: dict[str, set[Any]] = {}
        self.look_after = 0.0  # (monotonic) when a page next looks for lines a refresher left (`ready`)


_pending = _Pending()


def enabled() -> bool:
    return bool(getattr(settings, "CHAINDESK_ROLLUPS", True))


@functools.cache
def _families_of(model: type[Any]) -> tuple[Family, ...]:
    """The families a model's writes may touch (an import hears a line per record: looked up once per model)."""
    return tuple(family for family in FAMILIES.values() if model in family.sources())


def heard(change: Change) -> None:
    """An audited write: note the partitions it touches and refresh them once the transaction commits."""
    noted = False
    for family in _families_of(change.model):
        touched = family.touched(change)
        if touched:
            _pending.partitions.setdefault(family.name, set()).update(touched)
            noted = True
    if noted and not _flush_registered(connections[DEFAULT_DB_ALIAS]):
        transaction.on_commit(flush)


def _flush_registered(conn: Any) -> bool:
    """Whether this atomic block (at its savepoint) already runs `flush` on commit: once is enough for all its
    writes. Django keeps each callback with the savepoints open when it was registered, dropping those of a
    savepoint rolled back; a nested block registers its own, so a rollback of one never loses another's. `conn`
    is the connection itself (an import hears a line per record: the proxy looks it up on every attribute)."""
    if not conn.in_atomic_block:
        return False
    here = set(conn.savepoint_ids)
    return any(entry[1] is flush and entry[0] == here for entry in reversed(conn.run_on_commit))


def pending() -> dict[str, set[Any]]:
    """The partitions waiting for a refresh in this thread (a copy)."""
    return {name: set(parts) for name, parts in _pending.partitions.items()}


def forget() -> None:
    """Drop what is pending (a test starting afresh)."""
    _pending.partitions.clear()


def _lock(family: Family) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(f"rollup:{family.name}".encode())])


def _write(family: Family, rows: Rows) -> None:
    model = family.model
    objs = [
        model(**dict(zip(family.keys + family.measures, key + values, strict=True))) for key, values in rows.items()
    ]
    model._default_manager.bulk_create(objs, batch_size=BATCH)


def refresh(family: Family, partitions: Collection[Any]) -> None:
    """Compute the family's rows of `partitions` again from the records, and write only what changed: one write
    moves a few of a busy day's thousands of rows (a day's demands by reader, dimension and group), so deleting
    and inserting them all would make every write pay for the whole day, serialized behind the family's lock."""
    with transaction.atomic():
        partitions = family.resolve(partitions)
        if not partitions:
            return
        _lock(family)
        stored = family.stored_ids(partitions)
        rows = family.live(partitions)
        was = {key: (pk, values) for key, (pk, values) in stored.items() if rows.get(key) != values}
        now = {key: values for key, values in rows.items() if stored.get(key, (0, None))[1] != values}
        for part in _chunks([pk for pk, _values in was.values()]):
            family.model._default_manager.filter(pk__in=part).delete()
        _write(family, now)
        family.refreshed({key: values for key, (_pk, values) in was.items()}, now)


def _delete(family: Family, partitions: Collection[Any] | None) -> None:
    rows = family.model._default_manager.all()
    if partitions is None:
        rows.delete()
        return
    for part in _chunks(partitions):
        rows.filter(**{f"{family.partition}__in": part}).delete()


def flush(names: Iterable[str] | None = None) -> None:
    """Refresh what is pending (of the named families, or all). Right after a commit on PostgreSQL (no transaction
    open, every family), hand it over instead (`hand_over`)."""
    if names is None and _shared() and not connection.in_atomic_block:
        hand_over()
        return
    for name in _ordered(names):
        partitions = _pending.partitions.pop(name, None)  # (a family read by another's refresh may be done)
        if partitions is None:
            continue
        try:
            refresh(FAMILIES[name], partitions)
        except BaseException:
            _pending.partitions.setdefault(name, set()).update(partitions)  # still owed
            raise


def _shared() -> bool:
    """Whether the refreshes of several processes are shared through `RollupPending` (PostgreSQL)."""
    return connection.vendor == "postgresql"


def _encode(partition: Any) -> str:
    if isinstance(partition, dt.date):
        return f"d:{partition.isoformat()}"
    if isinstance(partition, int):
        return f"i:{partition}"
    raise TypeError(f"a rollup partition is a day or an id, not {partition!r}")


def _decode(text: str) -> Any:
    kind, value = text.split(":", 1)
    return dt.date.fromisoformat(value) if kind == "d" else int(value)


def _lines() -> Any:
    """`RollupPending` on the primary (a page reading from the replica still looks at the lines as they are)."""
    return RollupPending.objects.using(router.db_for_write(RollupPending))


def hand_over() -> None:
    """After a commit: this thread's pending partitions become lines of `RollupPending` (one statement, so a
    refresher sees all of a write's families or none), then `drain` refreshes them unless another process is."""
    taken = {name: _pending.partitions.pop(name) for name in _ordered(None) if name in _pending.partitions}
    try:
        lines = [
            RollupPending(family=name, partition=_encode(p))
            for name, partitions in taken.items()
            for p in sorted(FAMILIES[name].resolve(partitions))
        ]
        _lines().bulk_create(lines, batch_size=BATCH)
    except BaseException:
        for name, partitions in taken.items():  # still owed
            _pending.partitions.setdefault(name, set()).update(partitions)
        raise
    if lines:
        drain()


DRAIN_LOCK = zlib.crc32(b"rollup:drain")


def drain(wait: bool = False) -> bool:
    """Refresh the partitions waiting in `RollupPending`, every family in the registry's order, each round in one
    transaction that also deletes the lines it took. Only one process drains at a time: without `wait`, return
    at once when another does (it looks again after its commit, so it takes the lines added meanwhile). False when
    lines were left (another process draining, or `ROUNDS` done while writers kept adding)."""
    rounds = 0
    while _lines().exists():
        if rounds == ROUNDS and not wait:
            return False
        rounds += 1
        with transaction.atomic():
            with connection.cursor() as cursor:
                if wait:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [DRAIN_LOCK])
                else:
                    cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [DRAIN_LOCK])
                    if not cursor.fetchone()[0]:
                        return False
            lines = list(_lines().values_list("pk", "family", "partition"))
            partitions: dict[str, set[Any]] = {}
            for _pk, name, text in lines:
                if name in FAMILIES:  # (a family since removed has nothing to refresh)
                    partitions.setdefault(name, set()).add(_decode(text))
            for name in _ordered(partitions):
                refresh(FAMILIES[name], partitions[name])
            for part in _chunks([pk for pk, _name, _text in lines]):
                _lines().filter(pk__in=part).delete()
    return True


_built: set[tuple[str, Any]] = set()  # (family, None or the day) known rebuilt since the table changed (this process)


def built(name: str) -> bool:
    """Whether `chaindesk rollups --rebuild` has filled the family's table since a migration created or changed it
    (`RollupBuilt`), today for a family that holds for a day (`daily`); remembered by the process once true."""
    day = clock.today() if FAMILIES[name].daily else None
    if (name, day) not in _built:
        built_at = RollupBuilt.objects.filter(name=name).values_list("built_at", flat=True).first()
        if built_at is None or (day is not None and timezone.localtime(built_at).date() != day):
            return False
        _built.add((name, day))
    return True


def ready(*names: str) -> bool:
    """Before a page reads the named families: flush what this thread has pending for them. False when the pages
    must read the records instead: rollups switched off, or a family not rebuilt since its table changed."""
    if not enabled() or not all(built(name) for name in names):
        return False
    if any(name in _pending.partitions for name in names):
        flush(names)
    if _shared() and not connection.in_atomic_block and time.monotonic() >= _pending.look_after:
        _pending.look_after = time.monotonic() + LOOK_EVERY
        drain()  # lines a refresher left (without waiting for one at work)
    return True


def _ordered(names: Iterable[str] | None) -> list[str]:
    """The named families (or all) in the registry's order: a family reading another's rows after it."""
    return [name for name in FAMILIES if names is None or name in names]


def rebuild(names: Iterable[str] | None = None) -> dict[str, int]:
    """Every row of the named families (or all) computed again from the records; returns the rows per family.

    A batch of partitions (a month of days for a large family) at a time, each in a transaction of its own that
    replaces its rows at once: the pages read whole figures throughout, and a refresh after a write waits for
    one batch at most, not for the whole rebuild."""
    counts: dict[str, int] = {}
    for name in _ordered(names):
        family = FAMILIES[name]
        _pending.partitions.pop(name, None)
        written, whole, first, last = 0, False, None, None
        for partitions in family.batches():
            with transaction.atomic():
                _lock(family)
                _delete(family, partitions)
                rows = family.live(partitions)
                _write(family, rows)
                family.rebuilt(partitions, rows)
            written += len(rows)
            whole, first, last = _covered(partitions, whole, first, last)
        if not whole:  # the rows of partitions no batch covered (no records there any more) go
            with transaction.atomic():
                _lock(family)
                stray = family.model._default_manager.all()
                if first is not None and last is not None:
                    stray = stray.exclude(**{f"{family.partition}__range": (first, last)})
                stray.delete()
                family.cleared_outside(first, last)
        RollupBuilt.objects.update_or_create(name=name, defaults={"built_at": clock.now()})
        _built.add((name, clock.today() if family.daily else None))
        counts[name] = written
    return counts


@dataclass(frozen=True)
class Difference:
    family: str
    key: dict[str, Any]
    stored: dict[str, Any] | None  # None: the row is missing
    live: dict[str, Any] | None  # None: the row should not be there

    def __str__(self) -> str:
        key = ", ".join(f"{k}={v}" for k, v in self.key.items())
        return f"{self.family} [{key}]: rollup {self.stored or '无此行'} ≠ live {self.live or '无此行'}"


def check(names: Iterable[str] | None = None) -> list[Difference]:
    """Every difference between the stored rows and the records, a batch at a time, the tables derived from a
    family's rows included. What this thread's writes left pending is refreshed first (their commit would have),
    and so are the partitions handed over by any process."""
    flush(names)
    if _shared() and not connection.in_atomic_block:
        drain(wait=True)
    found: list[Difference] = []
    for name in _ordered(names):
        family = FAMILIES[name]
        whole, first, last = False, None, None
        for partitions in family.batches():
            live = family.live(partitions)
            found += _differences(name, family.keys, family.measures, family.stored(partitions), live)
            for derived, keys, stored_rows, live_rows in family.derived_differences(partitions, live):
                found += _differences(derived, keys, family.measures, stored_rows, live_rows)
            whole, first, last = _covered(partitions, whole, first, last)
        if not whole:  # rows of partitions no batch covered: there should be none
            stray = family.model._default_manager.all()
            if first is not None and last is not None:
                stray = stray.exclude(**{f"{family.partition}__range": (first, last)})
            stored = family.stored(set(stray.values_list(family.partition, flat=True)))
            found += _differences(name, family.keys, family.measures, stored, {})
            for derived, keys, stored_rows in family.derived_outside(first, last):
                found += _differences(derived, keys, family.measures, stored_rows, {})
    return found


def resume(queued: Queued) -> list[str]:
    """After a crash (`chaindesk recover`, chaindesk/core/queue.py): a refresh due right after a commit died with
    its process, so the families that differ from the records are rebuilt; their names. (`check` first refreshes
    the partitions handed over and not yet refreshed, as a crashed refresher leaves them.)"""
    stale = sorted({difference.family for difference in check()})
    if stale:
        rebuild(stale)
    return stale


def _covered(partitions: Collection[Any] | None, whole: bool, first: Any, last: Any) -> tuple[bool, Any, Any]:
    """What the batches so far cover, with one more: all partitions (whole), or [first, last]."""
    if partitions is None:
        return True, first, last
    if partitions:
        first = min(partitions) if first is None else min(first, min(partitions))
        last = max(partitions) if last is None else max(last, max(partitions))
    return whole, first, last


def _differences(
    name: str, keys: tuple[str, ...], measures: tuple[str, ...], stored: Rows, live: Rows
) -> list[Difference]:
    found = []
    for key in sorted(stored.keys() | live.keys(), key=repr):
        a, b = stored.get(key), live.get(key)
        if a != b:
            found.append(
                Difference(
                    family=name,
                    key=dict(zip(keys, key, strict=True)),
                    stored=None if a is None else dict(zip(measures, a, strict=True)),
                    live=None if b is None else dict(zip(measures, b, strict=True)),
                )
            )
    return found
