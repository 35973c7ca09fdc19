"""`chaindesk check-rollups`: compare every rollup row with the records; exit 1 naming each difference."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from chaindesk.rollups import engine
from chaindesk.rollups.registry import FAMILIES


class Command(BaseCommand):
    help = "Compare the rollup tables with live counts; exit non-zero on any difference."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--family", action="append", choices=sorted(FAMILIES), help="only these tables")

    def handle(self, *args: Any, **options: Any) -> None:
        differences = engine.check(options["family"])
        for difference in differences:
            self.stderr.write(str(difference))
        if differences:
            self.stderr.write(f"check-rollups: {len(differences)} difference(s)")
            raise SystemExit(1)
        self.stdout.write("check-rollups: every rollup equals the records")
