"""Background tasks of the reports app (Django's tasks API via the django-tasks backport; `chaindesk worker` runs
them on the database backend, the test settings run them at once)."""

from django_tasks import task

from . import services


@task()
def generate_briefing(version_id: int) -> str:
    """Generate a queued briefing version (chaindesk.reports.services.version_run); returns the status it ends in.
    Idempotent: a version that is no longer queued is left as it is."""
    return services.version_run(version_id=version_id)
