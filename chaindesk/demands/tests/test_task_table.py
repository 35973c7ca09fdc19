"""The task table's PostgreSQL storage settings (migrations 0004 and 0013): free room in each page for the escalation
job's heap-only updates, and an autovacuum that comes after 2 % of the rows changed, so that the department counts'
index-only scans find the pages marked all-visible again soon after a mass escalation."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="storage settings exist on PostgreSQL only")
def test_the_task_table_keeps_room_and_is_vacuumed_early() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'demands_task'")
        options = set(cursor.fetchone()[0] or [])
    assert {"fillfactor=80", "autovacuum_vacuum_scale_factor=0.02", "autovacuum_analyze_scale_factor=0.02"} <= options
