"""The audit trail follows 上争事项 into this app: the content type ("demands", "upwardrequest") becomes
("upward", "upwardrequest").

Audit lines name their object by content type id, and they are append-only (PostgreSQL refuses any UPDATE on
core_auditlog), so the content type row itself is renamed: the lines keep their id and the history tab of an
existing item keeps them. Idempotent in both directions: a fresh database has no such row yet (post_migrate
creates it under "upward"), and a second run finds nothing left to rename.

If the new row exists already (post_migrate after `migrate upward 0001`, or a lookup by new code before the
migration), it is dropped when no audit line names it, so the old row, which the lines name, can take its
place. If lines name both rows the migration stops: merging them would mean rewriting audit lines."""

from typing import Any

from django.db import migrations

MOVED = ("upwardrequest",)


def _move(apps: Any, schema_editor: Any, *, source: str, target: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    audit_log = apps.get_model("core", "AuditLog")
    types = content_type.objects.using(schema_editor.connection.alias)
    for model in MOVED:
        old = types.filter(app_label=source, model=model).first()
        if old is None:
            continue
        new = types.filter(app_label=target, model=model).first()
        if new is not None:
            if audit_log.objects.using(schema_editor.connection.alias).filter(content_type=new).exists():
                raise RuntimeError(
                    f"content types {source}.{model} and {target}.{model} both have audit lines; "
                    "merge them by hand (audit lines are append-only)"
                )
            new.delete()  # its permissions go with it; the old row's stay, under the new label
        old.app_label = target
        old.save(update_fields=["app_label"])
    content_type.objects.clear_cache()


def forwards(apps: Any, schema_editor: Any) -> None:
    _move(apps, schema_editor, source="demands", target="upward")


def backwards(apps: Any, schema_editor: Any) -> None:
    _move(apps, schema_editor, source="upward", target="demands")


class Migration(migrations.Migration):
    dependencies = [
        ("upward", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("core", "0004_notification_created_default"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
