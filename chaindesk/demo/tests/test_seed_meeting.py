"""The demo's 11月24日 meeting in full (issue 12 item 6): the seed report's 现场观摩 and 座谈会 with its facts, the two
stops in order with their projects, the 交流发言 of a district, departments and enterprises, the decisions carried to
their end (two assigned to their departments), the minutes, the next meeting's agenda and the generated briefing;
loading again creates nothing and a partial load is completed."""

import datetime as dt
import io
from decimal import Decimal

import docx
import pytest
from django.utils import timezone

from chaindesk.conftest import DEMO_TODAY
from chaindesk.core import clock
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.demands.choices import DemandKind, TaskStatus
from chaindesk.demands.models import Demand, Task
from chaindesk.demands.workdays import add_workdays
from chaindesk.demo import city, paperwork, seed_meeting
from chaindesk.meetings.models import AgendaItem, AgendaKind, Decision, Meeting, MeetingKind, SiteVisit, Speech
from chaindesk.projects.selectors_progress import project_progress
from chaindesk.reports.choices import BriefingKind, VersionStatus
from chaindesk.reports.models import Briefing, BriefingVersion
from chaindesk.testkit.clock import TEST_NOW
from chaindesk.testkit.storage import files_in_memory

pytestmark = [pytest.mark.django_db, pytest.mark.demo]  # the demo smoke set: the seed meeting as loaded
SEED_DAY = city.seed_day_for(DEMO_TODAY)
STORY_DAY = min(DEMO_TODAY, SEED_DAY + dt.timedelta(days=1))  # the meeting's figures are told as of the next day
BOSHEN = "江苏博生医用新材料股份有限公司"
JYZ = "江苏金扬子包装科技有限公司"


def _meeting() -> Meeting:
    return Meeting.objects.select_related("leader", "chair", "region").get(
        chain__code="biomed", held_on=SEED_DAY, title="生物医药产业链服务团队工作例会"
    )


def test_the_meeting_facts_as_the_seed_report_tells_them() -> None:
    m = _meeting()
    assert m.kind == MeetingKind.SITE_VISIT and m.leader.username == "jiangdd" and m.chair.username == "zhangkun"
    assert m.region.name == "兴化市" and m.location.startswith("兴化市") and "会议室" in m.location
    assert (m.starts_at, m.ends_at) == (dt.time(14, 0), dt.time(17, 0))
    assert timezone.localtime(m.created_at) == timezone.make_aware(dt.datetime.combine(SEED_DAY, dt.time(9)))
    people = set(m.attendees.values_list("username", flat=True))
    assert {"jiangdd", "zhangkun", "wangzh", "liming", "zhoutao", "tm_fgw", "tm_321281"} <= people
    departments = set(m.attendee_departments.values_list("short_name", flat=True))
    assert {"市工信局", "市发改委", "市科技局", "市自然资源和规划局", "市市场监管局"} <= departments
    assert set(m.attendee_regions.values_list("name", flat=True)) == {"兴化市", "泰兴市", "海陵区"}
    assert set(m.attendee_enterprises.values_list("name", flat=True)) == {BOSHEN, JYZ}
    assert "市委办公室有关负责同志" in m.guests.splitlines()
    for words in (
        "“最后赛段”",
        "“一对一”跟踪服务机制",
        "研发在北上广、落地在兴化",
        "到泰州、泰周到",
        "市领导张坤主持会议",
    ):
        assert words in m.summary, words  # the minutes in the report's own words


def test_two_stops_in_order_with_their_projects_and_the_leaders_words() -> None:
    stops = list(SiteVisit.objects.filter(meeting=_meeting()).select_related("enterprise", "project"))
    assert [(s.seq, s.enterprise.name, s.project.name) for s in stops] == [
        (1, BOSHEN, "特殊功能性新型医用膜材项目"),
        (2, JYZ, "金美特医用材料生产项目"),
    ]
    assert [s.project.planned_investment for s in stops] == [Decimal("52000"), Decimal("56000")]  # 5.2 and 5.6 亿元
    assert "年产3000万平方米" in stops[0].notes and "鼓励企业发挥创新优势" in stops[0].notes
    assert "全自动腹透引流袋生产线" in stops[1].notes and "补链强链添砖加瓦" in stops[1].notes
    assert not stops[0].photos.exists() and not stops[1].photos.exists()


