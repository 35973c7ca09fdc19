"""上争事项 (UpwardRequest) moved here from the demands app (issue 10). The model keeps the tables it had there
(db_table demands_upwardrequest, and demands_upwardrequest_enterprises / _projects for its links), so this
migration creates it in the migration state only: no SQL runs, and a database migrated before the move keeps
its rows. It runs after demands 0005, which removed the model from the demands app's state in the same way."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0002_user_is_department_head"),
        ("chains", "0002_chainnode"),
        ("demands", "0005_move_upwardrequest_to_upward"),
        ("enterprises", "0004_enterprise_last_visit_on"),
        ("projects", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="UpwardRequest",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("title", models.CharField(max_length=100, verbose_name="事项名称")),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("funds", "资金"),
                                    ("policy", "政策"),
                                    ("pilot", "试点"),
                                    ("approval", "审批"),
                                    ("quota", "要素指标"),
                                ],
                                max_length=16,
                                verbose_name="类型",
                            ),
                        ),
                        (
                            "level",
                            models.CharField(
                                choices=[("province", "省"), ("state", "国家")], max_length=16, verbose_name="争取层级"
                            ),
                        ),
                        (
                            "counterpart",
                            models.CharField(help_text="如：省发改委、工信部", max_length=100, verbose_name="对接部门"),
                        ),
                        ("window_opens_on", models.DateField(blank=True, null=True, verbose_name="申报窗口开始")),
                        ("deadline", models.DateField(blank=True, null=True, verbose_name="申报截止")),
                        (
                            "stage",
                            models.CharField(
                                choices=[
                                    ("planning", "谋划"),
                                    ("applied", "申报"),
                                    ("reviewing", "审核中"),
                                    ("approved", "获批"),
                                    ("declined", "未获批"),
                                ],
                                default="planning",
                                editable=False,
                                max_length=16,
                                verbose_name="阶段",
                            ),
                        ),
                        (
                            "amount_sought",
                            models.DecimalField(
                                blank=True,
                                decimal_places=2,
                                max_digits=14,
                                null=True,
                                validators=[django.core.validators.MinValueValidator(0)],
                                verbose_name="争取金额(万元)",
                            ),
                        ),
                        (
                            "amount_obtained",
                            models.DecimalField(
                                blank=True,
                                decimal_places=2,
                                max_digits=14,
                                null=True,
                                validators=[django.core.validators.MinValueValidator(0)],
                                verbose_name="获批金额(万元)",
                            ),
                        ),
                        ("description", models.TextField(blank=True, verbose_name="事项说明")),
                        (
                            "stage_changed_on",
                            models.DateField(blank=True, editable=False, null=True, verbose_name="阶段变更日期"),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="录入时间")),
                        (
                            "chain",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="upward_requests",
                                to="chains.chain",
                                verbose_name="产业链",
                            ),
                        ),
                        (
                            "created_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="录入人",
                            ),
                        ),
                        (
                            "department",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="upward_requests",
                                to="accounts.department",
                                verbose_name="责任部门",
                            ),
                        ),
                        (
                            "enterprises",
                            models.ManyToManyField(
                                blank=True,
                                db_table="demands_upwardrequest_enterprises",
                                related_name="upward_requests",
                                to="enterprises.enterprise",
                                verbose_name="关联企业",
                            ),
                        ),
                        (
                            "projects",
                            models.ManyToManyField(
                                blank=True,
                                db_table="demands_upwardrequest_projects",
                                related_name="upward_requests",
                                to="projects.project",
                                verbose_name="关联项目",
                            ),
                        ),
                        (
                            "region",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="accounts.region",
                                verbose_name="所在地区",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "上争事项",
                        "verbose_name_plural": "上争事项",
                        "db_table": "demands_upwardrequest",
                        "ordering": ["deadline", "pk"],
                    },
                ),
            ],
        ),
    ]
