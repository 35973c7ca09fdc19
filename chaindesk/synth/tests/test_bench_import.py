"""The import benchmark at 200 rows (issue 13, item 5): every way imports the whole ledger, the re-import creates
nothing, each run leaves the database as it found it, and the report names every number. No timing is asserted:
the numbers live in docs/benchmarks/ (`make bench`)."""

import io

import pytest
from python_calamine import CalamineWorkbook
from stdnum.cn import uscc

from chaindesk.core.models import AuditLog
from chaindesk.enterprises.models import Contact, Enterprise, Indicator
from chaindesk.synth import bench_import
from chaindesk.synth.bench_import import Importer
from chaindesk.testkit.personas import Personas
from chaindesk.transfer.models import ImportBatch

pytestmark = pytest.mark.django_db
ROWS = 200


def _importer(p: Personas) -> Importer:
    return Importer(actor=p.chief, chain=p.ours.chain, regions=[p.ours.region])


def test_the_ledger_has_valid_new_codes_and_the_importers_headers(personas: Personas) -> None:
    p = personas
    rows = bench_import.make_rows(ROWS, regions=[p.ours.region], chain=p.ours.chain)
    codes = [row.uscc for row in rows]
    assert len(set(codes)) == ROWS and all(uscc.is_valid(code) for code in codes)
    assert not Enterprise.objects.filter(uscc__in=codes).exists()
    assert len({row.name for row in rows}) == ROWS
    data = io.BytesIO(bench_import.write_xlsx(rows))
    grid = CalamineWorkbook.from_filelike(data).get_sheet_by_index(0).to_python()
    assert tuple(grid[0]) == bench_import.HEADERS and len(grid) == ROWS + 1
    assert grid[1][:4] == [rows[0].name, rows[0].uscc, p.ours.region.name, p.ours.chain.name]


def test_every_way_imports_the_ledger_and_the_reimport_creates_nothing(personas: Personas) -> None:
    p = personas
    enterprises, audit_lines, batches = (
        Enterprise.objects.count(),
        AuditLog.objects.count(),
        ImportBatch.objects.count(),
    )
    result = bench_import.run_import_bench(rows=ROWS, importer=_importer(p), warmup_rows=20, profile_top=5)

    counts = result.counts
    assert counts["ours_status"] == "committed"
    assert counts["ours_created"] == ROWS
    assert counts["ours_counts"]["new"] == ROWS and counts["ours_counts"]["error"] == 0
    assert counts["reimport_created"] == 0
    assert counts["reimport_counts"]["unchanged"] == ROWS and counts["reimport_counts"]["new"] == 0
    assert counts["reimport_status"].startswith("refused")
    assert counts["floor_created"] == ROWS
    assert counts["die_created"] == ROWS and counts["die_totals"]["new"] == ROWS
    assert result.notes == []
    assert result.warmup_rows == 20 and result.warmup_statements > 0
    assert result.peak_mb >= result.start_mb > 0 and result.reimport_peak_mb > 0
    for key in ("floor", "floor_read", "ours", "ours_check", "ours_commit", "reimport", "die", "die_read"):
        assert result.seconds[key] > 0, key
    assert "cumulative" in result.profile

    codes = [row.uscc for row in bench_import.make_rows(ROWS, regions=[p.ours.region], chain=p.ours.chain)]
    assert not Enterprise.objects.filter(uscc__in=codes).exists()  # every run wiped
    assert Enterprise.objects.count() == enterprises
    assert not Contact.objects.filter(enterprise__uscc__in=codes).exists()
    assert not Indicator.objects.filter(enterprise__uscc__in=codes).exists()
    assert AuditLog.objects.count() == audit_lines and ImportBatch.objects.count() == batches

    table = bench_import.import_table(result)
    assert "ours / floor" in table and "d-i-e / ours" in table and "re-import / ours" in table
    report = bench_import.import_report(result)
    assert f"{ROWS:,} enterprise rows" in report and "run_check" in report and "cProfile" in report
    assert f"peak {result.reimport_peak_mb:.0f} MB across the re-import" in report