def test_speeches_by_a_district_departments_and_both_enterprises() -> None:
    speeches = list(Speech.objects.filter(meeting=_meeting()).select_related("region", "department", "enterprise"))
    who = [(s.region or s.department or s.enterprise).__str__() for s in speeches]
    assert who == ["兴化市", "市工信局", "市发改委", BOSHEN, JYZ]
    assert all(s.topic and s.content and s.speaker for s in speeches)
    assert [s.seq for s in speeches] == [1, 2, 3, 4, 5]
    # the figures an enterprise quotes are the demo's own: this year's plan and what its reports add up to, on
    # schedule or behind as the project page said then (a page read a year later holds it to the whole plan)
    for speech, name in ((speeches[3], "特殊功能性新型医用膜材项目"), (speeches[4], "金美特医用材料生产项目")):
        project = speech.enterprise.projects.get(name=name)
        progress = project_progress(project, year=SEED_DAY.year, today=STORY_DAY)
        done = f"{(progress.done_ytd / 10000).normalize():f}亿元"
        assert f"完成{done}" in speech.content and project.name[:4] in speech.topic
        assert ("滞后于序时" if progress.behind else "达到序时") in speech.content  # as the project page says


def test_the_two_decisions_without_an_enterprise_are_assigned_to_their_departments() -> None:
    one_to_one, land, jyz, rd = _meeting().decisions.select_related("demand").order_by("seq")
    expected = {one_to_one.pk: ["gxj", "fgw"], rd.pk: ["kjj"]}
    for decision in (one_to_one, rd):
        demand = decision.demand
        assert demand is not None and demand.kind == DemandKind.ASSIGNMENT and demand.enterprise is None
        tasks = list(Task.objects.filter(demand=demand).order_by("pk").select_related("lead_department"))
        assert [t.lead_department.code for t in tasks] == expected[decision.pk]
        assert {t.deadline for t in tasks} == {decision.deadline}
        assert timezone.localdate(demand.submitted_at) == SEED_DAY
        # 交办 at 17:30, right after the 座谈会: a demo loaded on the seed day before then has it when it was loaded
        assigned = timezone.make_aware(dt.datetime.combine(SEED_DAY, dt.time(17, 30)))
        if TEST_NOW >= assigned:
            assert all(t.created_at == assigned for t in tasks)
        else:
            assert all(TEST_NOW <= t.created_at <= clock.now() for t in tasks)
    signed = Task.objects.get(demand=one_to_one.demand, lead_department__code="gxj")
    assert signed.status == TaskStatus.IN_PROGRESS and signed.handler.username == "dh_gxj"
    assert signed.created_at < signed.signed_at and timezone.localdate(signed.signed_at) == SEED_DAY
    assert Task.objects.get(demand=rd.demand).status == TaskStatus.PENDING
    assert land.demand is None and jyz.demand is not None and jyz.demand.kind != DemandKind.ASSIGNMENT


def test_the_next_meeting_has_its_agenda_drafted() -> None:
    nxt = Meeting.objects.get(chain__code="biomed", held_on__gt=SEED_DAY)
    # Two weeks of working days after the seed meeting (December), or as long after today for a later demo.
    assert nxt.held_on == paperwork.next_day(SEED_DAY, DEMO_TODAY) and nxt.held_on > DEMO_TODAY
    assert nxt.held_on.month == 12 or DEMO_TODAY >= add_workdays(SEED_DAY, paperwork.NEXT_AFTER)
    assert nxt.title == f"生物医药产业链服务团队{nxt.held_on.month}月工作例会" and nxt.kind == MeetingKind.REGULAR
    assert nxt.leader.username == "jiangdd" and nxt.starts_at == dt.time(9, 0)
    items = list(AgendaItem.objects.filter(meeting=nxt).order_by("seq"))
    decided = {i.decision_id for i in items if i.kind == AgendaKind.DECISION}
    assert decided == set(Decision.objects.filter(meeting=_meeting()).values_list("pk", flat=True))
    assert {AgendaKind.TASK, AgendaKind.PROJECT} <= {i.kind for i in items}
    assert items[-1].kind == AgendaKind.OTHER and items[-1].title == paperwork.NEXT_ITEM[0]


