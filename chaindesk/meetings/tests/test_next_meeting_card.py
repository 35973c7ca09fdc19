"""The 下次会议 card of the chain chief's and the team's 工作台 (issue 11, item 7): the next meeting and what to
raise there (督办 tasks, stalled or behind projects, 上争事项 due within ten days), in the reader's scope and
for the next meeting's chain, at a fixed number of queries.

On the personas' world each side has a meeting three days ago (no next one), a task, a signed project (ours)
and an 上争事项 without a deadline; the tests mark what the card should raise, on both sides."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chaindesk.core.actors import FIXTURES
from chaindesk.core.services import audited_create
from chaindesk.demands.choices import Escalation
from chaindesk.demands.models import Task
from chaindesk.meetings.agenda import next_meeting_card
from chaindesk.meetings.models import Meeting, MeetingKind
from chaindesk.projects import services as project_services
from chaindesk.projects.choices import ProjectStage
from chaindesk.projects.models import Project
from chaindesk.testkit.html import login
from chaindesk.testkit.personas import Side
from chaindesk.upward.models import UpwardRequest

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: every date is counted from the world's today

URL = "/cards/next_meeting/"


def _meeting(side: Side, held_on: dt.date, title: str) -> Meeting:
    return audited_create(
        model=Meeting,
        actor=FIXTURES,
        chain=side.chain,
        title=title,
        kind=MeetingKind.REGULAR,
        held_on=held_on,
        region=side.region,
        leader=side.meeting.leader,
    )


def _raise_everything(side: Side, today: dt.date) -> None:
    """The side's task overdue and 督办, its project signed and silent for 60 days, its 上争事项 due in 5 days."""
    Task.objects.filter(pk=side.task.pk).update(escalation=Escalation.SUPERVISED, deadline=today - dt.timedelta(days=7))
    Project.objects.filter(pk=side.project.pk).update(
        stage=ProjectStage.SIGNED, last_progress_on=today - dt.timedelta(days=60)
    )
    UpwardRequest.objects.filter(pk=side.upward.pk).update(deadline=today + dt.timedelta(days=5))


def _queries(client, url: str) -> tuple[int, str]:  # noqa: ANN001
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return len(ctx.captured_queries), response.text


def test_card_shows_the_next_meeting_and_what_to_raise(personas):
    ours, today = personas.ours, personas.today
    _meeting(ours, today + dt.timedelta(days=20), "测试甲链第二次例会")
    upcoming = _meeting(ours, today + dt.timedelta(days=6), "测试甲链下次例会")
    _raise_everything(ours, today)
    data = next_meeting_card(personas.chief)
    assert data["meeting"] == upcoming and data["days_to_meeting"] == 6
    parts = {p.key: p for p in data["agenda"]}
    assert (parts["supervised"].count, [t.pk for t in parts["supervised"].rows]) == (1, [ours.task.pk])
    assert (parts["projects"].count, [p.pk for p in parts["projects"].rows]) == (1, [ours.project.pk])
    assert (parts["upward"].count, [u.pk for u in parts["upward"].rows]) == (1, [ours.upward.pk])
    html = login(personas.member).get(URL).text
    assert f'href="/meetings/{upcoming.pk}/" data-testid="next-meeting-link">测试甲链下次例会</a>' in html
    assert "6 天后召开" in html and "测试甲链第二次例会" not in html
    for url in (
        f"/demands/tasks/{ours.task.pk}/",
        f"/projects/{ours.project.pk}/",
        f"/demands/upward/{ours.upward.pk}/",
    ):
        assert f'href="{url}"' in html
    assert '<span class="cd-dept" title="测试市测试甲局">测试甲局</span>' in html  # the task's department


def test_an_upward_item_due_later_or_already_filed_is_not_raised(personas):
    ours, today = personas.ours, personas.today
    _raise_everything(ours, today)
    UpwardRequest.objects.filter(pk=ours.upward.pk).update(deadline=today + dt.timedelta(days=11))
    assert {p.key: p.count for p in next_meeting_card(personas.chief)["agenda"]}["upward"] == 0


def test_another_chains_items_are_absent(personas):
    ours, theirs, today = personas.ours, personas.theirs, personas.today
    _raise_everything(ours, today)
    _raise_everything(theirs, today)
    _meeting(theirs, today + dt.timedelta(days=1), "测试乙链下次例会")
    html = login(personas.chief).get(URL).text
    assert 'data-testid="no-next-meeting"' in html and "测试乙链下次例会" not in html
    for obj in (theirs.task, theirs.project, theirs.upward):
        assert obj.pk not in {row.pk for part in next_meeting_card(personas.chief)["agenda"] for row in part.rows}
    assert f"/demands/tasks/{theirs.task.pk}/" not in html and f"/demands/upward/{theirs.upward.pk}/" not in html
    x_parts = next_meeting_card(personas.x_chief)["agenda"]
    assert [[row.pk for row in p.rows] for p in x_parts] == [[theirs.task.pk], [theirs.project.pk], [theirs.upward.pk]]


def test_the_meetings_chain_narrows_the_agenda(personas):
    # A chief of both chains planning 测试乙链's meeting raises 测试乙链's items only.
    ours, theirs, today = personas.ours, personas.theirs, personas.today
    _raise_everything(ours, today)
    _raise_everything(theirs, today)
    _meeting(theirs, today + dt.timedelta(days=2), "测试乙链下次例会")
    data = next_meeting_card(personas.x_chief)
    assert data["meeting"].title == "测试乙链下次例会"
    assert all(row.pk != ours.task.pk for row in data["agenda"][0].rows)


def test_only_the_chief_and_the_team_get_the_card(personas):
    for key, status in (("chief", 200), ("member", 200), ("liaison", 403), ("handler", 403), ("ent_user", 403)):
        assert login(personas.user(key)).get(URL).status_code == status, key
    assert 'data-testid="next-meeting-slot"' in login(personas.chief).get("/").text
    assert 'data-testid="next-meeting-slot"' not in login(personas.liaison).get("/").text


def test_query_count_does_not_grow_with_the_rows(personas):
    ours, today = personas.ours, personas.today
    _meeting(ours, today + dt.timedelta(days=6), "测试甲链下次例会")
    client = login(personas.chief)
    client.get("/")
    small, _html = _queries(client, URL)
    _raise_everything(ours, today)
    for n in range(5):
        project_services.project_create(
            actor=personas.chief,
            name=f"测试甲停滞项目{n}",
            chain=ours.chain,
            region=ours.region,
            enterprise=ours.enterprise,
            node=ours.node,
            planned_investment=Decimal("100.00"),
            description="测试建设内容。",
        )
    Project.objects.filter(chain=ours.chain).update(
        stage=ProjectStage.SIGNED, last_progress_on=today - dt.timedelta(days=60)
    )
    large, html = _queries(client, URL)
    assert large == small <= 7  # session, user, meeting, 督办, projects, 上争 (+ the chains of the 督办 scope)
    assert "查看全部 6 项" in html  # 6 stalled projects, three shown
