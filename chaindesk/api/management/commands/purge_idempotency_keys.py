from typing import Any

from django.core.management.base import BaseCommand

from chaindesk.api import idempotency


class Command(BaseCommand):
    help = (
        "Delete the API's Idempotency-Key records older than 24 hours (they are ignored from then on). "
        "Idempotent; run it daily from cron or a systemd timer."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"idempotency keys purged: {idempotency.purge_expired()}")
