"""`chaindesk worker`: the database task queue's worker (django-tasks-db's `db_worker`, all its options), holding
the workers' shared lock for its life, so that `chaindesk recover` never runs beside it
(chaindesk/core/worker_lock.py)."""

from typing import Any

from django_tasks_db.management.commands import db_worker

from chaindesk.core import worker_lock


class Command(db_worker.Command):
    help = "Run the background worker (the database task queue); recover waits for no worker to run."

    def handle(self, *args: Any, **options: Any) -> None:
        with worker_lock.held_by_worker():
            super().handle(*args, **options)