def test_the_briefing_has_a_finished_first_version() -> None:
    briefing = Briefing.objects.get(meeting=_meeting())
    assert briefing.kind == BriefingKind.MEETING and briefing.title == "生物医药产业链服务团队工作例会召开"
    assert briefing.issuer == "泰州市生物医药产业链服务团队"
    assert briefing.dated_on == min(add_workdays(SEED_DAY, 1), DEMO_TODAY)  # the next working day, not after today
    assert briefing.sections["overview"].startswith("按照市领导联系服务“四重”工作推进机制安排，11月24日")
    version = BriefingVersion.objects.get(briefing=briefing)
    assert (version.n, version.status, version.progress) == (1, VersionStatus.DONE, 100)
    assert version.docx.name and version.xlsx.name
    # loaded here without LibreOffice (conftest.load_demo): no preview, and the note the page shows says why
    assert not version.preview.name and "LibreOffice" in version.preview_note
    with version.docx.open("rb") as handle:
        document = docx.Document(io.BytesIO(handle.read()))
    text = "\n".join(p.text for p in document.paragraphs)
    assert BOSHEN in text and JYZ in text and briefing.title in text
    assert "研发在北上广、落地在兴化" in text and "市工信局（王志华 副局长）" in text
    assert version.xlsx.open("rb").read(2) == b"PK"


def test_the_pages_show_the_meeting_its_agenda_and_its_briefing(client_as) -> None:  # noqa: ANN001
    meeting = _meeting()
    client = client_as("wangzh")
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    for text in (BOSHEN, "金美特医用材料生产项目", "分管负责同志", "兴化市行政中心三楼第一会议室"):
        assert text in page, text
    nxt = Meeting.objects.get(chain__code="biomed", held_on__gt=SEED_DAY)
    assert paperwork.NEXT_ITEM[0] in client.get(f"/meetings/{nxt.pk}/agenda/").content.decode()
    briefing = Briefing.objects.get(meeting=meeting)
    assert client.get(f"/reports/{briefing.pk}/").status_code == 200
    version = briefing.versions.get()
    response = client.get(f"/reports/versions/{version.pk}/docx/")
    assert response.status_code == 200 and b"".join(response.streaming_content)[:2] == b"PK"


def _counts() -> tuple[int, ...]:
    models = (Meeting, SiteVisit, Speech, Decision, Demand, Task, AgendaItem, Briefing, BriefingVersion, AuditLog)
    return tuple(m.objects.count() for m in models)


def test_loading_again_creates_nothing() -> None:
    before = _counts()
    assert city.load(enterprises=40, today=DEMO_TODAY).created == {}
    assert _counts() == before


def test_a_partial_load_is_completed(monkeypatch: pytest.MonkeyPatch) -> None:
    """An older, thinner demo (the meeting a 工作例会 without its attendees, no speeches, no agenda, no briefing
    version) is completed by loading again, through the services."""
    meeting = _meeting()
    Meeting.objects.filter(pk=meeting.pk).update(
        kind=MeetingKind.REGULAR, location="兴化市", starts_at=None, ends_at=None
    )
    meeting.attendee_enterprises.clear()
    Speech.objects.filter(meeting=meeting).delete()
    SiteVisit.objects.filter(meeting=meeting, seq=1).delete()
    AgendaItem.objects.filter(meeting=Meeting.objects.get(chain__code="biomed", held_on__gt=SEED_DAY)).delete()
    BriefingVersion.objects.filter(briefing__meeting=meeting).delete()
    files_in_memory(monkeypatch)  # the new version's files: this test leaves none behind
    loaded = city.load(enterprises=40, today=DEMO_TODAY)
    assert loaded.created == {"speech": 5, "site_visit": 1, "agenda": 1, "briefing_version": 1}
    meeting = _meeting()
    assert meeting.kind == MeetingKind.SITE_VISIT and meeting.location == seed_meeting.LOCATION
    assert meeting.attendee_enterprises.count() == 2
    stops = list(SiteVisit.objects.filter(meeting=meeting).order_by("seq"))
    assert [(s.seq, s.enterprise.name) for s in stops] == [(1, BOSHEN), (2, JYZ)]  # back in the story's order
    assert Speech.objects.filter(meeting=meeting).count() == 5
    assert BriefingVersion.objects.get(briefing__meeting=meeting).status == VersionStatus.DONE
    assert AuditLog.objects.filter(object_repr=meeting.title, action=AuditAction.UPDATE).exists()
