from django.db import migrations, models


def unbuilt(apps, schema_editor):
    """The rows of the dimensions within a chain ("region@7", "department@7") are missing until `chaindesk rollups
    --rebuild` writes them: until then the pages count the records."""
    apps.get_model("rollups", "RollupBuilt").objects.using(schema_editor.connection.alias).filter(
        name="demand_days"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("rollups", "0007_current_states"),
    ]

    operations = [
        migrations.AlterField(model_name="demandday", name="dimension", field=models.CharField(max_length=24)),
        migrations.AlterField(model_name="demandmonth", name="dimension", field=models.CharField(max_length=24)),
        migrations.RunPython(unbuilt, migrations.RunPython.noop),
    ]
