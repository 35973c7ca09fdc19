"""上争事项 moved to its own app (chaindesk.upward, issue 10): the demands app forgets UpwardRequest in the
migration state only. Its tables (demands_upwardrequest and its two link tables) stay as they are, with every
row: chaindesk/upward/migrations/0001_initial.py adopts them, in the state only too."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("demands", "0004_task_escalation_hot"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="UpwardRequest")],
            database_operations=[],
        ),
    ]
