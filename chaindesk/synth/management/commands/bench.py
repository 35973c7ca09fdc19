from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connections

from chaindesk.demands.models import Demand
from chaindesk.leads.models import Lead
from chaindesk.liaison.models import Visit
from chaindesk.rollups import engine as rollup_engine
from chaindesk.rollups.registry import FAMILIES
from chaindesk.synth import bench, bench_routes
from chaindesk.synth.base import SCALES
from chaindesk.synth.runner import generate, has_synthetic_data

BENCH_PG_DATABASE = "chaindesk_bench"
BENCH_SQLITE_FILE = "bench.sqlite3"


def use_bench_database(name: str | None = None) -> str:
    """Point the default connection at the benchmark database, never the one the app runs on: var/bench.sqlite3
    for SQLite, `chaindesk_bench` on the same server for PostgreSQL (created when missing)."""
    conn = connections["default"]
    conn.close()
    if conn.vendor == "postgresql":
        target = name or BENCH_PG_DATABASE
        try:
            with conn._nodb_cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [target])
                if cursor.fetchone() is None:
                    cursor.execute(f"CREATE DATABASE {conn.ops.quote_name(target)}")
        except DatabaseError as exc:
            where = f"{conn.settings_dict.get('HOST') or 'local socket'}:{conn.settings_dict.get('PORT') or 5432}"
            raise CommandError(f"PostgreSQL at {where} is unreachable or refused: {exc}".strip()) from exc
        conn.settings_dict["NAME"] = target
    elif conn.vendor == "sqlite":
        target = name or str(Path(settings.VAR_DIR) / BENCH_SQLITE_FILE)
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        conn.settings_dict["NAME"] = target
    else:
        raise CommandError(f"bench supports PostgreSQL and SQLite, not {conn.vendor}")
    settings.DATABASES["default"]["NAME"] = target
    return target


class Command(BaseCommand):
    help = (
        "Benchmark the busiest pages on a separate database (var/bench.sqlite3, or chaindesk_bench on the "
        "PostgreSQL server of DATABASE_URL) filled with synthetic data; prints a Markdown table and writes it "
        "to docs/benchmarks/<db>-<scale>.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="city")
        parser.add_argument("--runs", type=int, default=30, help="timed requests per page (default 30)")
        parser.add_argument("--warmup", type=int, default=3, help="untimed requests per page first (default 3)")
        parser.add_argument("--database", help="benchmark database name or SQLite path (default: see above)")
        parser.add_argument(
            "--reset", action="store_true", help="replace the synthetic data already in the benchmark database"
        )
        parser.add_argument(
            "--escalation-runs", type=int, default=5, help="timed runs of the escalation job and its SQL baseline"
        )
        parser.add_argument(
            "--route-runs", type=int, default=10, help="timed requests per route of the walk over every route"
        )
        parser.add_argument("--output-dir", default=str(Path(settings.BASE_DIR) / "docs" / "benchmarks"))
        parser.add_argument(
            "--import-rows", type=int, default=100_000, help="rows of the import benchmark's ledger (0: skip it)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        target = use_bench_database(options["database"])
        vendor = connections["default"].vendor
        self.stdout.write(f"bench: {vendor} database {target}")
        try:
            call_command("migrate", interactive=False, verbosity=0)
        except DatabaseError as exc:
            raise CommandError(f"could not migrate the benchmark database {target}: {exc}") from exc
        load: dict[str, float] = {}
        # Data generated before the visit (issue 3) or lead (issue 4) generators existed is out of date.
        outdated = has_synthetic_data() and not (
            Visit.objects.filter(enterprise__liaison__username__startswith="syn_").exists()
            and Lead.objects.filter(owner__username__startswith="syn_").exists()
            and Demand.objects.filter(submitted_by__username__startswith="syn_").exists()
        )
        if options["reset"] or outdated or not has_synthetic_data():
            self.stdout.write(f"bench: generating {options['scale']} scale data …")
            generated = generate(
                SCALES[options["scale"]],
                reset_first=has_synthetic_data(),
                log=lambda line: self.stdout.write(f"  {line}"),
            )
            load = {**generated.seconds, "total": generated.total_seconds}
        elif not all(rollup_engine.built(name) for name in FAMILIES):  # generated before (some of) the rollups existed
            self.stdout.write("bench: building the rollup tables …")
            rollup_engine.rebuild()
        results = bench.run(runs=options["runs"], warmup=options["warmup"])
        aggregates = bench.run_aggregates(runs=options["runs"], warmup=options["warmup"])
        runs, warmup = options["runs"], options["warmup"]
        escalation = bench.run_escalation_bench(runs=options["escalation_runs"])
        # every route as its owner: fewer runs (about 200 routes), enough for a p95 to flag a page over 1 s
        routes = bench_routes.walk(
            runs=min(runs, options["route_runs"]),
            warmup=min(warmup, 1),
            log=lambda line: self.stdout.write(f"  {line}"),
        )
        document = bench.report(
            results,
            scale=options["scale"],
            runs=runs,
            warmup=warmup,
            load=load,
            aggregates=aggregates,
            escalation=escalation,
            routes=bench_routes.report_section(routes),
        )
        out_dir = Path(options["output_dir"])
        out_dir.mkdir(parents=True, exist_ok=True)
        out = out_dir / f"{vendor}-{options['scale']}.md"
        out.write_text(document, encoding="utf-8")
        self.stdout.write(bench.table(results))
        self.stdout.write(bench.aggregate_table(aggregates))
        self.stdout.write(bench.escalation_table(escalation))
        self.stdout.write(f"bench: written to {out}")
        if options["import_rows"]:  # issue 13: a ledger imported against a floor and django-import-export
            summary = bench.run_import(
                rows=options["import_rows"], out_dir=out_dir, log=lambda line: self.stdout.write(f"  import {line}")
            )
            self.stdout.write(summary)
