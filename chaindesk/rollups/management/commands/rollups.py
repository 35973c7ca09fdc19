"""`chaindesk rollups --rebuild`: compute every rollup table again from the records (nightly, and after a bulk
load that bypasses the services); `--flush` refreshes only what this process has pending."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from chaindesk.rollups import engine
from chaindesk.rollups.registry import FAMILIES


class Command(BaseCommand):
    help = "Rebuild the rollup tables from the records."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="recompute every row of the tables")
        parser.add_argument("--family", action="append", choices=sorted(FAMILIES), help="only these tables")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["rebuild"]:
            self.stdout.write("rollups: " + ", ".join(f"{f.name} ({f.label})" for f in FAMILIES.values()))
            self.stdout.write("use --rebuild to recompute them from the records")
            return
        for name, rows in engine.rebuild(options["family"]).items():
            self.stdout.write(f"{name}: {rows} rows")
