"""Background tasks of the demands app (Django's tasks API via the django-tasks backport; `chaindesk worker`
runs them). Schedule `escalate` once a day, e.g. early morning: it is idempotent, so extra runs are harmless.
Delivery on its own is core's task (chaindesk.core.tasks.deliver_notifications)."""

from datetime import date
from typing import Any

from django_tasks import task

from chaindesk.core import clock, notify

from . import jobs


@task()
def escalate(today: str | None = None) -> dict[str, Any]:
    """Run the escalation ladder for `today` (ISO date; default: the local date), then deliver what is pending.
    Returns the counts of both steps."""
    day = date.fromisoformat(today) if today else clock.today()
    return {"escalation": jobs.run_escalation(today=day), "delivery": notify.deliver_pending()}
