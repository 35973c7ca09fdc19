"""gunicorn's settings and hooks for `chaindesk serve` (its --config).

- keepalive: an idle kept-alive connection is closed after 75 s, not gunicorn's 2 s. A client that pauses a few
  seconds between requests (an official reading a page; the soak's simulated ones) would otherwise send its next
  request on a connection the server is closing at that moment and get "connection reset" (the soak saw 121 in
  18,764 requests). 75 s outlasts a proxy's usual upstream keep-alive (nginx: 60 s), as gunicorn advises.
- child_exit: with several workers, /metrics adds up every worker's counters (prometheus-client's multiprocess
  mode, PROMETHEUS_MULTIPROC_DIR, which serve sets); a worker that exits has its live gauges removed, so a
  restarted worker is not counted twice (chaindesk/core/metrics.py)."""

import os
from typing import Any

keepalive = 75


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
