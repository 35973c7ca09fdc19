"""Background work that survives a crash (issue 16 item 2).

Two gaps a SIGKILL can open between a write and the background task that finishes it, and how they are closed:

- **Enqueued with the write.** `enqueue(task, *args)` puts the task in the queue inside the caller's transaction
  when the queue is the database (django-tasks' database backend, on the same database as the records): the
  task's row commits with the write or not at all, so a batch can never be left "committing" with no task to
  commit it. Other backends (the tests' immediate backend) enqueue once the transaction has committed.
- **Resumed after a crash.** A worker killed mid-task leaves its task "running" for ever and its record half-way
  (a batch "checking", a briefing "running"; the task's own transaction rolled back). `recover()` (the command
  `chaindesk recover`, run before the workers start again) marks such tasks failed and asks each app's resumer
  (`register_resumer`) to put its open records back in the queue, once each; the tasks are idempotent, so a record
  whose task is still queued is left as it is. The rollups' resumer compares their tables with the records and
  rebuilds those a lost refresh left behind (a refresh runs right after its commit, in the process that was killed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import router, transaction
from django.utils.module_loading import import_string
from django_tasks import task_backends
from django_tasks.base import Task, TaskResultStatus

INTERRUPTED = "interrupted: the worker stopped before the task finished; resumed by chaindesk recover"


def _in_database(backend: Any) -> bool:
    """Whether a task backend's queue is a table of the records' database (so enqueueing is part of their
    transaction, and `recover` can read what is queued and running)."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    return isinstance(backend, DatabaseBackend) and router.db_for_write(DBTaskResult) in (None, "default")


def enqueue(task: Task[Any, Any], *args: Any) -> None:
    """Queue `task(*args)` so that it runs exactly when the current transaction's writes are committed."""
    if _in_database(task.get_backend()):
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args))


@dataclass
class Queued:
    """The tasks waiting in the database queue, by task path and first argument (the record they work on)."""

    waiting: set[tuple[str, Any]] = field(default_factory=set)

    def has(self, task: Task[Any, Any], record: Any) -> bool:
        return (task.module_path, record) in self.waiting


Resumer = Callable[[Queued], list[str]]
_RESUMERS: dict[str, str] = {}


def register_resumer(name: str, dotted: str) -> None:
    """An app's resumer (`dotted`: the import path of a function taking `Queued` and returning one line per record
    it put back in the queue). Registered from the app's `ready()`; looked up when `recover()` runs."""
    _RESUMERS[name] = dotted


def _waiting() -> Queued:
    from django_tasks_db.models import DBTaskResult

    queued = Queued()
    for path, args_kwargs in DBTaskResult.objects.filter(status=TaskResultStatus.READY).values_list(
        "task_path", "args_kwargs"
    ):
        args = (args_kwargs or {}).get("args") or [None]
        queued.waiting.add((path, args[0]))
    return queued


def _interrupted() -> list[str]:
    """Mark the tasks left running as failed (no worker runs while `recover` does); their names."""
    from django_tasks_db.models import DBTaskResult

    names = []
    for result in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).order_by("enqueued_at"):
        result.set_failed(RuntimeError(INTERRUPTED))
        names.append(f"{result.task_path} {result.args_kwargs.get('args')}")
    return names


def recover() -> dict[str, Any]:
    """Resume what a crash interrupted (see the module docstring). Idempotent: a second run finds nothing."""
    report: dict[str, Any] = {"interrupted": [], "resumed": {}}
    in_database = _in_database(task_backends["default"])
    if in_database:
        report["interrupted"] = _interrupted()
    queued = _waiting() if in_database else Queued()
    # No transaction around a resumer: each record's move and enqueue stand alone (a crash midway leaves the
    # rest for the next run), and the rollups' check and rebuild of a province must not be one transaction.
    for name, dotted in sorted(_RESUMERS.items()):
        resumer: Resumer = import_string(dotted)
        lines = resumer(queued)
        if lines:
            report["resumed"][name] = lines
    return report
