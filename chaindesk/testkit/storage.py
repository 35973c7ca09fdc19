"""Uploaded files in memory while a test world is open: every model's FileField (attachments, visit photos and
their thumbnails, meeting files, briefings) writes to an InMemoryStorage, so no test leaves files behind."""

from typing import Any

from django.apps import apps
from django.core.files.storage import InMemoryStorage
from django.db import models


def files_in_memory(patch: Any, storage: InMemoryStorage | None = None) -> InMemoryStorage:
    """Point the storage of every FileField of every installed model at one in-memory storage, a new one or
    `storage` (through `patch`, a pytest MonkeyPatch, so it is undone when the patch is); returns it."""
    storage = storage if storage is not None else InMemoryStorage()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField):
                patch.setattr(field, "storage", storage)
    return storage
