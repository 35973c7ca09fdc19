"""PostgreSQL keeps, for the life of a connection, the plans of the foreign-key checks it ran. Planned while the
registry held a handful of enterprises, the check of a contact's enterprise reads the whole enterprise table (a
sequential scan). A worker that imported a small ledger first would then scan the table once for every contact,
indicator and chain link of the next, large one, when its commit runs the deferred checks: a city's first ledger of
20,000 enterprises took 68 s to commit instead of 15 s. The commit plans those checks afresh."""

from typing import Any

import pytest
from django.db import connection
from django.db.models import Model

from chaindesk.enterprises.models import Contact, Enterprise, Indicator
from chaindesk.testkit import personas as cast
from chaindesk.testkit.personas import Personas, make_uscc
from chaindesk.transfer import services
from chaindesk.transfer.choices import BatchStatus
from chaindesk.transfer.models import ImportBatch
from chaindesk.transfer.tests import ledgers
from chaindesk.transfer.tests.ledgers import Sheet

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's cached plans"),
    pytest.mark.django_db(transaction=True),
]

HEADER = ["企业名称", "统一社会信用代码", "所在地区", "所属产业链", "联系人", "联系电话", "年度", "营业收入"]


def _ledger(p: Personas, start: int, count: int) -> bytes:
    rows: list[list[Any]] = []
    for n in range(start, start + count):
        name = f"计划测试{n}号材料有限公司"
        code = make_uscc(name, p.ours.region.code)
        rows.append([name, code, p.ours.region.name, p.ours.chain.name, f"联系人{n}", f"139{n:08d}", 2025, n])
    return ledgers.xlsx(Sheet([HEADER, *rows]))


def _check(p: Personas, data: bytes) -> ImportBatch:
    batch = services.import_upload(actor=p.chief, kind="enterprises", name="企业名录.xlsx", data=data)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CHECKED, batch.error
    return batch


def _commit(p: Personas, batch: ImportBatch) -> ImportBatch:
    services.import_commit(actor=p.chief, batch=batch)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED, batch.error
    return batch


def _analyze(*models: type[Model]) -> list[str]:
    """What autovacuum does to the tables of a small registry; returns their names."""
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    return tables


def _sequential_scans(table: str) -> int:
    """The table's sequential scans so far, this connection's own included (its pending statistics flushed)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")  # flushed once this statement's transaction ends
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT seq_scan FROM pg_stat_user_tables WHERE relname = %s", [table])
        row = cursor.fetchone()
    return int(row[0])


def test_a_large_commit_after_a_small_one_checks_its_foreign_keys_through_the_index(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    p = cast.build_committed(monkeypatch)
    _analyze(Enterprise)
    small = 12  # a dozen checks of each kind: PostgreSQL keeps a plan for the tiny table after five
    _commit(p, _check(p, _ledger(p, 1, small)))
    rows = 1500
    batch = _check(p, _ledger(p, 10_000, rows))
    table = Enterprise._meta.db_table
    before = _sequential_scans(table)
    _commit(p, batch)
    scans = _sequential_scans(table) - before
    assert Enterprise.objects.filter(name__startswith="计划测试").count() == small + rows
    # A plan kept from the small ledger scans the table for each contact, indicator and chain link (4,500 here);
    # planned afresh, the checks go through the primary key, and the commit's own queries scan it a few times.
    assert scans < 50, f"{scans} sequential scans of {table} for {rows} rows"


def test_undoing_a_large_batch_after_a_small_one_checks_its_deletions_through_the_indexes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    p = cast.build_committed(monkeypatch)
    tables = _analyze(Enterprise, Contact, Indicator)
    services.import_undo(actor=p.chief, batch=_commit(p, _check(p, _ledger(p, 1, 12))))
    rows = 1500
    batch = _commit(p, _check(p, _ledger(p, 10_000, rows)))
    before = {table: _sequential_scans(table) for table in tables}
    services.import_undo(actor=p.chief, batch=batch)
    scans = {table: _sequential_scans(table) - before[table] for table in tables}
    assert not Enterprise.objects.filter(name__startswith="计划测试").exists()
    # Each deleted enterprise is checked against every table that refers to it, and against its own table.
    assert sum(scans.values()) < 50, f"sequential scans while undoing {rows} rows: {scans}"
