import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

from chaindesk.core.tasks import purge_expired_sessions


def _sessions() -> None:
    now = timezone.now()
    Session.objects.create(session_key="old" * 8, session_data="", expire_date=now - dt.timedelta(days=1))
    Session.objects.create(session_key="new" * 8, session_data="", expire_date=now + dt.timedelta(days=1))


@pytest.mark.django_db
def test_purge_is_idempotent():
    _sessions()
    assert purge_expired_sessions.call() == 1
    assert purge_expired_sessions.call() == 0
    assert list(Session.objects.values_list("session_key", flat=True)) == ["new" * 8]


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_an_enqueued_task_from_the_database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}
    _sessions()
    result = purge_expired_sessions.enqueue()
    assert Session.objects.count() == 2  # nothing happens until a worker picks it up
    call_command("db_worker", "--batch", "--no-startup-delay")
    result.refresh()
    assert result.status == "SUCCESSFUL"
    assert result.return_value == 1
    assert Session.objects.count() == 1
