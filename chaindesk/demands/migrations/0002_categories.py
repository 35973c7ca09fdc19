"""The demand categories of issue 5 as data: created if missing (idempotent); reversing leaves them in place."""

from typing import Any

from django.db import migrations

CATEGORIES = [
    ("land", "用地规划"),
    ("approval", "审批手续"),
    ("environment", "环评能评"),
    ("energy", "用能用电"),
    ("finance", "融资金融"),
    ("talent", "人才用工"),
    ("policy", "政策兑现"),
    ("market", "市场订单"),
    ("innovation", "研发创新"),
    ("infrastructure", "基础设施"),
    ("other", "其他"),
]


def create_categories(apps: Any, schema_editor: Any) -> None:
    """Into the database being migrated; a direct call (tests' fixtures: `schema_editor` None) the default one."""
    db = schema_editor.connection.alias if schema_editor is not None else "default"
    Category = apps.get_model("demands", "Category")
    for order, (code, name) in enumerate(CATEGORIES, start=1):
        Category.objects.using(db).get_or_create(code=code, defaults={"name": name, "sort_order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("demands", "0001_initial")]

    operations = [migrations.RunPython(create_categories, migrations.RunPython.noop)]
