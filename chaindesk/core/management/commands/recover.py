"""`chaindesk recover`: after a crash or an unclean stop, before the workers start again, resume what it
interrupted (chaindesk/core/queue.py): tasks left running are marked failed, open import batches and briefing
versions go back in the queue once each, and rollup tables a lost refresh left behind are rebuilt. Prints what it
did as JSON; a second run finds nothing to do."""

import json
from typing import Any

from django.core.management.base import BaseCommand

from chaindesk.core import queue


class Command(BaseCommand):
    help = "Resume the background work a crash interrupted (run while no worker runs)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(json.dumps(queue.recover(), ensure_ascii=False))
