"""Scales, the generation context, the generator registry and the bulk writer.

Synthetic data goes straight into the tables: COPY on PostgreSQL, big `executemany` batches on SQLite, all
inside one transaction. It deliberately bypasses the audited services (and so the audit trail, the model
`save()` and `full_clean()`): a million rows through the ORM would take hours, and the audit rows are
themselves generated data. Generators are responsible for writing valid rows; the tests check them.

Each app that has data to generate adds one module here (`chaindesk/synth/<app>.py`) that registers a
`Generator` with `register(...)` and appends itself to `MODULES`. Generators run in `MODULES` order and are
reset in the opposite order, so a module may read what an earlier one wrote (through the ORM or SQL)."""

import contextlib
import datetime as dt
import importlib
import itertools
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.management.color import no_style
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

# Generator modules in dependency order; later issues append theirs (projects, leads, demands, tasks …).
MODULES = [
    "chaindesk.synth.users",
    "chaindesk.synth.enterprises",
    "chaindesk.synth.registry",
    "chaindesk.synth.liaison",
    "chaindesk.synth.network",
    "chaindesk.synth.projects",
    "chaindesk.synth.leads",
    "chaindesk.synth.demands",
    "chaindesk.synth.audit",
]

SYNTH_USER_PREFIX = "syn_"  # synthetic logins are recognised by this username prefix
BULK_INDEX_THRESHOLD = 100_000  # above this many rows, secondary indexes are dropped and rebuilt
SQLITE_BATCH = 20_000


@dataclass(frozen=True)
class Scale:
    name: str
    liaisons: int
    handlers: int
    enterprises: int
    audit_rows: int
    visits: int = 0
    # Projects and leads (issue 4). Investment plans and monthly reports follow from the projects' stages
    # and dates: about 12 reports per project (city ~60,000, province ~2,400,000).
    projects: int = 0
    leads: int = 0
    talents: int = 0
    partners: int = 0
    # Demands (issue 5): about 1.5 department tasks each, with their updates and timeline events.
    demands: int = 0


SCALES = {
    "tiny": Scale(
        "tiny", liaisons=12, handlers=6, enterprises=200, audit_rows=2_000, visits=1_000,
        projects=120, leads=150, talents=20, partners=15, demands=400,
    ),
    "city": Scale(
        "city", liaisons=240, handlers=60, enterprises=10_000, audit_rows=1_000_000, visits=50_000,
        projects=5_000, leads=10_000, talents=300, partners=120, demands=50_000,
    ),
    "province": Scale(
        "province", liaisons=600, handlers=200, enterprises=1_000_000, audit_rows=20_000_000, visits=2_000_000,
        projects=200_000, leads=500_000, talents=5_000, partners=600, demands=5_000_000,
    ),
}  # fmt: skip


@dataclass
class Context:
    """What a generator gets: the scale, a seeded random stream of its own and a writer for the database."""

    scale: Scale
    seed: int
    writer: "BulkWriter"
    today: dt.date
    counts: dict[str, int] = field(default_factory=dict)

    def rng(self, name: str) -> random.Random:
        """A random stream per generator, so adding a generator never changes what the others produce."""
        return random.Random(f"{self.seed}:{name}")


@dataclass(frozen=True)
class Generator:
    name: str
    generate: Callable[[Context], None]
    reset: Callable[["BulkWriter"], None]


_REGISTRY: dict[str, Generator] = {}


def register(name: str, *, reset: Callable[["BulkWriter"], None]) -> Callable[[Callable[[Context], None]], Any]:
    """Decorator for a module's `generate(ctx)`; `reset(writer)` removes what it generated."""

    def wrap(fn: Callable[[Context], None]) -> Callable[[Context], None]:
        _REGISTRY[name] = Generator(name, fn, reset)
        return fn

    return wrap


def generators() -> list[Generator]:
    """The registered generators in `MODULES` order (importing the modules registers them)."""
    for module in MODULES:
        importlib.import_module(module)
    rank = {module: i for i, module in enumerate(MODULES)}
    return sorted(_REGISTRY.values(), key=lambda g: rank.get(g.generate.__module__, len(MODULES)))


