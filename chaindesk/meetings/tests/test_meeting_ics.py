"""The private calendar feed (ICS, chaindesk/meetings/ics.py): a user opens it on the 会议日历订阅 page, a calendar
app reads it without a session through its secret token, a new token makes the old URL answer 404, and so does
revoking it. The feed holds the meetings the user attends (in person, or through their department) and may see,
never one outside their scope; the text is RFC 5545 (CRLF, folded lines, escaped text, Asia/Shanghai times).
Personas: see meeting_kit.py (the world's meeting of 测试甲链 is attended by the chief, the member and the
liaison, three days ago, without a start time)."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from chaindesk.core.actors import FIXTURES
from chaindesk.core.services import audited_create
from chaindesk.meetings import ics
from chaindesk.meetings import services_meetings as services
from chaindesk.meetings.models import CalendarFeed, Meeting

from .meeting_kit import memory_files, record

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
__all__ = ["memory_files"]


def _as(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _events(text: str) -> list[dict[str, str]]:
    """Each VEVENT of a feed as {property (with its parameters): value}, from the unfolded lines."""
    events: list[dict[str, str]] = []
    for line in ics.unfold(text):
        if line == "BEGIN:VEVENT":
            events.append({})
        elif events and line != "END:VEVENT" and ":" in line:
            name, _sep, value = line.partition(":")
            events[-1].setdefault(name, value)
    return events


def _feed(user: Any) -> str:
    return reverse("meetings:ics", args=[services.calendar_feed_create(actor=user).token])


def test_the_page_opens_regenerates_and_revokes_the_feed(personas: Any) -> None:
    client = _as(personas.liaison)
    page = client.get(reverse("meetings:calendar")).content.decode()
    assert 'data-testid="feed-create"' in page and 'data-testid="feed-url"' not in page
    client.post(reverse("meetings:calendar"), {"action": "create"})
    feed = CalendarFeed.objects.get(user=personas.liaison)
    page = client.get(reverse("meetings:calendar")).content.decode()
    url = reverse("meetings:ics", args=[feed.token])
    assert f"http://testserver{url}" in page
    anonymous = Client()
    assert anonymous.get(url).status_code == 200  # no session needed
    client.post(reverse("meetings:calendar"), {"action": "regenerate"})
    assert anonymous.get(url).status_code == 404  # the old URL stops working
    new = reverse("meetings:ics", args=[CalendarFeed.objects.get(user=personas.liaison).token])
    assert anonymous.get(new).status_code == 200
    client.post(reverse("meetings:calendar"), {"action": "revoke"})
    assert anonymous.get(new).status_code == 404
    assert anonymous.get(reverse("meetings:ics", args=["not-a-token"])).status_code == 404


def test_the_feed_is_rfc_5545_with_the_meetings_the_user_attends(personas: Any) -> None:
    meeting = record(personas, title="测试甲链观摩会; 第一站, 企业")  # the liaison attends, 09:30–11:30
    response = Client().get(_feed(personas.liaison))
    assert response.status_code == 200 and response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))  # folded
    assert "TZID:Asia/Shanghai" in text
    events = {e["UID"]: e for e in _events(text)}
    assert set(events) == {f"meeting-{meeting.pk}@chaindesk", f"meeting-{personas.ours.meeting.pk}@chaindesk"}
    event = events[f"meeting-{meeting.pk}@chaindesk"]
    day = meeting.held_on.strftime("%Y%m%d")
    assert event["DTSTART;TZID=Asia/Shanghai"] == f"{day}T093000"
    assert event["DTEND;TZID=Asia/Shanghai"] == f"{day}T113000"
    assert event["SUMMARY"] == "测试甲链观摩会\\; 第一站\\, 企业"  # escaped
    assert event["LOCATION"] == "测试甲区人民政府三楼会议室"
    description = event["DESCRIPTION"]
    assert "带队领导：测试链长" in description and f"现场观摩：{personas.ours.project}" in description
    assert event["URL"] == f"http://testserver{reverse('meetings:detail', args=[meeting.pk])}"
    whole_day = events[f"meeting-{personas.ours.meeting.pk}@chaindesk"]  # no start time: the whole day
    held = personas.ours.meeting.held_on
    assert whole_day["DTSTART;VALUE=DATE"] == f"{held:%Y%m%d}"
    assert whole_day["DTEND;VALUE=DATE"] == f"{held + dt.timedelta(days=1):%Y%m%d}"


def test_a_department_attending_brings_the_meeting_to_its_handler(personas: Any) -> None:
    meeting = record(personas)  # 测试甲局 attends
    uids = {e["UID"] for e in _events(Client().get(_feed(personas.handler)).content.decode())}
    assert uids == {f"meeting-{meeting.pk}@chaindesk"}
    assert _events(Client().get(_feed(personas.x_handler)).content.decode()) == []


def test_the_feed_never_lists_a_meeting_outside_the_users_scope(personas: Any) -> None:
    # The chief attends a meeting of 测试乙链, whose team he is not on: he does not see it, so neither does his feed.
    theirs = audited_create(
        model=Meeting,
        actor=FIXTURES,
        chain=personas.theirs.chain,
        title="乙链例会",
        held_on=personas.today,
        leader=personas.x_chief,
        attendees=[personas.chief],
    )
    uids = {e["UID"] for e in _events(Client().get(_feed(personas.chief)).content.decode())}
    assert f"meeting-{theirs.pk}@chaindesk" not in uids
    assert f"meeting-{personas.ours.meeting.pk}@chaindesk" in uids
    # Old meetings drop out; a deactivated account's feed is gone.
    personas.ours.meeting.held_on = personas.today - dt.timedelta(days=500)
    personas.ours.meeting.save()
    assert _events(Client().get(_feed(personas.chief)).content.decode()) == []
    personas.chief.is_active = False
    personas.chief.save()
    token = CalendarFeed.objects.get(user=personas.chief).token
    assert Client().get(reverse("meetings:ics", args=[token])).status_code == 404


def test_the_page_is_for_those_who_may_attend(personas: Any) -> None:
    assert _as(personas.handler).get(reverse("meetings:calendar")).status_code == 200
    for key in ("ent_user", "sysadmin"):
        assert _as(getattr(personas, key)).get(reverse("meetings:calendar")).status_code == 403


def test_folding_never_cuts_a_character() -> None:
    line = "SUMMARY:" + "产业链服务团队" * 20
    folded = ics.fold(line)
    assert all(len(piece.encode()) <= 75 for piece in folded.split("\r\n"))
    assert ics.unfold(folded + "\r\n") == [line]
    assert ics.escape("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"
