"""Crash safety of the import's background work (issue 16 item 2; chaindesk/core/queue.py): with the database
queue the commit's task is queued in the same transaction as the batch's move to committing, and `chaindesk
recover` resumes a batch whose task a crash lost or whose worker died mid-task, once."""

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from chaindesk.core import queue, worker_lock
from chaindesk.enterprises.models import Enterprise
from chaindesk.testkit.personas import Personas
from chaindesk.transfer import services
from chaindesk.transfer.choices import BatchStatus
from chaindesk.transfer.models import ImportBatch
from chaindesk.transfer.tests.test_import_enterprises import _ledger, _rows

COMMIT = "chaindesk.transfer.tasks.commit_batch"
CHECK = "chaindesk.transfer.tasks.check_batch"


@pytest.fixture
def database_queue(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The database queue, its worker run in this test's transaction: the worker's check for stale connections
    would close the test's own (PostgreSQL; an in-memory SQLite ignores it)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)


def _work_off() -> None:
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)  # db_worker holding the workers' lock


def _checked(p: Personas, start: int = 1) -> ImportBatch:
    batch = services.import_upload(
        actor=p.member, kind="enterprises", name=f"名录{start}.xlsx", data=_ledger(p, _rows(p, 2, start=start))
    )
    _work_off()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CHECKED, batch.error
    return batch


def _running_check(batch_id: int, *, worker: str) -> DBTaskResult:
    """The batch's check task as a worker leaves it while running it."""
    return DBTaskResult.objects.create(
        task_path=CHECK,
        args_kwargs={"args": [batch_id], "kwargs": {}},
        status=TaskResultStatus.RUNNING,
        backend_name="default",
        queue_name="default",
        priority=0,
        worker_ids=[worker],
    )


def _queued(path: str) -> list[Any]:
    return [
        row["args"][0]
        for row in DBTaskResult.objects.filter(task_path=path, status="READY").values_list("args_kwargs", flat=True)
    ]


def test_the_commit_task_is_queued_with_the_status_change_or_not_at_all(
    personas: Personas, database_queue: None
) -> None:
    p = personas
    batch = _checked(p)

    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned), transaction.atomic():
        services.import_commit(actor=p.member, batch=batch)
        assert _queued(COMMIT) == [batch.pk]  # inside the transaction, beside the batch's new status
        raise Abandoned
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CHECKED
    assert _queued(COMMIT) == []  # rolled back together

    services.import_commit(actor=p.member, batch=batch)
    assert _queued(COMMIT) == [batch.pk]
    _work_off()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED
    assert Enterprise.objects.filter(name__startswith="导入测试").count() == 2


def test_recover_resumes_what_a_crash_interrupted_once(personas: Personas, database_queue: None) -> None:
    p = personas
    lost, interrupted, waiting = _checked(p, 1), _checked(p, 3), _checked(p, 5)
    # `lost`: committing, its task gone (the old crash window between the commit and the on-commit enqueue).
    services.import_commit(actor=p.member, batch=lost)
    DBTaskResult.objects.filter(task_path=COMMIT).delete()
    # `interrupted`: its worker died while checking it again (the task left running, the batch checking).
    ImportBatch.objects.filter(pk=interrupted.pk).update(status=BatchStatus.CHECKING)
    running = _running_check(interrupted.pk, worker="dead")
    # `waiting`: committing with its task still queued: left as it is.
    services.import_commit(actor=p.member, batch=waiting)

    out = StringIO()
    call_command("recover", stdout=out)
    report = json.loads(out.getvalue())
    assert report["interrupted"] == [f"{CHECK} [{interrupted.pk}]"]
    assert report["resumed"] == {"imports": [f"{lost.pk} 名录1.xlsx: commit", f"{interrupted.pk} 名录3.xlsx: check"]}
    running.refresh_from_db()
    assert running.status == TaskResultStatus.FAILED
    assert queue.INTERRUPTED in running.traceback
    assert sorted(_queued(COMMIT)) == sorted([lost.pk, waiting.pk])
    assert _queued(CHECK) == [interrupted.pk]

    _work_off()
    statuses = dict(
        ImportBatch.objects.filter(pk__in=[lost.pk, interrupted.pk, waiting.pk]).values_list("pk", "status")
    )
    assert statuses == {lost.pk: "committed", interrupted.pk: "checked", waiting.pk: "committed"}
    assert Enterprise.objects.filter(name__startswith="导入测试").count() == 4  # each committed ledger once
    assert queue.recover() == {"interrupted": [], "resumed": {}}


def test_recover_touches_nothing_while_a_worker_runs(personas: Personas, database_queue: None) -> None:
    """A task running beside a live worker is alive, not interrupted: `recover` leaves it (and says so) until no
    worker holds the workers' lock (chaindesk/core/worker_lock.py); workers share the lock among themselves."""
    p = personas
    batch = _checked(p, 7)
    ImportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.CHECKING)
    running = _running_check(batch.pk, worker="alive")
    with worker_lock.held_by_worker(), worker_lock.held_by_worker():  # two workers at once
        out, err = StringIO(), StringIO()
        call_command("recover", stdout=out, stderr=err)
        assert json.loads(out.getvalue()) == {"skipped": "a worker is running"}
        assert "nothing was changed" in err.getvalue()
        running.refresh_from_db()
        assert running.status == TaskResultStatus.RUNNING and _queued(CHECK) == []
    with worker_lock.for_recovery() as free:  # every worker gone: the lock is free again
        assert free
    out = StringIO()
    call_command("recover", stdout=out)
    assert json.loads(out.getvalue())["interrupted"] == [f"{CHECK} [{batch.pk}]"]
    running.refresh_from_db()
    assert running.status == TaskResultStatus.FAILED
