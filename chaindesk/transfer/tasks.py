"""Background tasks of the imports (Django's tasks API via the django-tasks backport; `chaindesk worker` runs them
on the database backend, the test settings run them at once). Both are idempotent: a batch no longer in the state
the task expects is left as it is."""

from django_tasks import task

from . import services


@task()
def check_batch(batch_id: int) -> str:
    """The dry run of a queued batch (services.run_check); returns the status it ends in."""
    return services.run_check(batch_id)


@task()
def commit_batch(batch_id: int) -> str:
    """The commit of a batch asked to commit (services.run_commit); returns the status it ends in."""
    return services.run_commit(batch_id)
