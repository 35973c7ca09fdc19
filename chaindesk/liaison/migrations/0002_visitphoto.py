import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import chaindesk.core.uploads


class Migration(migrations.Migration):
    dependencies = [
        ("liaison", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="VisitPhoto",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "file",
                    models.FileField(
                        storage=chaindesk.core.uploads.private_storage, upload_to="visits/%Y/%m/", verbose_name="文件"
                    ),
                ),
                ("original_name", models.CharField(max_length=200, verbose_name="文件名")),
                ("content_type", models.CharField(max_length=100, verbose_name="文件类型")),
                ("size", models.PositiveIntegerField(verbose_name="大小(字节)")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="上传时间")),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="上传人",
                    ),
                ),
                (
                    "visit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="photos",
                        to="liaison.visit",
                        verbose_name="走访记录",
                    ),
                ),
            ],
            options={
                "verbose_name": "走访照片",
                "verbose_name_plural": "走访照片",
                "ordering": ["visit", "pk"],
            },
        ),
    ]
