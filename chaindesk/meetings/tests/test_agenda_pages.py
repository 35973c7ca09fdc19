"""The agenda page (/meetings/<pk>/agenda/) and the team's edits through it (issue 12, item 2): who reads it and
who edits it (403 for a reader of the meeting off the team, 404 beyond the scope), each item's live state and
link, htmx answers with the body and focus kept, read-only after the meeting, the query count whatever the
number of items; and the 下次会议 card once the agenda is drafted.

On the personas' world (chaindesk/testkit/personas.py): the chief and the member are 测试甲链's team; the
liaison attends the planned meeting, the district admin sees it by its district; the x_ personas are out of
scope; the handler and the enterprise user have no meeting pages."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chaindesk.core.actors import FIXTURES
from chaindesk.core.services import audited_create
from chaindesk.demands.choices import DemandStatus, Escalation, Urgency
from chaindesk.demands.models import Task
from chaindesk.meetings import services_agenda as agenda
from chaindesk.meetings.models import AgendaItem, AgendaKind, DecisionDepartment, Meeting
from chaindesk.meetings.tests.agenda_data import make_decision, make_demand, make_meeting
from chaindesk.projects.choices import ProjectStage
from chaindesk.projects.models import Project
from chaindesk.testkit.html import login
from chaindesk.testkit.personas import Personas, add_enterprise
from chaindesk.upward.models import UpwardRequest

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

DAY = dt.timedelta(days=1)
HX = {"HX-Request": "true"}


@pytest.fixture
def upcoming(personas: Personas) -> Meeting:
    """测试甲链's next meeting, a week ahead, attended by the team and our liaison."""
    return make_meeting(
        personas,
        personas.today + 7 * DAY,
        "测试甲链下次例会",
        attendees=[personas.chief, personas.member, personas.liaison],
        location="测试会议室",
    )


def _url(meeting: Meeting) -> str:
    return f"/meetings/{meeting.pk}/agenda/"


def _raise_everything(personas: Personas) -> None:
    """A decision overdue, a task 督办, a project silent for 60 days, an 上争事项 due in five days, and an urgent
    demand of an enterprise no liaison serves (the liaison may not open it)."""
    today, ours = personas.today, personas.ours
    late = make_decision(personas, "测试逾期议定事项", deadline=today - DAY)
    for department, lead in ((personas.theirs.department, False), (ours.department, True)):
        audited_create(model=DecisionDepartment, actor=FIXTURES, decision=late, department=department, lead=lead)
    Task.objects.filter(pk=ours.task.pk).update(escalation=Escalation.SUPERVISED, deadline=today - DAY)
    Project.objects.filter(pk=ours.project.pk).update(stage=ProjectStage.SIGNED, last_progress_on=today - 60 * DAY)
    UpwardRequest.objects.filter(pk=ours.upward.pk).update(deadline=today + 5 * DAY)
    stranger = add_enterprise(personas, "测试甲无专员企业有限公司")
    make_demand(personas, "测试特急诉求", DemandStatus.SUBMITTED, urgency=Urgency.CRITICAL, enterprise=stranger)


def _queries(client, url: str, **headers: str) -> tuple[int, str]:  # noqa: ANN001
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.text


@pytest.mark.parametrize(
    ("key", "status"),
    [
        ("chief", 200),
        ("member", 200),
        ("liaison", 200),
        ("district", 200),
        ("handler", 403),
        ("ent_user", 403),
        ("x_chief", 404),
        ("x_liaison", 404),
        ("x_district", 404),
    ],
)
def test_who_reads_the_agenda(personas, upcoming, key, status):
    assert login(personas.user(key)).get(_url(upcoming)).status_code == status


def test_the_empty_agenda_says_what_to_do(personas, upcoming):
    html = login(personas.member).get(_url(upcoming)).text
    assert 'data-testid="agenda-empty"' in html and "生成议程" in html and 'data-testid="agenda-draft"' in html
    html = login(personas.liaison).get(_url(upcoming)).text
    assert "议程由该产业链服务团队在会前编制" in html and 'data-testid="agenda-draft"' not in html


