"""Meetings and their decisions declared once (chaindesk/meetings/resources.py): the meeting list's filter bar,
sorts and columns come from MEETINGS, whose filters parse the URL (bad values ignored, never a server error);
the meeting page's decisions table comes from DECISIONS (the team's 修改/删除 column for the team only).

On the fixed personas' world (chaindesk/testkit/personas.py): 测试甲链's team member `p_member` reads the list,
which holds the world's own 测试甲链测试例会 (held three days ago in 测试甲区, with one decision) and the three
meetings the `meetings` fixture adds; 测试乙链's meeting is out of the member's reach. `p_liaison` attended the
world's meeting: he reads it, he does not manage it."""

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from chaindesk.core.actors import FIXTURES
from chaindesk.core.services import audited_create
from chaindesk.meetings.models import Meeting, MeetingKind
from chaindesk.meetings.resources import DECISIONS, MEETINGS
from chaindesk.testkit.html import headers as _headers

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def team(personas: Any) -> Client:
    """测试甲链's team member."""
    return _client(personas.member)


@pytest.fixture
def meetings(personas: Any) -> dict[str, Meeting]:
    """The world's meeting ("ours") and three more of 测试甲链, added the way personas.py adds one (a meeting has
    no service): a site visit in 测试甲区 twenty days ago, a symposium at a place named 现场观摩基地 (no region) on
    the day of the world's meeting, and a regular meeting at the city government forty days ago. Newest first
    (held on, then the later row): symposium, ours, visit, regular; by title: ours, visit, symposium, regular."""
    today, chain, chief = personas.today, personas.ours.chain, personas.chief

    def add(title: str, kind: str, days_ago: int, region: Any, location: str) -> Meeting:
        return audited_create(
            model=Meeting,
            actor=FIXTURES,
            chain=chain,
            title=title,
            kind=kind,
            held_on=today - dt.timedelta(days=days_ago),
            region=region,
            location=location,
            leader=chief,
            attendees=[chief, personas.member],
        )

    return {
        "ours": personas.ours.meeting,
        "visit": add("测试甲链第1次现场观摩", MeetingKind.SITE_VISIT, 20, personas.ours.region, "测试甲区产业园"),
        "symposium": add("测试甲链第2次座谈会", MeetingKind.SYMPOSIUM, 3, None, "现场观摩基地"),
        "regular": add("测试甲链第3次例会", MeetingKind.REGULAR, 40, personas.city, "市政府会议室"),
    }


def _named(meetings: dict[str, Meeting], *keys: str) -> list[str]:
    return [str(meetings[key].title) for key in keys]


def _titles(client: Client, query: str = "") -> list[str]:
    response = client.get(reverse("meetings:list") + query)
    assert response.status_code == 200
    return [str(m.title) for m in response.context["rows"]]


def test_the_list_shows_the_declared_filters_and_columns(team: Client, meetings: dict[str, Meeting]) -> None:
    page = team.get(reverse("meetings:list")).content.decode()
    form = page.split('data-testid="meeting-filters"')[1].split("</form>")[0]
    assert re.findall(r'name="([a-z_]+)"', form) == [*MEETINGS.filter_names, "sort"]
    assert _headers(page, "meeting-table") == [str(c.page_label) for c in MEETINGS.page_columns()]
    assert page.count('data-testid="meeting-row"') == 4  # 测试甲链's four meetings, not 测试乙链's
    assert reverse("meetings:detail", args=[meetings["symposium"].pk]) in page  # the newest


def test_the_filters_and_sorts_parse_through_the_declaration(
    personas: Any, team: Client, meetings: dict[str, Meeting]
) -> None:
    newest_first = _named(meetings, "symposium", "ours", "visit", "regular")
    assert _titles(team) == newest_first
    assert str(personas.theirs.meeting.title) not in newest_first
    assert _titles(team, "?sort=title") == _named(meetings, "ours", "visit", "symposium", "regular")
    assert _titles(team, f"?kind={MeetingKind.SITE_VISIT}") == _named(meetings, "visit")
    day = (personas.today - dt.timedelta(days=3)).isoformat()
    assert set(_titles(team, f"?from={day}&to={day}")) == set(_named(meetings, "symposium", "ours"))
    # The word is in the site visit's title and in the symposium's place.
    assert set(_titles(team, "?q=现场观摩")) == set(_named(meetings, "visit", "symposium"))
    # A region's name finds the meetings held there (the world's meeting and the site visit, both in 测试甲区).
    assert _titles(team, "?q=测试甲区") == _named(meetings, "ours", "visit")
    assert _titles(team, f"?chain={personas.ours.chain.pk}") == newest_first
    assert _titles(team, f"?chain={personas.theirs.chain.pk}") == []  # not the member's chain: nothing leaks
    assert MEETINGS.parse({"kind": "site_visit", "from": "2026-02-30", "q": " 例会 "}) == {
        "q": "例会",
        "chain": None,
        "kind": "site_visit",
        "from": None,
        "to": None,
    }


@pytest.mark.parametrize("query", ["?kind=x", "?from=2026-02-30", "?to=9999-12-31", "?sort=bogus&page=abc", "?q=%00"])
def test_bad_values_are_ignored(team: Client, meetings: dict[str, Meeting], query: str) -> None:
    response = team.get(reverse("meetings:list") + query)
    assert response.status_code == 200
    assert len(response.context["rows"]) == 4  # every one of 测试甲链's meetings: the bad value filters nothing
    if "sort" not in query and "q=" not in query:
        assert 'data-testid="params-note"' in response.content.decode()


def test_the_place_names_the_region_once(personas: Any) -> None:
    region = personas.ours.region
    meeting = Meeting(title="x", held_on=dt.date(2026, 1, 5), region=region)
    assert meeting.place == "测试甲区"  # not "测试甲区 测试甲区"
    meeting.location = "测试甲区人民政府"
    assert meeting.place == "测试甲区人民政府"
    meeting.location = "会议中心"
    assert meeting.place == "测试甲区 会议中心"
    assert Meeting(title="x", held_on=dt.date(2026, 1, 5)).place == ""


def test_the_decisions_table_has_the_declared_columns(personas: Any, team: Client) -> None:
    meeting = personas.ours.meeting  # one decision, about our enterprise, for 测试甲局
    url = reverse("meetings:detail", args=[meeting.pk])
    team_page = team.get(url).content.decode()
    assert _headers(team_page, "decision-table") == [str(c.label) for c in DECISIONS]
    reader = _client(personas.liaison).get(url).content.decode()
    assert _headers(reader, "decision-table") == [str(c.label) for c in DECISIONS if c.key != "actions"]
    for page in (team_page, reader):
        assert page.count('data-testid="decision-row"') == 1
        assert page.count('data-testid="decision-demand"') == 1
        assert "测试议定事项：协调企业用地。" in page
    assert 'data-testid="decision-edit"' in team_page and 'data-testid="decision-edit"' not in reader
