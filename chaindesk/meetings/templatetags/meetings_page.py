"""What the meeting page shows below its header (who attended, grouped; the stops; the speeches; the
attachments), read by the page's own template: the page is rendered by more than one view (the meeting page,
and the same page again when a decision posted to it comes back with errors), and each shows all of it."""

from collections.abc import Iterable
from typing import Any

from django import template

from ..models import Meeting
from ..selectors_meetings import MeetingSections, attending_people, meeting_sections

register = template.Library()


@register.simple_tag
def meeting_page_sections(meeting: Meeting, people: Iterable[Any] | None = None) -> MeetingSections:
    """`{% meeting_page_sections meeting attendees as sections %}`: `people` are the attending users the view
    has already read (their department and region joined); read here when not given."""
    return meeting_sections(meeting, attending_people(meeting) if people is None else people)
