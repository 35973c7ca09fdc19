"""`chaindesk recover`: after a crash or an unclean stop, before the workers start again, resume what it
interrupted (chaindesk/core/queue.py): tasks left running are marked failed, open import batches and briefing
versions go back in the queue once each, and rollup tables a lost refresh left behind are rebuilt. Prints what it
did as JSON; a second run finds nothing to do. While a `chaindesk worker` runs it does nothing and says so (its
running tasks are alive, not interrupted: chaindesk/core/worker_lock.py), exiting 0 so that a worker's start-up
`recover && worker` goes on."""

import json
from typing import Any

from django.core.management.base import BaseCommand

from chaindesk.core import queue, worker_lock


class Command(BaseCommand):
    help = "Resume the background work a crash interrupted (does nothing while a worker runs)."

    def handle(self, *args: Any, **options: Any) -> None:
        with worker_lock.for_recovery() as free:
            if not free:
                self.stderr.write("recover: a worker is running (or another recover): nothing was changed")
                self.stdout.write(json.dumps({"skipped": "a worker is running"}, ensure_ascii=False))
                return
            self.stdout.write(json.dumps(queue.recover(), ensure_ascii=False))
