"""The lead list's 负责人 filter options (owners of the leads on the reader's chains) by index probes."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0002_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(fields=["chain", "owner"], name="lead_chain_owner_idx"),
        ),
    ]
