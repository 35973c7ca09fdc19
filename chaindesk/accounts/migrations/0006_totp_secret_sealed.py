"""Authenticators' TOTP keys sealed at rest (chaindesk.core.sealing): the plain column's values are sealed into
the new one, then the plain column goes. Reversible: unsealing needs the same keys."""

from django.db import migrations, models

from chaindesk.core import sealing


def seal_secrets(apps, schema_editor):  # noqa: ANN001, ANN201
    Device = apps.get_model("accounts", "TOTPDevice")
    for device in Device.objects.using(schema_editor.connection.alias).only("pk", "secret"):
        device.sealed_secret = sealing.seal(device.secret)
        device.save(update_fields=["sealed_secret"])


def unseal_secrets(apps, schema_editor):  # noqa: ANN001, ANN201
    Device = apps.get_model("accounts", "TOTPDevice")
    for device in Device.objects.using(schema_editor.connection.alias).only("pk", "sealed_secret"):
        device.secret = sealing.unseal(device.sealed_secret)
        device.save(update_fields=["secret"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_user_session_generation")]

    operations = [
        migrations.AddField(
            model_name="totpdevice",
            name="sealed_secret",
            field=models.CharField(default="", max_length=255, verbose_name="密钥（加密）"),
            preserve_default=False,
        ),
        migrations.RunPython(seal_secrets, unseal_secrets),
        migrations.AlterField(
            model_name="totpdevice",
            name="secret",
            field=models.CharField(blank=True, default="", max_length=64, verbose_name="密钥"),
        ),
        migrations.RemoveField(model_name="totpdevice", name="secret"),
    ]
