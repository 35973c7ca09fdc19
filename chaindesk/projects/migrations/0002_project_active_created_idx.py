"""The project list filtered by 滞后/停滞 in its default order (newest first) walks only the active projects."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="project",
            index=models.Index(
                condition=models.Q(("stage__in", ["building", "completed", "producing", "signed", "started"])),
                fields=["created_at", "id"],
                name="project_active_created_idx",
            ),
        ),
    ]
