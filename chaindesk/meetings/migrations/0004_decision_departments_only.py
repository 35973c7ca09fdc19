"""A decision's responsible departments live in DecisionDepartment (0003 copied each decision's one department
there as its lead): the old single `Decision.department` goes. Reversing brings the column back filled with each
decision's lead department."""

from django.db import migrations


def restore_lead_department(apps, schema_editor):  # noqa: ANN001, ANN201
    """Backwards: each decision's lead responsible department becomes its one department again."""
    db = schema_editor.connection.alias
    Decision = apps.get_model("meetings", "Decision")
    DecisionDepartment = apps.get_model("meetings", "DecisionDepartment")
    for decision_id, department_id in (
        DecisionDepartment.objects.using(db).filter(lead=True).values_list("decision_id", "department_id")
    ):
        Decision.objects.using(db).filter(pk=decision_id).update(department_id=department_id)


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0003_meetings_in_the_product"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, restore_lead_department),
        migrations.RemoveField(
            model_name="decision",
            name="department",
        ),
    ]
