from typing import Any

from django.db import migrations

# Vacuum the task table after 2 % of its rows changed rather than PostgreSQL's default 20 %: the department's queue
# and card count its open tasks with index-only scans, which read the table's pages again wherever an update (the
# escalation job's marks over a backlog, some 200k tasks at province) cleared them from the visibility map, until
# vacuum sets them back (1.1 s instead of 0.14 s a page at province). PostgreSQL only.
SETTINGS = "autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02"


def set_autovacuum(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE demands_task SET ({SETTINGS})")


def reset_autovacuum(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE demands_task RESET (autovacuum_vacuum_scale_factor, autovacuum_analyze_scale_factor)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("demands", "0012_status_since"),
    ]

    operations = [
        migrations.RunPython(set_autovacuum, reset_autovacuum),
    ]
