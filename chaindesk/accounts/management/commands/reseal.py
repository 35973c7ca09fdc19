"""`chaindesk reseal`: seal every authenticator's key again under the first of CHAINDESK_DATA_KEYS (after a new
key was put in front); then the old key can be dropped from the setting. Refuses, writing nothing, when a key no
configured key opens is found."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from chaindesk.accounts.models import TOTPDevice
from chaindesk.core import sealing


class Command(BaseCommand):
    help = "Seal the authenticators' keys again under the first data key (key rotation)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            devices = list(TOTPDevice.objects.select_for_update().only("pk", "sealed_secret"))
            for device in devices:
                try:
                    device.sealed_secret = sealing.reseal(device.sealed_secret)
                except sealing.SealError as exc:
                    raise CommandError(f"authenticator {device.pk}: {exc}; nothing was changed") from exc
            TOTPDevice.objects.bulk_update(devices, ["sealed_secret"])
        self.stdout.write(f"resealed {len(devices)} authenticator keys under the first data key")
