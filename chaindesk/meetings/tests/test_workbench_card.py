"""The 工作台's 近期会议 card: 最近一次会议 is the latest meeting already held, never a planned one (which is the
下次会议 card's)."""

import datetime as dt

import pytest

from chaindesk.core.actors import FIXTURES
from chaindesk.core.services import audited_create
from chaindesk.meetings.models import Meeting, MeetingKind
from chaindesk.meetings.workbench import meetings_card
from chaindesk.testkit.html import login

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # every date is counted from the world's today


def test_the_latest_meeting_is_the_last_one_held_not_the_next_one(personas):
    ours, today = personas.ours, personas.today
    planned = audited_create(
        model=Meeting,
        actor=FIXTURES,
        chain=ours.chain,
        title="测试甲链下次例会",
        kind=MeetingKind.REGULAR,
        held_on=today + dt.timedelta(days=5),
        region=ours.region,
        leader=ours.meeting.leader,
    )
    card = meetings_card(personas.member)
    assert card["meetings"][0] == planned  # the 近期会议 list still shows it first
    assert card["latest_held"] == ours.meeting and ours.meeting.held_on <= today
    html = login(personas.member).get("/").text
    assert f'href="/meetings/{ours.meeting.pk}/"' in html.split("最近一次会议")[0][-400:]


def test_no_latest_meeting_when_none_was_held(personas):
    Meeting.objects.filter(held_on__lte=personas.today).update(held_on=personas.today + dt.timedelta(days=3))
    assert meetings_card(personas.member)["latest_held"] is None
