from typing import Any

from django.db import migrations

# Free room in each page of the task table so the escalation job's UPDATE can write the new row version on
# the same page (a heap-only tuple update, no index touched). PostgreSQL only; SQLite has no such setting.
FILLFACTOR = 80


def set_fillfactor(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE demands_task SET (fillfactor = {FILLFACTOR})")


def reset_fillfactor(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE demands_task RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("demands", "0003_demand_source"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="task",
            name="task_escalation_idx",
        ),
        migrations.RunPython(set_fillfactor, reset_fillfactor),
    ]
