"""A meeting's 交办事项 is a Demand of kind ASSIGNMENT without an enterprise, a category or (when the meeting's
place is not known) a region; every other demand keeps all three (the check constraint). Existing rows are
enterprises' demands (the default kind)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_department_recipient_must_change_password"),
        ("chains", "0002_chainnode"),
        ("demands", "0008_response_days_of_decisions"),
        ("enterprises", "0004_enterprise_last_visit_on"),
        ("liaison", "0003_visitphoto_thumbnail"),
        ("projects", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="demand",
            name="kind",
            field=models.CharField(
                choices=[("demand", "诉求"), ("assignment", "交办事项")],
                default="demand",
                editable=False,
                max_length=16,
                verbose_name="类型",
            ),
        ),
        migrations.AlterField(
            model_name="demand",
            name="category",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="demands",
                to="demands.category",
                verbose_name="类别",
            ),
        ),
        migrations.AlterField(
            model_name="demand",
            name="enterprise",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="demands",
                to="enterprises.enterprise",
                verbose_name="企业",
            ),
        ),
        migrations.AlterField(
            model_name="demand",
            name="region",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.region",
                verbose_name="所在地区",
            ),
        ),
        migrations.AddConstraint(
            model_name="demand",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("kind", "assignment"),
                    models.Q(("category__isnull", False), ("enterprise__isnull", False), ("region__isnull", False)),
                    _connector="OR",
                ),
                name="demand_enterprise_unless_assignment",
                violation_error_message="诉求须有企业、类别和所在地区；只有会议交办事项可以不指定企业。",
            ),
        ),
    ]
