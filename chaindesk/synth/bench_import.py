"""Import speed (issue 13, item 5): a generated enterprise ledger imported four ways in the same run, each on a
clean slate for the ledger's enterprises (everything a run wrote is deleted, untimed, before the next):

- floor: python-calamine reads the file, then `bulk_create` inserts the same records the import writes
  (enterprises, their chain links, contacts and indicators) in one transaction: no validation, no audit;
- ours: the real path, `import_upload` → `run_check` (the dry run) → `import_commit` → `run_commit`, called
  synchronously (a dummy task backend keeps the background tasks from running on their own), as a team member
  of the chain; the check and the commit are timed on their own too, and the process's peak memory (VmHWM, reset
  first through /proc/self/clear_refs) is read across it;
- re-import: the same file uploaded again, checked (every row unchanged) and committed (refused: nothing to do);
- django-import-export at its fastest documented settings (bulk mode, `skip_diff`, batch size 1000, the cached
  instance loader, a cached region widget): a ModelResource for the enterprise's own columns (name, USCC, region,
  founded on: bulk mode writes no many-to-many, contacts or indicators), reading the file through tablib.

A small warm-up import (its own codes) runs first, with its statements counted. The ledger's headers are the
enterprise importer's (企业名称, 统一社会信用代码, 所在地区, 所属产业链, 成立日期, 联系人, 联系电话, 年度, 营业收入);
its codes are valid (GB 32100) and new to the database; its regions are districts of the database.

    result = run_import_bench(rows=100_000)       # on the benchmark database: the chief of 生物医药 imports
    print(import_table(result))
    write_import_report(result, out_dir)          # docs/benchmarks/<db>-import.md
"""

import cProfile
import ctypes
import datetime as dt
import gc
import io
import os
import pstats
import random
import resource
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from chaindesk.accounts.choices import RegionLevel
from chaindesk.accounts.models import Region, User
from chaindesk.chains.models import Chain, TeamMember
from chaindesk.core import bulk
from chaindesk.core.models import AuditLog
from chaindesk.demo import names
from chaindesk.enterprises.models import Contact, Enterprise, EnterpriseAccount, Indicator
from chaindesk.liaison.models import LiaisonAssignment

from .enterprises import USCC_ALPHABET, make_uscc

HEADERS = (
    "企业名称",
    "统一社会信用代码",
    "所在地区",
    "所属产业链",
    "成立日期",
    "联系人",
    "联系电话",
    "年度",
    "营业收入",
)
YEAR = 2025
DEFAULT_ROWS = 100_000
WARMUP_ROWS = 500
CHUNK = 900  # ids per IN (…) list
BATCH = 1000
SEED = 20261313
ORG_OFFSET = 7_777_777  # the organisation codes of the ledger: another stretch than the synthetic enterprises'
BENCH_IMPORTER = "jiangdd"  # 生物医药 chain chief of the demo city (bench.CHIEF)
BENCH_CHAIN = "biomed"
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
SYLLABLES = "华康泰瑞恒达信诚源丰盛隆鑫宏远科正德安欣润嘉禾通联创越新"  # 30: four of them spell a row's number
TARGETS = {"floor": 1.5, "die": 3.0, "reimport": 0.5, "peak_mb": 600.0}


@dataclass(frozen=True)
class LedgerRow:
    name: str
    uscc: str
    region: str
    chain: str
    founded_on: dt.date
    contact: str
    phone: str
    year: int
    revenue: Decimal


