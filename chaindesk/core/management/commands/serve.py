"""`chaindesk serve`: gunicorn on 127.0.0.1:$PORT. Each start empties the Prometheus multiprocess folder
(PROMETHEUS_MULTIPROC_DIR, default chaindesk-prometheus-PORT in the system's temporary folder) that the workers
write their counters to, so /metrics sums every worker (chaindesk/core/metrics.py; config/gunicorn.py drops an
exited worker's gauges)."""

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve ChainDesk with gunicorn on 127.0.0.1:$PORT (default 8000)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--workers", default=os.environ.get("WEB_CONCURRENCY", "2"))
        parser.add_argument("--threads", default=os.environ.get("WEB_THREADS", "4"))

    def handle(self, *args: Any, **options: Any) -> None:
        bind = f"{options['host']}:{options['port']}"
        # Local to this host and port: never the shared CHAINDESK_VAR_DIR, which another instance's start would empty.
        default = Path(tempfile.gettempdir()) / f"chaindesk-prometheus-{options['port']}"
        folder = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or default)
        shutil.rmtree(folder, ignore_errors=True)  # the last run's counters (and dead workers' files)
        folder.mkdir(parents=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)  # read by prometheus-client as the workers import it
        self.stdout.write(f"ChainDesk serving on http://{bind}/")
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--config",
            "python:config.gunicorn",
            "--bind",
            bind,
            "--workers",
            str(options["workers"]),
            "--threads",
            str(options["threads"]),
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "10",
        ]
        os.execv(sys.executable, argv)  # noqa: S606 - replaces this process with gunicorn
