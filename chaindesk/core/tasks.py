"""Background tasks (Django's tasks API via the django-tasks backport; `chaindesk worker` runs them)."""

from django.contrib.sessions.models import Session
from django_tasks import task

from chaindesk.core import clock

from . import notify


@task()
def purge_expired_sessions() -> int:
    """Delete expired login sessions; idempotent (a second run deletes nothing). Returns how many went."""
    deleted, _ = Session.objects.filter(expire_date__lt=clock.now()).delete()
    return deleted


@task()
def deliver_notifications() -> dict[str, int]:
    """Send pending e-mails and robot messages (for notifications written outside the daily job)."""
    return notify.deliver_pending()
