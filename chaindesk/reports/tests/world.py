"""Hand-built records for the briefing tests, on the personas' world (chaindesk/testkit/personas.py): a meeting of
our chain (测试甲链) held today, with two site-visit stops, two speeches, a decision for two departments and an
overdue task; and briefings of it."""

import datetime as dt

from chaindesk.core.actors import FIXTURES
from chaindesk.core.services import audited_create
from chaindesk.demands.models import Task
from chaindesk.meetings import services as meeting_services
from chaindesk.meetings.models import Meeting, MeetingKind, SiteVisit, Speech
from chaindesk.reports import services
from chaindesk.reports.choices import BriefingKind
from chaindesk.reports.models import Briefing
from chaindesk.testkit.personas import Personas

VISIT_NOTES = "听取企业负责人介绍后，鼓励企业发挥创新优势，提升生产规模和技术水平。"
SECOND_NOTES = "实地考察企业车间，希望企业聚焦细分赛道做精做专。"
SPEECH = "测试甲局将加快办理项目用地手续。"
DECISION = "协调解决测试甲链项目新增用地指标。"
DECISION_DAYS = 10  # working days from the meeting


def site_meeting(p: Personas) -> Meeting:
    """Today's 现场观摩 of our chain, led by our chief and chaired by our member."""
    ours = p.ours
    meeting = audited_create(
        model=Meeting,
        actor=FIXTURES,
        chain=ours.chain,
        title="测试甲链服务团队工作例会",
        kind=MeetingKind.SITE_VISIT,
        held_on=p.today,
        region=ours.region,
        location="测试甲区",
        leader=p.chief,
        chair=p.member,
        guests="省工信厅 张三",
        summary="要以更实举措稳存量。\n要以更大力度扩增量。",
        attendees=[p.chief, p.member, p.liaison],
        attendee_departments=[ours.department],
    )
    stops = [(ours.enterprise, ours.project, VISIT_NOTES), (p.ent2, None, SECOND_NOTES)]
    for seq, (enterprise, project, notes) in enumerate(stops, start=1):
        audited_create(
            model=SiteVisit,
            actor=FIXTURES,
            meeting=meeting,
            seq=seq,
            enterprise=enterprise,
            project=project,
            notes=notes,
        )
    audited_create(model=Speech, actor=FIXTURES, meeting=meeting, seq=1, department=ours.department, content=SPEECH)
    audited_create(
        model=Speech,
        actor=FIXTURES,
        meeting=meeting,
        seq=2,
        enterprise=ours.enterprise,
        speaker="王总",
        topic="扩产计划",
    )
    meeting_services.decision_add(
        actor=p.member,
        meeting=meeting,
        content=DECISION,
        departments=[p.theirs.department, ours.department],
        lead=ours.department,
        working_days=DECISION_DAYS,
    )
    return meeting


def make_overdue(p: Personas) -> Task:
    """Our demand's task, past its deadline since a week."""
    Task.objects.filter(pk=p.ours.task.pk).update(deadline=p.today - dt.timedelta(days=7))
    return Task.objects.get(pk=p.ours.task.pk)


def meeting_briefing(p: Personas, meeting: Meeting | None = None) -> Briefing:
    meeting = meeting or site_meeting(p)
    return services.briefing_create(actor=p.member, chain=meeting.chain, kind=BriefingKind.MEETING, meeting=meeting)


def period_briefing(p: Personas, start: dt.date, end: dt.date) -> Briefing:
    return services.briefing_create(
        actor=p.member, chain=p.ours.chain, kind=BriefingKind.PERIOD, period_start=start, period_end=end
    )


def period_briefing_by(user: object, p: Personas) -> Briefing:
    """A period briefing of our chain asked for by `user` (refused unless on its team)."""
    return services.briefing_create(
        actor=user,  # type: ignore[arg-type]
        chain=p.ours.chain,
        kind=BriefingKind.PERIOD,
        period_start=p.today.replace(month=1, day=1),
        period_end=p.today,
    )