def test_the_page_shows_each_items_live_state_grouped_by_kind(personas, upcoming):
    _raise_everything(personas)
    agenda.agenda_draft(actor=personas.member, meeting=upcoming)
    html = login(personas.member).get(_url(upcoming)).text
    sections = re.findall(r'data-testid="agenda-section-(\w+)"', html)
    assert sections == ["decision", "task", "project", "demand", "upward"]
    assert "一、前次会议议定事项" in html and "五、临近截止的上争事项" in html
    ours = personas.ours
    decision = _section(html, "decision")
    assert "测试逾期议定事项" in decision and "逾期" in decision and "未办" in decision  # the world's decision: 未办
    assert f'href="/meetings/{ours.meeting.pk}/#decision-1"' in decision
    assert '<span class="cd-dept" title="测试市测试甲局">测试甲局</span> · 等 2 个责任部门' in decision  # 牵头 first
    task = _section(html, "task")
    assert 'status-red">督办' in task and f'href="/demands/tasks/{ours.task.pk}/"' in task and "测试甲局" in task
    project = _section(html, "project")
    assert "停滞" in project and f'href="/projects/{ours.project.pk}/"' in project
    demand = _section(html, "demand")
    assert "特急" in demand and "已提交" in demand and "测试甲无专员企业有限公司：测试特急诉求" in demand
    upward = _section(html, "upward")
    assert "5 天后截止" in upward and f'href="/demands/upward/{ours.upward.pk}/"' in upward
    assert html.count('data-testid="agenda-up"') == 6 and 'data-testid="agenda-draft"' in html


def _section(html: str, kind: str) -> str:
    start = html.index(f'data-testid="agenda-section-{kind}"')
    return html[start : html.index("</section>", start)]


def test_a_reader_off_the_team_reads_without_controls_and_links_only_what_they_may_open(personas, upcoming):
    _raise_everything(personas)
    agenda.agenda_draft(actor=personas.member, meeting=upcoming)
    html = login(personas.liaison).get(_url(upcoming)).text
    assert "测试特急诉求" in html and 'data-testid="agenda-item"' in html
    demand = _section(html, "demand")
    assert 'data-testid="agenda-link"' not in demand  # the demand of an enterprise the liaison does not serve
    assert f'href="/demands/tasks/{personas.ours.task.pk}/"' in html
    for control in ("agenda-draft", "agenda-up", "agenda-drop", "agenda-edit", "agenda-add"):
        assert f'data-testid="{control}"' not in html


def test_htmx_edits_answer_with_the_body_and_keep_the_focus(personas, upcoming):
    first = agenda.agenda_add(actor=personas.member, meeting=upcoming, title="第一个议题")
    second = agenda.agenda_add(actor=personas.member, meeting=upcoming, title="第二个议题")
    client = login(personas.member)
    response = client.post(f"/meetings/agenda/{second.pk}/move/", {"direction": "up"}, headers=HX)
    assert response.status_code == 200 and "<html" not in response.text
    assert f'data-agenda-focus="item-{second.pk}-up"' in response.text and "已调整顺序" in response.text
    assert list(AgendaItem.objects.filter(meeting=upcoming).order_by("seq").values_list("pk", flat=True)) == [
        second.pk,
        first.pk,
    ]
    response = client.post(f"/meetings/agenda/{first.pk}/note/", {"note": "由测试甲局汇报"}, headers=HX)
    assert 'data-testid="agenda-note"' in response.text and "由测试甲局汇报" in response.text
    response = client.post(f"/meetings/agenda/{first.pk}/drop/", headers=HX)
    assert f'data-agenda-focus="item-{first.pk}-restore"' in response.text and "已移出（1）" in response.text
    response = client.post(f"/meetings/agenda/{first.pk}/restore/", headers=HX)
    assert not AgendaItem.objects.get(pk=first.pk).dropped and f'id="item-{first.pk}-drop"' in response.text


def test_without_htmx_an_edit_redirects_back_to_the_item(personas, upcoming):
    item = agenda.agenda_add(actor=personas.member, meeting=upcoming, title="议题")
    client = login(personas.chief)
    response = client.post(f"/meetings/agenda/{item.pk}/drop/")
    assert response.status_code == 302 and response["Location"] == f"{_url(upcoming)}#item-{item.pk}"
    assert AgendaItem.objects.get(pk=item.pk).dropped
    assert "已移出议程" in client.get(response["Location"]).text


def test_drafting_and_adding_through_the_page(personas, upcoming):
    _raise_everything(personas)
    client = login(personas.member)
    response = client.post(f"/meetings/{upcoming.pk}/agenda/draft/", follow=True)
    assert (
        "已更新议程：新增 6 项（议定事项 2 项、督办任务 1 项、项目 1 项、紧急诉求 1 项、上争事项 1 项）"
        in response.text
    )
    response = client.post(f"/meetings/{upcoming.pk}/agenda/draft/", follow=True)
    assert "议程已是最新" in response.text and AgendaItem.objects.filter(meeting=upcoming).count() == 6
    response = client.post(f"/meetings/{upcoming.pk}/agenda/add/", {"title": "", "kind": "other", "note": "备注"})
    assert response.status_code == 400 and "请填写议题" in response.text and "备注" in response.text
    response = client.post(f"/meetings/{upcoming.pk}/agenda/add/", {"title": "研究年底冲刺", "kind": "other"})
    item = AgendaItem.objects.get(meeting=upcoming, title="研究年底冲刺")
    assert response.status_code == 302 and response["Location"].endswith(f"#item-{item.pk}")


