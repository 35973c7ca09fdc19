from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chaindesk.core import clock, notify
from chaindesk.demands import jobs
from chaindesk.demands.workdays import CalendarNotCovered


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--today expects YYYY-MM-DD, got {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Escalate open demand tasks (临期提醒 → 预警 → 督办) for a day and deliver pending notifications by "
        "e-mail and the robot webhook. Idempotent: running it again the same day changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=_iso_date, default=None, help="YYYY-MM-DD (default: today)")
        parser.add_argument("--no-deliver", action="store_true", help="only mark and notify in the inbox")

    def handle(self, *args: Any, **options: Any) -> None:
        today: date = options["today"] or clock.today()
        try:
            counts = jobs.run_escalation(today=today)
        except CalendarNotCovered as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{today.isoformat()}: reminded {counts['reminded']}, warned {counts['warned']}, "
            f"supervised {counts['supervised']}, notifications {counts['notifications']}"
        )
        if not options["no_deliver"]:
            sent = notify.deliver_pending()
            self.stdout.write(f"delivered: e-mailed {sent['emailed']}, pushed {sent['pushed']}")
