"""Meetings and their decisions declared once (chaindesk/meetings/resources.py): the meeting list's filter bar,
sorts and columns come from MEETINGS, whose filters parse the URL (bad values ignored, never a server error);
the meeting page's decisions table comes from DECISIONS (the team's 修改/删除 column for the team only)."""

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import Q
from django.test import Client
from django.urls import reverse

from chaindesk.accounts.models import Region, User
from chaindesk.meetings.models import Meeting, MeetingKind
from chaindesk.meetings.resources import DECISIONS, MEETINGS

pytestmark = pytest.mark.django_db

TEAM = "wangzh"  # 生物医药 team
READER = "liming"  # a liaison who attended: reads, does not manage


def _headers(page: str, testid: str) -> list[str]:
    thead = re.search(rf'data-testid="{testid}">\s*<thead>(.*?)</thead>', page, re.S)
    assert thead is not None
    return [re.sub(r"<[^>]+>|[↑↓]", "", cell).strip() for cell in re.findall(r"<th[^>]*>(.*?)</th>", thead.group(1))]


def _titles(client: Client, query: str = "") -> list[str]:
    response = client.get(reverse("meetings:list") + query)
    assert response.status_code == 200
    return [str(m.title) for m in response.context["rows"]]


def test_the_list_shows_the_declared_filters_and_columns(
    client_as: Callable[[str], Client], persona: Callable[[str], User]
) -> None:
    page = client_as(TEAM).get(reverse("meetings:list")).content.decode()
    form = page.split('data-testid="meeting-filters"')[1].split("</form>")[0]
    assert re.findall(r'name="([a-z_]+)"', form) == [*MEETINGS.filter_names, "sort"]
    assert _headers(page, "meeting-table") == [str(c.page_label) for c in MEETINGS.page_columns()]
    visible = Meeting.objects.visible_to(persona(TEAM))
    assert page.count('data-testid="meeting-row"') == min(visible.count(), 50)
    newest = visible.order_by("-held_on", "-pk").first()
    assert newest is not None and reverse("meetings:detail", args=[newest.pk]) in page


def test_the_filters_and_sorts_parse_through_the_declaration(
    client_as: Callable[[str], Client], persona: Callable[[str], User]
) -> None:
    client = client_as(TEAM)
    visible = Meeting.objects.visible_to(persona(TEAM))
    assert _titles(client) == [str(m.title) for m in visible.order_by("-held_on", "-pk")]
    assert _titles(client, "?sort=title") == [str(m.title) for m in visible.order_by("title", "pk")]
    visits = _titles(client, f"?kind={MeetingKind.SITE_VISIT}")
    assert visits and visits == [str(m.title) for m in visible.filter(kind=MeetingKind.SITE_VISIT)]
    newest = visible.first()
    assert newest is not None
    day = newest.held_on.isoformat()
    assert set(_titles(client, f"?from={day}&to={day}")) == {
        str(m.title) for m in visible.filter(held_on=newest.held_on)
    }
    by_word = visible.filter(Q(title__contains="现场观摩") | Q(location__contains="现场观摩"))
    assert set(_titles(client, "?q=现场观摩")) == {str(m.title) for m in by_word}
    assert _titles(client, "?q=兴化") == [str(m.title) for m in visible if "兴化" in m.place]
    assert MEETINGS.parse({"kind": "site_visit", "from": "2026-02-30", "q": " 例会 "}) == {
        "q": "例会",
        "kind": "site_visit",
        "from": None,
        "to": None,
    }


@pytest.mark.parametrize("query", ["?kind=x", "?from=2026-02-30", "?to=9999-12-31", "?sort=bogus&page=abc", "?q=%00"])
def test_bad_values_are_ignored(client_as: Callable[[str], Client], persona: Callable[[str], User], query: str) -> None:
    response = client_as(TEAM).get(reverse("meetings:list") + query)
    assert response.status_code == 200
    assert len(response.context["rows"]) == min(Meeting.objects.visible_to(persona(TEAM)).count(), 50)
    if "sort" not in query and "q=" not in query:
        assert 'data-testid="params-note"' in response.content.decode()


def test_the_place_names_the_region_once(db: Any) -> None:
    region = Region.objects.first()
    assert region is not None
    meeting = Meeting(title="x", held_on=dt.date(2026, 1, 5), region=region)
    assert meeting.place == region.name  # not "兴化市 兴化市"
    meeting.location = f"{region.name}人民政府"
    assert meeting.place == f"{region.name}人民政府"
    meeting.location = "会议中心"
    assert meeting.place == f"{region.name} 会议中心"
    assert Meeting(title="x", held_on=dt.date(2026, 1, 5)).place == ""


def test_the_decisions_table_has_the_declared_columns(client_as: Callable[[str], Client]) -> None:
    meeting = Meeting.objects.filter(decisions__isnull=False, chain__code="biomed").first()
    assert meeting is not None
    url = reverse("meetings:detail", args=[meeting.pk])
    team = client_as(TEAM).get(url).content.decode()
    assert _headers(team, "decision-table") == [str(c.label) for c in DECISIONS]
    reader = client_as(READER).get(url).content.decode()
    assert _headers(reader, "decision-table") == [str(c.label) for c in DECISIONS if c.key != "actions"]
    for page in (team, reader):
        assert page.count('data-testid="decision-row"') == meeting.decisions.count()
        assert page.count('data-testid="decision-demand"') == meeting.decisions.count()
    assert 'data-testid="decision-edit"' in team and 'data-testid="decision-edit"' not in reader
