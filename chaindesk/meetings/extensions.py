"""What later apps add to the meeting page without the meetings app importing them: where a meeting came from
(the report it was read from, chaindesk.ingest), as a label and a link."""

from collections.abc import Callable
from typing import Any

from .models import Meeting

# (meeting, reader) → (label, url) of the meeting's source the reader may open, or None.
SourceReader = Callable[[Meeting, Any], tuple[str, str] | None]
_SOURCES: dict[str, SourceReader] = {}


def register_meeting_source(key: str, read: SourceReader) -> None:
    _SOURCES[key] = read


def meeting_sources(meeting: Meeting, user: Any) -> list[tuple[str, str]]:
    """The meeting's sources the reader may open (one query per registered reader)."""
    found = (read(meeting, user) for read in _SOURCES.values())
    return [source for source in found if source is not None]
