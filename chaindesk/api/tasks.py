"""Background tasks of the API (Django's tasks API; `chaindesk worker` runs them)."""

from django_tasks import task

from . import idempotency


@task()
def purge_idempotency_keys() -> int:
    """Delete the Idempotency-Key records older than 24 hours; idempotent. Returns how many went."""
    return idempotency.purge_expired()
