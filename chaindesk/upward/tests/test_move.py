"""上争事项 moved from the demands app to its own (issue 10) without losing data: the model keeps the tables it
had, the two migrations of the move run no SQL, and the audit trail's content type follows the model, so the
history tab of an item registered before the move keeps its lines.

The items are registered on the fixed personas' world (chaindesk/testkit/personas.py) by 测试甲链's team member
`p_member`, for 测试甲局; its chief `p_chief` reads the history tab."""

import importlib
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import SeparateDatabaseAndState
from django.test import Client
from django.urls import reverse

from chaindesk.core import clock
from chaindesk.core.models import AuditLog
from chaindesk.upward import services
from chaindesk.upward.models import UpwardRequest

pytestmark = pytest.mark.django_db
BEFORE_THE_MOVE = ("demands", "0004_task_escalation_hot")
MOVE = [("demands", "0005_move_upwardrequest_to_upward"), ("upward", "0001_initial")]
content_type_migration = importlib.import_module("chaindesk.upward.migrations.0002_move_content_type")


@pytest.fixture(autouse=True)
def _content_type_cache() -> Iterator[None]:
    """These tests rename content type rows inside a rolled-back transaction: no cached id may outlive one."""
    ContentType.objects.clear_cache()
    yield
    ContentType.objects.clear_cache()


def test_tables_are_the_ones_the_demands_app_created() -> None:
    assert UpwardRequest._meta.db_table == "demands_upwardrequest"
    links = {f.name: f.remote_field.through._meta.db_table for f in UpwardRequest._meta.many_to_many}
    assert links == {"enterprises": "demands_upwardrequest_enterprises", "projects": "demands_upwardrequest_projects"}
    # the same names as in the migration state before the move, and present in the database
    old = MigrationLoader(connection).project_state(BEFORE_THE_MOVE).apps.get_model("demands", "UpwardRequest")
    assert old._meta.db_table == UpwardRequest._meta.db_table
    assert {f.name: f.remote_field.through._meta.db_table for f in old._meta.many_to_many} == links
    assert {UpwardRequest._meta.db_table, *links.values()} <= set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        columns = {c.name for c in connection.introspection.get_table_description(cursor, "demands_upwardrequest")}
    assert columns == {f.column for f in UpwardRequest._meta.concrete_fields}


@pytest.mark.parametrize(("app_label", "name"), MOVE)
def test_the_move_changes_the_state_only(app_label: str, name: str) -> None:
    """Both migrations of the move are state-only: no SQL, so no table is created, dropped or renamed."""
    migration = MigrationLoader(None, ignore_no_migrations=True).get_migration(app_label, name)
    assert migration.operations
    for operation in migration.operations:
        assert isinstance(operation, SeparateDatabaseAndState)
        assert operation.database_operations == [] and operation.state_operations


def _item_with_history(personas: Any) -> UpwardRequest:
    """An item of 测试甲链 with two audit lines: registered, then applied for."""
    item = services.upward_create(
        actor=personas.member,
        title="迁移前登记的上争事项",
        kind="funds",
        level="province",
        counterpart="省工信厅",
        department=personas.ours.department,
        chain=personas.ours.chain,
    )
    services.upward_advance(item=item, to_stage="applied", on=clock.today(), actor=personas.member)
    return item


def _as_before_the_move(item: UpwardRequest) -> ContentType:
    """The database as it was before the move: the item's audit lines name ("demands", "upwardrequest")."""
    ct = ContentType.objects.get_for_model(UpwardRequest)
    ContentType.objects.filter(pk=ct.pk).update(app_label="demands")
    ContentType.objects.clear_cache()
    assert AuditLog.objects.filter(content_type_id=ct.pk, object_id=str(item.pk)).count() == 2
    return ct


def _migrate_content_type() -> None:
    content_type_migration.forwards(apps, SimpleNamespace(connection=connection))


def _history_lines(personas: Any, item: UpwardRequest) -> list[str]:
    """The lines of the item's 历史记录 tab as 测试甲链's chief reads them, one text per line."""
    client = Client()
    client.force_login(personas.chief)
    response = client.get(reverse("core:history", args=["upward", "upwardrequest", item.pk]))
    assert response.status_code == 200
    body = response.content.decode().partition("<tbody>")[2].partition("</tbody>")[0]
    return [row for row in body.split("<tr>")[1:]]


def test_the_history_tab_keeps_the_lines_written_before_the_move(personas: Any) -> None:
    item = _item_with_history(personas)
    ct = _as_before_the_move(item)
    _migrate_content_type()
    moved = ContentType.objects.get(pk=ct.pk)
    assert (moved.app_label, moved.model) == ("upward", "upwardrequest")
    assert ContentType.objects.get_for_model(UpwardRequest).pk == ct.pk
    assert AuditLog.objects.filter(content_type_id=ct.pk, object_id=str(item.pk)).count() == 2
    lines = _history_lines(personas, item)
    assert len(lines) == 2 and "迁移前登记的上争事项" in lines[1] and "申报" in lines[0]
    _migrate_content_type()  # idempotent: nothing left to rename
    assert ContentType.objects.filter(model="upwardrequest").values_list("pk", "app_label").get() == (ct.pk, "upward")


def test_a_content_type_created_early_gives_way_to_the_one_the_lines_name(personas: Any) -> None:
    item = _item_with_history(personas)
    ct = _as_before_the_move(item)
    # the new code looks the item's lines up before the migration ran: none, and a new content type for them
    assert _history_lines(personas, item) == []
    early = ContentType.objects.get(app_label="upward", model="upwardrequest")
    assert early.pk != ct.pk
    _migrate_content_type()
    assert not ContentType.objects.filter(pk=early.pk).exists()
    assert ContentType.objects.get(app_label="upward", model="upwardrequest").pk == ct.pk
    assert len(_history_lines(personas, item)) == 2


def test_two_content_types_with_lines_stop_the_migration(personas: Any) -> None:
    """Merging them would mean rewriting audit lines, which are append-only: the migration refuses."""
    _as_before_the_move(_item_with_history(personas))
    _item_with_history(personas)  # written under a new ("upward", "upwardrequest") row
    with pytest.raises(RuntimeError, match="merge them by hand"):
        _migrate_content_type()


def test_backwards_gives_the_content_type_back_to_demands(personas: Any) -> None:
    item = _item_with_history(personas)
    ct = ContentType.objects.get_for_model(UpwardRequest)
    content_type_migration.backwards(apps, SimpleNamespace(connection=connection))
    assert ContentType.objects.get(pk=ct.pk).app_label == "demands"
    assert AuditLog.objects.filter(content_type_id=ct.pk, object_id=str(item.pk)).count() == 2
    _migrate_content_type()
    ContentType.objects.clear_cache()
    assert ContentType.objects.get_for_model(UpwardRequest).pk == ct.pk
