import chaindesk.core.clock
from django.db import migrations, models

from chaindesk.demands.status_since import backfill


def backfilled(apps, schema_editor):
    """The tasks and demands waiting on a team now: since their latest move into that state (see status_since)."""
    backfill(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("demands", "0011_current_states"),
    ]

    operations = [
        migrations.AddField(
            model_name="demand",
            name="status_since",
            field=models.DateTimeField(
                default=chaindesk.core.clock.now, editable=False, verbose_name="进入当前状态时间"
            ),
        ),
        migrations.AddField(
            model_name="task",
            name="status_since",
            field=models.DateTimeField(
                default=chaindesk.core.clock.now, editable=False, verbose_name="进入当前状态时间"
            ),
        ),
        migrations.RunPython(backfilled, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="demand",
            index=models.Index(
                condition=models.Q(("status__in", ["needs_info", "submitted"])),
                fields=["submitted_at", "id"],
                name="demand_triage_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="demand",
            index=models.Index(
                condition=models.Q(
                    ("status__in", ["accepted", "awaiting_confirmation", "in_progress", "needs_info", "submitted"])
                ),
                fields=["submitted_at", "id"],
                name="demand_open_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="demand",
            index=models.Index(
                condition=models.Q(("status__in", ["awaiting_confirmation", "needs_info"])),
                fields=["status", "status_since", "id"],
                name="demand_queue_wait_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                condition=models.Q(("status__in", ["completion_requested", "extension_requested", "returned"])),
                fields=["status", "status_since", "id"],
                name="task_queue_wait_idx",
            ),
        ),
    ]
