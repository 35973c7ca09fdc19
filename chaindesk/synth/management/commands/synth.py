from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chaindesk.synth.base import SCALES
from chaindesk.synth.runner import DEFAULT_SEED, AlreadyGenerated, generate


class Command(BaseCommand):
    help = (
        "Generate synthetic data on top of the demo city for benchmarks: city (10k enterprises, 1M audit rows, "
        "5k projects with ~60k monthly investment reports, 10k leads) or province (1M enterprises, 20M audit rows, "
        "200k projects with ~2.4M reports, 500k leads). Bulk writes, bypassing the audited services."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="city")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="same seed, same data")
        parser.add_argument("--reset", action="store_true", help="first delete earlier synthetic data")

    def handle(self, *args: Any, **options: Any) -> None:
        scale = SCALES[options["scale"]]
        try:
            report = generate(scale, seed=options["seed"], reset_first=options["reset"], log=self.stdout.write)
        except AlreadyGenerated as exc:
            raise CommandError(str(exc)) from exc
        counts = ", ".join(f"{name} {n:,}" for name, n in report.counts.items())
        self.stdout.write(f"synth {scale.name}: {counts} in {report.total_seconds:.1f}s")