@dataclass
class Timings:
    """Seconds per step: wall clock, and this process's CPU (less sensitive to other work on a shared machine; on
    PostgreSQL it leaves out the server's own time)."""

    wall: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def span(self, key: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.wall[key] = time.perf_counter() - wall
            self.cpu[key] = time.process_time() - cpu

    def run(self, key: str, fn: Callable[[], Any]) -> Any:
        with self.span(key):
            return fn()

    def total(self, key: str, parts: Sequence[str]) -> None:
        """`key` = the sum of its steps `key`_part."""
        for kind in (self.wall, self.cpu):
            kind[key] = sum(kind[f"{key}_{part}"] for part in parts)

    def update(self, other: "Timings") -> None:
        self.wall |= other.wall
        self.cpu |= other.cpu


@dataclass
class ImportBench:
    """One run's numbers: seconds per step (keys below), row counts, peak memory, notes."""

    rows: int
    database: str
    file_mb: float
    timings: Timings = field(default_factory=Timings)
    load: tuple[float, float] = (0.0, 0.0)  # the machine's 1-minute load average at the start and the end
    counts: dict[str, Any] = field(default_factory=dict)
    peak_mb: float = 0.0  # the process's peak RSS across our import (check + commit)
    reimport_peak_mb: float = 0.0  # and across the re-import (its check reads every registered record again)
    start_mb: float = 0.0  # its RSS just before
    warmup_statements: int = 0
    warmup_rows: int = 0
    notes: list[str] = field(default_factory=list)
    profile: str = ""  # the top of a cProfile of our import, when asked for

    @property
    def seconds(self) -> dict[str, float]:
        return self.timings.wall

    def ratio(self, top: str, bottom: str, *, cpu: bool = False) -> float | None:
        times = self.timings.cpu if cpu else self.timings.wall
        a, b = times.get(top), times.get(bottom)
        return a / b if a and b else None


# --- the ledger ------------------------------------------------------------------------------------------------


def _name(index: int, region: Region, rng: random.Random) -> str:
    """A distinct firm name: the row's number spelled in four syllables (no two rows share a name core)."""
    spelled = []
    n = index
    for _ in range(4):
        n, digit = divmod(n, len(SYLLABLES))
        spelled.append(SYLLABLES[digit])
    place = region.name.removesuffix("市").removesuffix("区")
    trade = rng.choice(names.FIRM_TRADES["biomed"])
    return f"{place}{''.join(spelled)}{trade}{rng.choice(names.FIRM_FORMS)}"


def make_rows(count: int, *, regions: Sequence[Region], chain: Chain, start: int = 0) -> list[LedgerRow]:
    """`count` ledger rows (rows `start`… of the same deterministic sequence), with codes no enterprise has."""
    rng = random.Random(SEED + start)
    taken = set(Enterprise.objects.values_list("uscc", flat=True))
    rows = []
    for i in range(start, start + count):
        region = regions[i % len(regions)]
        code = make_uscc(i, region.code, ORG_OFFSET, USCC_ALPHABET[i % 31])
        while code in taken:  # another stretch of codes for the rare clash with a registered one
            code = make_uscc(i + 10**9, region.code, ORG_OFFSET, USCC_ALPHABET[rng.randrange(31)])
        taken.add(code)
        rows.append(
            LedgerRow(
                name=_name(i, region, rng),
                uscc=code,
                region=region.name,
                chain=chain.name,
                founded_on=dt.date(1990, 1, 1) + dt.timedelta(days=rng.randrange(12_400)),
                contact=rng.choice(names.SURNAMES) + rng.choice(names.GIVEN),
                phone=f"139{rng.randrange(10**8):08d}",
                year=YEAR,
                revenue=Decimal(rng.randrange(1_000, 50_000_000)) / 100,
            )
        )
    return rows


def write_xlsx(rows: Sequence[LedgerRow]) -> bytes:
    """The ledger as an .xlsx (openpyxl's write-only mode: rows streamed, constant memory)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("企业名录")
    sheet.append(HEADERS)
    for r in rows:
        sheet.append([r.name, r.uscc, r.region, r.chain, r.founded_on, r.contact, r.phone, r.year, r.revenue])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- clean slate ---------------------------------------------------------------------------------------------


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for begin in range(0, len(items), CHUNK):
        yield items[begin : begin + CHUNK]


def _delete_where(cursor: Any, table: str, column: str, values: Sequence[Any]) -> None:
    qn = connection.ops.quote_name
    for part in _chunks(values):
        marks = ", ".join(["%s"] * len(part))
        cursor.execute(f"DELETE FROM {qn(table)} WHERE {qn(column)} IN ({marks})", list(part))  # noqa: S608


def _enterprise_tables() -> list[str]:
    """Every table that a run writes about the ledger's enterprises (children first)."""
    return [
        Enterprise.chains.through._meta.db_table,
        Enterprise.nodes.through._meta.db_table,
        Enterprise.qualifications.through._meta.db_table,
        Indicator._meta.db_table,
        Contact._meta.db_table,
        LiaisonAssignment._meta.db_table,
        EnterpriseAccount._meta.db_table,
    ]


def wipe(codes: Sequence[str], batches: Sequence[int] = ()) -> int:
    """Untimed: delete the enterprises with these codes and everything the runs wrote about them (their links,
    contacts, indicators, the import batches, their files and audit lines). On PostgreSQL the audit table's
    append-only trigger is switched off for this one transaction only (DDL is transactional there: no other
    session ever sees it off). Returns how many enterprises were deleted."""
    from chaindesk.transfer.models import ImportBatch

    ids: list[int] = []
    for part in _chunks(list(codes)):
        ids += Enterprise.objects.filter(uscc__in=part).values_list("pk", flat=True)
    stored = list(ImportBatch.objects.filter(pk__in=batches))
    tokens = [batch.token for batch in stored]
    audit = AuditLog._meta.db_table
    trigger = f"ALTER TABLE {connection.ops.quote_name(audit)} %s TRIGGER core_auditlog_append_only"
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        for table in _enterprise_tables():
            _delete_where(cursor, table, "enterprise_id", ids)
        _delete_where(cursor, Enterprise._meta.db_table, "id", ids)
        bulk.replan()  # the deletions' deferred checks, planned for the tables as they are now (tens of thousands)
        if tokens:
            if postgres:  # ALTER TABLE refuses while deferred foreign-key checks are pending
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(trigger % "DISABLE")
            _delete_where(cursor, audit, "request_id", tokens)
            if postgres:
                cursor.execute(trigger % "ENABLE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's foreign keys are initially deferred
        ImportBatch.objects.filter(pk__in=[batch.pk for batch in stored]).delete()
    for batch in stored:
        for stored_file in (batch.file, batch.report):
            if stored_file.name:
                stored_file.storage.delete(stored_file.name)
    _vacuum()
    return len(ids)


def _vacuum() -> None:
    """PostgreSQL: VACUUM ANALYZE what a run wrote, so dead rows and a late autovacuum do not weigh on the next."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    qn = connection.ops.quote_name
    tables = [Enterprise._meta.db_table, *_enterprise_tables(), AuditLog._meta.db_table]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {qn(table)}")


# --- memory ----------------------------------------------------------------------------------------------------


def _status_mb(key: str) -> float | None:
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) / 1024
    return None


def reset_peak() -> float:
    """Hand freed memory back (what generating the ledger left behind), reset the process's peak RSS to its
    current RSS (Linux: /proc/self/clear_refs) and return that in MB."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)  # glibc keeps freed heap pages unless asked
    except (OSError, AttributeError):
        pass
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    return _status_mb("VmRSS") or 0.0


def peak_mb() -> float:
    """The process's peak RSS since reset_peak (or since it started, where that cannot be reset), in MB."""
    hwm = _status_mb("VmHWM")
    if hwm is not None:
        return hwm
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale / 1024


# --- the four ways ---------------------------------------------------------------------------------------------


def _floor_records(grid: list[list[Any]], regions: dict[str, int], chain_id: int) -> dict[str, int]:
    index = {str(name): i for i, name in enumerate(grid[0])}
    col = [index[h] for h in HEADERS]
    enterprises = []
    for cells in grid[1:]:
        founded = cells[col[4]]
        enterprises.append(
            Enterprise(
                name=cells[col[0]],
                uscc=cells[col[1]],
                region_id=regions[cells[col[2]]],
                founded_on=founded.date() if isinstance(founded, dt.datetime) else founded,
            )
        )
    created = Enterprise.objects.bulk_create(enterprises, batch_size=BATCH)
    through = Enterprise.chains.through
    through.objects.bulk_create([through(enterprise_id=e.pk, chain_id=chain_id) for e in created], batch_size=BATCH)
    contacts, indicators = [], []
    for e, cells in zip(created, grid[1:], strict=True):
        contacts.append(Contact(enterprise_id=e.pk, name=cells[col[5]], phone=str(cells[col[6]]), is_primary=True))
        revenue = Decimal(str(cells[col[8]])).quantize(Decimal("0.01"))
        indicators.append(Indicator(enterprise_id=e.pk, year=int(cells[col[7]]), revenue=revenue))
    Contact.objects.bulk_create(contacts, batch_size=BATCH)
    Indicator.objects.bulk_create(indicators, batch_size=BATCH)
    return {"enterprises": len(created), "records": 4 * len(created)}


def run_floor(data: bytes, *, regions: dict[str, int], chain_id: int) -> tuple[Timings, dict[str, int]]:
    """(a) python-calamine read + bulk inserts of the same records, one transaction, no validation, no audit."""
    from python_calamine import CalamineWorkbook

    timings = Timings()

    def read() -> list[list[Any]]:
        return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()

    grid = timings.run("floor_read", read)
    with timings.span("floor_write"), transaction.atomic():
        written = _floor_records(grid, regions, chain_id)
    timings.total("floor", ("read", "write"))
    return timings, written


def _ours_once(data: bytes, actor: User, timings: Timings, prefix: str) -> tuple[Any, str]:
    """Upload, check and commit (or try to) one file; the steps timed as `prefix`_upload/_check/_commit."""
    from chaindesk.transfer import services

    with override_settings(TASKS=DUMMY_TASKS):
        batch = timings.run(
            f"{prefix}_upload",
            lambda: services.import_upload(actor=actor, kind="enterprises", name="企业名录.xlsx", data=data),
        )
        status = str(timings.run(f"{prefix}_check", lambda: services.run_check(batch.pk)))
        batch.refresh_from_db()
        with timings.span(f"{prefix}_commit"):
            try:
                services.import_commit(actor=actor, batch=batch)
                status = str(services.run_commit(batch.pk))
            except ValidationError as exc:
                status = f"refused: {' '.join(exc.messages)}"
    timings.total(prefix, ("upload", "check", "commit"))
    batch.refresh_from_db()
    return batch, status


def run_ours(data: bytes, actor: User) -> tuple[Timings, Any, str, float, float]:
    """(b) the real path, timed by step, with the peak RSS across it: (timings, batch, status, start MB, peak MB)."""
    timings = Timings()
    start = reset_peak()
    batch, status = _ours_once(data, actor, timings, "ours")
    return timings, batch, status, start, peak_mb()


def _die_resource(regions: dict[str, int]) -> Any:
    """The ModelResource at django-import-export's documented fastest settings (import there: a dev dependency)."""
    from import_export import fields, resources, widgets
    from import_export.instance_loaders import CachedInstanceLoader

    class CachedRegionWidget(widgets.ForeignKeyWidget):
        """The bulk-import docs' advice: a ForeignKeyWidget that reads the regions once, not once per row."""

        def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
            return Region(pk=regions[value]) if value else None

    class EnterpriseResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name=HEADERS[0])
        uscc = fields.Field(attribute="uscc", column_name=HEADERS[1])
        region = fields.Field(attribute="region", column_name=HEADERS[2], widget=CachedRegionWidget(Region, "name"))
        founded_on = fields.Field(attribute="founded_on", column_name=HEADERS[4], widget=widgets.DateWidget())

        class Meta:
            model = Enterprise
            fields = ("name", "uscc", "region", "founded_on")
            import_id_fields = ("uscc",)
            instance_loader_class = CachedInstanceLoader
            use_bulk = True
            batch_size = BATCH
            skip_diff = True
            skip_unchanged = False  # needs the diff that skip_diff turns off
            use_transactions = True

    return EnterpriseResource()


def run_die(data: bytes, *, regions: dict[str, int]) -> tuple[Timings, dict[str, int], str]:
    """(d) django-import-export: tablib reads the .xlsx (openpyxl), import_data(dry_run=False) writes it."""
    try:
        import tablib

        resource_ = _die_resource(regions)
    except ImportError as exc:
        return Timings(), {}, f"django-import-export not installed ({exc})"
    timings = Timings()
    dataset = timings.run("die_read", lambda: tablib.Dataset().load(data, format="xlsx"))
    result = timings.run("die_import", lambda: resource_.import_data(dataset, dry_run=False, use_transactions=True))
    timings.total("die", ("read", "import"))
    totals = {str(k): int(v) for k, v in result.totals.items()}
    note = "errors: " + str(result.base_errors[:1] or result.row_errors()[:1]) if result.has_errors() else ""
    return timings, totals, note


# --- the run ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Importer:
    """Who imports and where: a team member of `chain`, the ledger's rows spread over `regions`."""

    actor: User
    chain: Chain
    regions: list[Region]


def bench_importer() -> Importer:
    """The benchmark database's importer: the 生物医药 chief, the chain, the districts."""
    chain = Chain.objects.get(code=BENCH_CHAIN)
    actor = User.objects.filter(username=BENCH_IMPORTER).first()
    if actor is None:
        member = TeamMember.objects.filter(chain=chain).select_related("user").first()
        if member is None:
            raise RuntimeError(f"no team member of the chain {chain} to import as")
        actor = member.user
    regions = list(Region.objects.filter(level=RegionLevel.DISTRICT).order_by("code"))
    return Importer(actor, chain, regions)


def _region_ids(regions: Sequence[Region]) -> dict[str, int]:
    return {region.name: region.pk for region in regions}


def _warm_up(importer: Importer, rows: int, result: ImportBench) -> None:
    """A small import of other codes first (code paths, caches), its statements counted; then wiped."""
    ledger = make_rows(rows, regions=importer.regions, chain=importer.chain, start=10**7)
    with CaptureQueriesContext(connection) as captured:
        batch, _status = _ours_once(write_xlsx(ledger), importer.actor, Timings(), "warmup")
    result.warmup_statements, result.warmup_rows = len(captured.captured_queries), rows
    wipe([r.uscc for r in ledger], [batch.pk])


def _profile(data: bytes, importer: Importer, codes: list[str], top: int) -> str:
    """Our import once more under cProfile (untimed), then wiped: the top functions by own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    batch, _status = _ours_once(data, importer.actor, Timings(), "profiled")
    profiler.disable()
    wipe(codes, [batch.pk])
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def run_import_bench(
    *,
    rows: int = DEFAULT_ROWS,
    importer: Importer | None = None,
    warmup_rows: int = WARMUP_ROWS,
    profile_top: int = 0,
    log: Callable[[str], None] = lambda _line: None,
) -> ImportBench:
    """Generate the ledger and import it the four ways (see the module docstring); leaves the database as it
    found it. `profile_top` > 0 adds a cProfile of our import (its top functions) to the result."""
    from . import bench

    importer = importer or bench_importer()
    ledger = make_rows(rows, regions=importer.regions, chain=importer.chain)
    codes = [r.uscc for r in ledger]
    data = write_xlsx(ledger)
    del ledger
    result = ImportBench(rows=rows, database=bench.database_label(), file_mb=len(data) / 2**20)
    started_load = os.getloadavg()[0]
    if warmup_rows:
        _warm_up(importer, warmup_rows, result)
        log(f"warm-up: {result.warmup_rows} rows, {result.warmup_statements} statements")
    _ours_and_reimport(result, data, importer, codes, log)
    _baselines(result, data, importer, codes, log)
    result.load = (started_load, os.getloadavg()[0])
    if profile_top:
        result.profile = _profile(data, importer, codes, profile_top)
    return result


def _ours_and_reimport(
    result: ImportBench, data: bytes, importer: Importer, codes: list[str], log: Callable[[str], None]
) -> None:
    """(b) then (c), then everything they wrote wiped."""
    timings, batch, status, result.start_mb, result.peak_mb = run_ours(data, importer.actor)
    result.timings.update(timings)
    result.counts |= {"ours_status": status, "ours_counts": batch.counts, "ours_created": _count(codes)}
    log(f"ours: {timings.wall['ours']:.1f}s ({status}), RSS {result.start_mb:.0f} → peak {result.peak_mb:.0f} MB")
    timings = Timings()
    reset_peak()
    again, status_again = _ours_once(data, importer.actor, timings, "reimport")
    result.reimport_peak_mb = peak_mb()
    result.timings.update(timings)
    result.counts |= {
        "reimport_status": status_again,
        "reimport_counts": again.counts,
        "reimport_created": _count(codes) - result.counts["ours_created"],
    }
    log(f"re-import: {timings.wall['reimport']:.1f}s ({status_again}), peak {result.reimport_peak_mb:.0f} MB")
    wipe(codes, [batch.pk, again.pk])


def _baselines(
    result: ImportBench, data: bytes, importer: Importer, codes: list[str], log: Callable[[str], None]
) -> None:
    """(a) the floor and (d) django-import-export, each wiped after."""
    regions = _region_ids(importer.regions)
    timings, written = run_floor(data, regions=regions, chain_id=importer.chain.pk)
    result.timings.update(timings)
    result.counts["floor_created"] = written["enterprises"]
    log(f"floor: {timings.wall['floor']:.1f}s")
    wipe(codes)
    timings, totals, note = run_die(data, regions=regions)
    result.timings.update(timings)
    result.counts |= {"die_totals": totals, "die_created": _count(codes)}
    if note:
        result.notes.append(f"django-import-export: {note}")
    log(f"django-import-export: {timings.wall.get('die', 0):.1f}s {note}")
    wipe(codes)


def _count(codes: Sequence[str]) -> int:
    return sum(Enterprise.objects.filter(uscc__in=part).count() for part in _chunks(list(codes)))


# --- the report ------------------------------------------------------------------------------------------------


def _s(result: ImportBench, key: str, *, cpu: bool = False) -> str:
    value = (result.timings.cpu if cpu else result.timings.wall).get(key)
    return f"{value:.2f}" if value is not None else "–"


def _x(value: float | None, target: str) -> str:
    return f"{value:.2f}× ({target})" if value is not None else "–"


def import_table(result: ImportBench) -> str:
    """The summary row: floor, ours, re-import, django-import-export; the ratios against their targets."""
    from .bench import markdown_table

    die = result.ratio("die", "ours")
    head = (
        "database",
        "rows",
        "floor s",
        "ours s",
        "ours / floor",
        "django-import-export s",
        "d-i-e / ours",
        "re-import s",
        "re-import / ours",
        "peak MB",
    )
    row = [
        result.database,
        f"{result.rows:,}",
        _s(result, "floor"),
        _s(result, "ours"),
        _x(result.ratio("ours", "floor"), f"target ≤ {TARGETS['floor']}"),
        _s(result, "die"),
        _x(die, f"aim ≥ {TARGETS['die']:.0f}"),
        _s(result, "reimport"),
        _x(result.ratio("reimport", "ours"), f"target ≤ {TARGETS['reimport']}"),
        f"{result.peak_mb:.0f} (target < {TARGETS['peak_mb']:.0f})",
    ]
    return markdown_table(head, [row], text=(0,))


STEPS = (
    ("floor", "**floor** (a)"),
    ("ours", "**ours** (b)"),
    ("reimport", "**re-import** (c)"),
    ("die", "**django-import-export** (d)"),
    ("floor_read", "floor: python-calamine read"),
    ("floor_write", "floor: bulk_create of enterprises, chain links, contacts, indicators (one transaction)"),
    ("ours_upload", "ours: import_upload (store the file, the batch)"),
    ("ours_check", "ours: run_check (read, map, plan every row, store the report and the plan)"),
    ("ours_commit", "ours: import_commit + run_commit (the dry run's plan written, validated and audited)"),
    ("reimport_upload", "re-import: import_upload"),
    ("reimport_check", "re-import: run_check (every row unchanged)"),
    ("reimport_commit", "re-import: import_commit (refused: nothing to import)"),
    ("die_read", "django-import-export: tablib.Dataset().load(xlsx) (openpyxl)"),
    ("die_import", "django-import-export: import_data(dry_run=False, use_transactions=True)"),
)


def steps_table(result: ImportBench) -> str:
    from .bench import markdown_table

    ours = result.seconds.get("ours") or 0.0
    rows = [
        [
            label,
            _s(result, key),
            _s(result, key, cpu=True),
            f"{result.seconds[key] / ours:.0%}" if ours and key in result.seconds else "–",
        ]
        for key, label in STEPS
    ]
    return markdown_table(("step", "wall s", "process CPU s", "wall / ours"), rows)


def _cpu_ratios(result: ImportBench) -> str:
    parts = [
        ("ours / floor", result.ratio("ours", "floor", cpu=True)),
        ("django-import-export / ours", result.ratio("die", "ours", cpu=True)),
        ("re-import / ours", result.ratio("reimport", "ours", cpu=True)),
    ]
    return ", ".join(f"{name} {value:.2f}×" for name, value in parts if value is not None)


def import_report(result: ImportBench) -> str:
    """The Markdown document written to docs/benchmarks/<db>-import.md."""
    import platform

    import django

    c = result.counts
    lines = [
        f"# Import benchmark: {result.database}, {result.rows:,} enterprise rows",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M')} by `chaindesk.synth.bench_import.run_import_bench` on the "
        "benchmark database, each way on a clean slate for the ledger's enterprises. Machine: "
        f"{platform.machine()}, Python {platform.python_version()}, Django {django.get_version()}.",
        "",
        f"Ledger: {result.rows:,} rows, {result.file_mb:.1f} MB .xlsx, columns {'、'.join(HEADERS)}.",
        "",
        import_table(result),
        "",
        steps_table(result),
        "",
        f"- ours: {c.get('ours_status')}, counts {c.get('ours_counts')}, enterprises created {c.get('ours_created')}",
        f"- re-import: {c.get('reimport_status')}, counts {c.get('reimport_counts')}, "
        f"enterprises created {c.get('reimport_created')}",
        f"- floor: enterprises created {c.get('floor_created')} (plus as many chain links, contacts, indicators)",
        f"- django-import-export: totals {c.get('die_totals')}, enterprises created {c.get('die_created')} "
        "(its resource writes the enterprise's own columns only: bulk mode writes no many-to-many)",
        f"- memory: RSS {result.start_mb:.0f} MB before our import, peak {result.peak_mb:.0f} MB across it; peak "
        f"{result.reimport_peak_mb:.0f} MB across the re-import",
        f"- warm-up: {result.warmup_rows} rows imported first, {result.warmup_statements} SQL statements",
        f"- the same ratios on this process's CPU time (other work on the machine weighs less; PostgreSQL's own "
        f"time left out): {_cpu_ratios(result)}",
        f"- machine load (1-minute average) at the start and the end: {result.load[0]:.1f}, {result.load[1]:.1f}",
        *[f"- {note}" for note in result.notes],
    ]
    if result.profile:
        lines += ["", "cProfile of our import (a separate, untimed run):", "", "```", result.profile.strip(), "```"]
    return "\n".join(lines) + "\n"


def write_import_report(result: ImportBench, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{connection.vendor}-import.md"
    out.write_text(import_report(result), encoding="utf-8")
    return out
