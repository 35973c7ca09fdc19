"""Fixtures of the briefing tests: generated files and templates kept in memory, so no test leaves files behind."""

import pytest
from django.core.files.storage import InMemoryStorage

from chaindesk.reports.models import BriefingTemplate, BriefingVersion


@pytest.fixture
def memory_storage(monkeypatch: pytest.MonkeyPatch) -> InMemoryStorage:
    """One in-memory storage for the versions' files and the templates, for the length of a test."""
    storage = InMemoryStorage()
    for model, names in ((BriefingVersion, ("docx", "xlsx", "preview")), (BriefingTemplate, ("file",))):
        for name in names:
            monkeypatch.setattr(model._meta.get_field(name), "storage", storage)
    return storage
