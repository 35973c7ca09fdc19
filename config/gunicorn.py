"""gunicorn's hooks for `chaindesk serve` (its --config): with several workers, /metrics adds up every worker's
counters (prometheus-client's multiprocess mode, PROMETHEUS_MULTIPROC_DIR, which serve sets); a worker that exits
has its live gauges removed, so a restarted worker is not counted twice (chaindesk/core/metrics.py)."""

import os
from typing import Any


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