class BulkWriter:
    """Raw, fast inserts for one Django connection: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection
        self.vendor = connection.vendor
        if self.vendor not in ("postgresql", "sqlite"):
            raise NotImplementedError(f"synthetic data supports PostgreSQL and SQLite, not {self.vendor}")
        # Timestamps are written as text in UTC: SQLite stores them naive (Django's convention there).
        self.tz_suffix = "+00:00" if self.vendor == "postgresql" else ""

    @property
    def postgres(self) -> bool:
        return self.vendor == "postgresql"

    def raw_cursor(self) -> Any:
        self.connection.ensure_connection()
        return self.connection.connection.cursor()  # type: ignore[union-attr]

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement on the raw driver cursor; `%s` placeholders on both databases."""
        if not self.postgres:
            sql = sql.replace("%s", "?")
        cursor = self.raw_cursor()
        try:
            cursor.execute(sql, params) if params else cursor.execute(sql)
            return list(cursor.fetchall()) if cursor.description else []
        finally:
            cursor.close()

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Append rows (tuples in `columns` order); returns how many were written."""
        qn = self.connection.ops.quote_name
        cols = ", ".join(qn(c) for c in columns)
        count = 0
        cursor = self.raw_cursor()
        try:
            if self.postgres:
                with cursor.copy(f"COPY {qn(table)} ({cols}) FROM STDIN") as copy:  # noqa: S608
                    for row in rows:
                        copy.write_row(row)
                        count += 1
            else:
                sql = f"INSERT INTO {qn(table)} ({cols}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608
                iterator = iter(rows)
                while batch := list(itertools.islice(iterator, SQLITE_BATCH)):
                    cursor.executemany(sql, batch)
                    count += len(batch)
        finally:
            cursor.close()
        return count

    def next_id(self, table: str) -> int:
        qn = self.connection.ops.quote_name
        return int(self.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {qn(table)}")[0][0])  # noqa: S608

    def reset_sequences(self, *model_classes: type[models.Model]) -> None:
        """After rows were written with explicit ids, move PostgreSQL's sequences past them (SQLite's
        AUTOINCREMENT follows on its own)."""
        for sql in self.connection.ops.sequence_reset_sql(no_style(), list(model_classes)):
            self.execute(sql)

    def wipe(self, *tables: str) -> None:
        """Empty tables (children first). TRUNCATE on PostgreSQL, which the audit table's append-only
        trigger allows; CASCADE also empties tables of later issues that point at these."""
        qn = self.connection.ops.quote_name
        if self.postgres:
            self.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses while deferred checks are pending
            self.execute(f"TRUNCATE {', '.join(qn(t) for t in tables)} CASCADE")
        else:
            for table in tables:
                self.execute(f"DELETE FROM {qn(table)}")  # noqa: S608

    def ts(self, value: dt.datetime) -> str:
        """An aware datetime as the text the column expects."""
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S") + self.tz_suffix

    @contextlib.contextmanager
    def bulk_load(self, table: str, rows: int) -> Iterator[None]:
        """For a large load, drop the table's secondary indexes (and on PostgreSQL its foreign keys) and
        rebuild them afterwards: one sort per index instead of millions of random b-tree inserts, and one
        join per foreign key instead of a deferred trigger per row. Within the caller's transaction, so a
        failure leaves the schema as it was."""
        if rows < BULK_INDEX_THRESHOLD:
            yield
            return
        if self.postgres:
            indexes = self.execute(
                "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
                "AND NOT x.indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
                [table],
            )
            fks = self.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                "AND contype = 'f'",
                [table],
            )
        else:
            indexes = self.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                [table],
            )
            fks = []
        qn = self.connection.ops.quote_name
        if self.postgres:  # run the checks deferred so far: ALTER TABLE refuses while events are pending
            self.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name, _ in fks:
            self.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
        for name, _ in indexes:
            self.execute(f"DROP INDEX {qn(name)}")
        yield
        if self.postgres:
            self.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _, sql in indexes:
            self.execute(sql)
        for name, definition in fks:
            self.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
        if self.postgres:
            self.execute("SET CONSTRAINTS ALL DEFERRED")  # back to Django's INITIALLY DEFERRED
            self.execute(f"ANALYZE {qn(table)}")


def weighted(rng: random.Random, items: Sequence[Any], weights: Sequence[float], k: int) -> list[Any]:
    """k weighted picks in one call (much faster than k calls)."""
    return rng.choices(items, cum_weights=list(itertools.accumulate(weights)), k=k)
