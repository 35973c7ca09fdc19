"""Run the registered generators against the default database, fast and deterministically."""

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction

from chaindesk.accounts.models import User
from chaindesk.core import clock
from chaindesk.rollups import engine as rollup_engine

from .base import SYNTH_USER_PREFIX, BulkWriter, Context, Scale, generators

DEFAULT_SEED = 20261124


class AlreadyGenerated(Exception):
    """The database already holds synthetic data; generate again only after a reset."""


@dataclass
class Report:
    scale: str
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


def has_synthetic_data() -> bool:
    return User.objects.filter(username__startswith=SYNTH_USER_PREFIX).exists()


def reset() -> None:
    """Remove what the generators write (each generator knows its tables), newest generator first."""
    writer = BulkWriter(connection)
    with transaction.atomic():
        for generator in reversed(generators()):
            generator.reset(writer)
        rollup_engine.rebuild()  # the generators delete past the services too


def _sqlite_pragmas(fast: bool) -> None:
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA synchronous={'OFF' if fast else 'NORMAL'}")
            if fast:
                cursor.execute("PRAGMA cache_size=-262144")  # 256 MB while loading
                cursor.execute("PRAGMA temp_store=MEMORY")


def generate(
    scale: Scale,
    *,
    seed: int = DEFAULT_SEED,
    reset_first: bool = False,
    today: dt.date | None = None,
    log: Callable[[str], None] = lambda _: None,
) -> Report:
    """Generate `scale` on top of the demo city (loaded first when the database has no regions).

    Refuses (AlreadyGenerated) when synthetic data is present, unless `reset_first`."""
    from chaindesk.demo import city

    report = Report(scale.name)
    if reset_first:
        started = time.perf_counter()
        reset()
        report.seconds["reset"] = time.perf_counter() - started
        log(f"reset in {report.seconds['reset']:.1f}s")
    if has_synthetic_data():
        raise AlreadyGenerated("the database already has synthetic data (use --reset to replace it)")
    started = time.perf_counter()
    city.load(enterprises=0, today=today)  # completes the demo city; quick when it is already there
    report.seconds["demo city"] = time.perf_counter() - started
    writer = BulkWriter(connection)
    ctx = Context(scale=scale, seed=seed, writer=writer, today=today or clock.today())
    _sqlite_pragmas(fast=True)
    try:
        with transaction.atomic():
            for generator in generators():
                started = time.perf_counter()
                generator.generate(ctx)
                report.seconds[generator.name] = time.perf_counter() - started
                log(f"{generator.name}: {report.seconds[generator.name]:.1f}s")
            # The generators write in bulk, past the services and their audit lines: the rollups are rebuilt.
            started = time.perf_counter()
            rollup_engine.rebuild()
            report.seconds["rollups"] = time.perf_counter() - started
            log(f"rollups: {report.seconds['rollups']:.1f}s")
    finally:
        _sqlite_pragmas(fast=False)
    if writer.postgres:
        # statistics for the planner, and the visibility map, without which an index-only scan (the queues' counts)
        # still reads every heap page: a bulk load leaves both to an autovacuum that may come much later. Inside a
        # transaction (a test's) VACUUM may not run; the statistics alone still let the lists estimate their totals.
        started = time.perf_counter()
        writer.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
        report.seconds["vacuum"] = time.perf_counter() - started
    report.counts = dict(ctx.counts)
    return report