@pytest.mark.parametrize(("key", "status"), [("liaison", 403), ("district", 403), ("x_chief", 404), ("handler", 403)])
def test_edits_by_others_are_refused(personas, upcoming, key, status):
    item = agenda.agenda_add(actor=personas.member, meeting=upcoming, title="议题")
    client = login(personas.user(key))
    for url, data in (
        (f"/meetings/{upcoming.pk}/agenda/draft/", {}),
        (f"/meetings/{upcoming.pk}/agenda/add/", {"title": "越权", "kind": "other"}),
        (f"/meetings/agenda/{item.pk}/drop/", {}),
        (f"/meetings/agenda/{item.pk}/move/", {"direction": "down"}),
        (f"/meetings/agenda/{item.pk}/note/", {"note": "越权"}),
    ):
        assert client.post(url, data, headers=HX).status_code == status, url
    assert list(AgendaItem.objects.filter(meeting=upcoming).values_list("title", "note", "dropped")) == [
        ("议题", "", False)
    ]


def test_edits_only_post(personas, upcoming):
    item = agenda.agenda_add(actor=personas.member, meeting=upcoming, title="议题")
    client = login(personas.member)
    assert client.get(f"/meetings/agenda/{item.pk}/drop/").status_code == 405
    assert client.get(f"/meetings/{upcoming.pk}/agenda/draft/").status_code == 405


def test_after_the_meeting_the_agenda_is_read_only(personas, upcoming):
    item = agenda.agenda_add(actor=personas.member, meeting=upcoming, title="议题")
    Meeting.objects.filter(pk=upcoming.pk).update(held_on=personas.today - DAY)
    client = login(personas.member)
    html = client.get(_url(upcoming)).text
    assert 'data-testid="agenda-readonly"' in html and "议题" in html
    for control in ("agenda-draft", "agenda-up", "agenda-drop", "agenda-add"):
        assert f'data-testid="{control}"' not in html
    response = client.post(f"/meetings/agenda/{item.pk}/note/", {"note": "会后修改"}, headers=HX)
    assert response.status_code == 200 and 'data-testid="agenda-error"' in response.text
    assert "议程不能再修改" in response.text
    response = client.post(f"/meetings/{upcoming.pk}/agenda/draft/", follow=True)
    assert "议程不能再修改" in response.text
    assert AgendaItem.objects.get(pk=item.pk).note == "" and AgendaItem.objects.filter(meeting=upcoming).count() == 1


def test_the_page_costs_the_same_queries_whatever_the_number_of_items(personas, upcoming):
    client = login(personas.member)
    client.get(_url(upcoming))
    agenda.agenda_add(actor=personas.member, meeting=upcoming, title="议题")
    small, _html = _queries(client, _url(upcoming))
    _raise_everything(personas)
    for n in range(20):
        make_decision(personas, f"批量议定事项{n}")
        make_demand(personas, f"批量诉求{n}", urgency=Urgency.URGENT)
    agenda.agenda_draft(actor=personas.member, meeting=upcoming)
    agenda.agenda_drop(actor=personas.member, item=AgendaItem.objects.filter(meeting=upcoming).latest("seq"))
    large, html = _queries(client, _url(upcoming))
    assert html.count('data-testid="agenda-item"') == AgendaItem.objects.filter(meeting=upcoming).count() - 1 > 40
    assert large == small <= 6  # session, user, meeting, team, the items with their records
    edit_small, _ = _queries(client, _url(upcoming), **HX)
    assert edit_small == large


def test_the_next_meeting_card_shows_the_drafted_agenda(personas, upcoming):
    client = login(personas.chief)
    client.get("/")
    before, html = _queries(client, "/cards/next_meeting/", **HX)
    assert f'href="{_url(upcoming)}" data-testid="next-meeting-agenda-link">编制议程' in html
    _raise_everything(personas)
    for n in range(4):
        agenda.agenda_add(actor=personas.member, meeting=upcoming, title=f"测试议题{n}", kind=AgendaKind.OTHER)
    agenda.agenda_draft(actor=personas.member, meeting=upcoming)
    AgendaItem.objects.filter(meeting=upcoming, title="测试议题0").update(dropped=True)
    after, html = _queries(client, "/cards/next_meeting/", **HX)
    assert after < before  # the agenda in place of the three lists raised from the records
    assert 'data-testid="next-meeting-agenda"' in html and 'data-testid="agenda-supervised"' not in html
    assert html.count('data-testid="next-meeting-agenda-item"') == 5
    assert "查看完整议程（共 9 项）" in html  # 6 drafted, 3 written ones not dropped
    first = AgendaItem.objects.filter(meeting=upcoming, kind=AgendaKind.DECISION).order_by("seq").first()
    assert f'href="{_url(upcoming)}#item-{first.pk}"' in html and "议定事项</span>" in html
