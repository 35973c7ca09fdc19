"""What the 11月24日 meeting leaves behind: the briefing (会议纪要) the team sends out the next working day, generated
as its first version, and the chain's next meeting, the 12月工作例会, planned with its agenda drafted from the records.

Both go through the services (chaindesk.reports.services, chaindesk.meetings.services_meetings and
services_agenda) as the lead department's team member (王志华). The briefing's first version is built here, in the
loader's own process (`version_run`, what the background task calls), so the demo shows a finished DOCX and XLSX
without a worker; the preview PNG is made only where LibreOffice and pdftoppm are installed (reports.preview).

Found again by natural keys (the seed meeting's briefing; the chain's planned 月工作例会 after the seed day), so
loading twice creates nothing; a briefing without a finished version gets one, a planned meeting without an agenda
gets it drafted."""

import datetime as dt
from typing import Any

from chaindesk.accounts.models import Department, Region, User
from chaindesk.chains.models import Chain
from chaindesk.core import clock
from chaindesk.demands.workdays import add_workdays
from chaindesk.meetings import services_agenda, services_meetings
from chaindesk.meetings.models import AgendaItem, Meeting, MeetingKind
from chaindesk.meetings.services_meetings import MeetingFacts
from chaindesk.reports import services as reports
from chaindesk.reports.choices import BriefingKind, VersionStatus
from chaindesk.reports.models import Briefing, BriefingVersion

from . import seed_meeting
from .projects import working_hours

NEXT_PREFIX, NEXT_SUFFIX = "生物医药产业链服务团队", "月工作例会"
NEXT_LOCATION = "泰州市行政中心第二会议室"
NEXT_AFTER = 10  # working days after the seed meeting: the second Tuesday of December in 2026
NEXT_ITEM = ("研究部署年终冲刺和明年重点工作", "各成员单位对照年度目标报告冲刺举措，研究明年重点项目和上争事项谋划。")

# The briefing: the seed report's own headline and opening, the leader's points, the next steps from the decisions.
BRIEFING_TITLE = "生物医药产业链服务团队工作例会召开"
OVERVIEW = (
    "按照市领导联系服务“四重”工作推进机制安排，11月24日，市委书记姜冬冬带队赴兴化市开展现场观摩，"
    "并召开生物医药产业链服务团队工作例会。市领导张坤主持会议。相关市(区)、部门、企业作交流发言。"
)
NEXT_STEPS = (
    "一是市工信局牵头、市发改委配合，建立“一对一”跟踪服务机制，把企业“需求清单”转化为“任务清单”，逐项跟踪到办结。\n"
    "二是市自然资源和规划局协调江苏博生医用膜材项目新增用地指标，明确供地时序。\n"
    "三是市市场监管局指导江苏金扬子新产品办理医疗器械注册，推动金美特医用材料生产项目早日投产。\n"
    "四是市科技局牵头对接上海、北京等地高校院所，加快实现“研发在北上广、落地在兴化”的创新格局。\n"
    "五是各成员单位锚定项目建设、诉求解决、事项上争，咬紧牙关、开足马力，全力冲刺年度目标。"
)
DISTRIBUTION = "市委、市政府领导，生物医药产业链服务团队成员单位，兴化市、泰兴市、海陵区人民政府。"


def _at(day: dt.date, hour: int) -> dt.datetime:
    """`day` at `hour`, never later than now (a demo loaded early on that day)."""
    return min(working_hours(day, hour), clock.now())


def _speech() -> str:
    """领导讲话要点: the minutes' points, as the report words them ("姜冬冬强调" rather than "会议强调")."""
    points = seed_meeting.MINUTES.splitlines()[1:]
    return "\n".join([points[0].replace("会议强调", "姜冬冬强调", 1), *points[1:]])


# --- the briefing -------------------------------------------------------------------------------------------


def _new_briefing(meeting: Meeting, actor: User, seed_day: dt.date, add: Any) -> Briefing:
    """Create the meeting's briefing, then write what the team would edit: the seed report's headline, opening and
    the leader's points, the next steps, 分送, dated the next working day."""
    add("briefing")
    briefing = reports.briefing_create(actor=actor, chain=meeting.chain, kind=BriefingKind.MEETING, meeting=meeting)
    reports.briefing_update(
        actor=actor,
        briefing=briefing,
        title=BRIEFING_TITLE,
        number=briefing.number,
        issuer=briefing.issuer,
        dated_on=min(add_workdays(seed_day, 1), clock.today()),
        distribution=DISTRIBUTION,
        sections={"overview": OVERVIEW, "speech": _speech(), "next_steps": NEXT_STEPS},
    )
    Briefing.objects.filter(pk=briefing.pk).update(created_at=_at(add_workdays(seed_day, 1), 9))
    return briefing


def _first_version(briefing: Briefing, actor: User, seed_day: dt.date, add: Any) -> None:
    """Generate a version unless one is done, and build it here and now (DOCX, XLSX; the preview where it can be
    made). The task the service enqueues on commit then finds the version done and leaves it."""
    versions = BriefingVersion.objects.filter(briefing=briefing)
    if versions.filter(status=VersionStatus.DONE).exists():
        return
    version = versions.filter(status=VersionStatus.QUEUED).order_by("n").first()
    if version is None:
        if versions.filter(status=VersionStatus.RUNNING).exists():
            return  # a worker is building one right now
        add("briefing_version")
        version = reports.briefing_generate(actor=actor, briefing=briefing)
    reports.version_run(version_id=version.pk)
    when = _at(add_workdays(seed_day, 1), 10)
    BriefingVersion.objects.filter(pk=version.pk).update(created_at=when, finished_at=when)


def load_briefing(meeting: Meeting, users: dict[str, User], seed_day: dt.date, add: Any) -> Briefing:
    """The seed meeting's briefing (会议纪要) with a finished first version."""
    actor = users[seed_meeting.RECORDER]
    briefing = Briefing.objects.filter(meeting=meeting, kind=BriefingKind.MEETING).order_by("pk").first()
    if briefing is None:
        briefing = _new_briefing(meeting, actor, seed_day, add)
    _first_version(briefing, actor, seed_day, add)
    return briefing


# --- the next meeting and its agenda ----------------------------------------------------------------------------


def next_day(seed_day: dt.date, today: dt.date) -> dt.date:
    """When the next 工作例会 sits: two weeks of working days after the seed meeting (early December), or, for a
    demo loaded after that, as long after today, so its agenda can still be drafted."""
    day = add_workdays(seed_day, NEXT_AFTER)
    return day if day > today else add_workdays(today, NEXT_AFTER)


def _planned(chain: Chain, seed_day: dt.date) -> Meeting | None:
    planned = Meeting.objects.filter(chain=chain, held_on__gt=seed_day, kind=MeetingKind.REGULAR)
    planned = planned.filter(title__startswith=NEXT_PREFIX, title__endswith=NEXT_SUFFIX)
    return planned.order_by("pk").first()


def _plan(chain: Chain, users: dict[str, User], seed_day: dt.date, today: dt.date) -> Meeting:
    day = next_day(seed_day, today)
    facts = MeetingFacts(
        chain=chain,
        held_on=day,
        leader=users["jiangdd"],
        kind=MeetingKind.REGULAR,
        title=f"{NEXT_PREFIX}{day.month}{NEXT_SUFFIX}",
        starts_at=dt.time(9, 0),
        ends_at=dt.time(11, 30),
        region=Region.objects.get(code="321200"),
        location=NEXT_LOCATION,
        chair=users["zhangkun"],
        attendees=[m.user for m in chain.team.select_related("user").order_by("sort_order", "pk")],
        attendee_departments=list(Department.objects.filter(code__in=seed_meeting.DEPARTMENTS).order_by("sort_order")),
        attendee_regions=list(Region.objects.filter(code__in=seed_meeting.REGIONS).order_by("code")),
    )
    meeting = services_meetings.meeting_create(actor=users[seed_meeting.RECORDER], facts=facts)
    Meeting.objects.filter(pk=meeting.pk).update(created_at=_at(add_workdays(seed_day, 1), 11))
    return meeting


def load_next_meeting(chain: Chain, users: dict[str, User], seed_day: dt.date, today: dt.date, add: Any) -> Meeting:
    """The chain's next 工作例会 with its agenda drafted from the records (the 11月24日 decisions not yet done, the
    督办 and overdue tasks, the projects behind, the urgent demands, the 上争事项 due soon) and one item the team
    wrote; drafted once, while the meeting is still ahead."""
    meeting = _planned(chain, seed_day)
    if meeting is None:
        add("meeting")
        meeting = _plan(chain, users, seed_day, today)
    actor = users[seed_meeting.RECORDER]
    if AgendaItem.objects.filter(meeting=meeting).exists() or not services_agenda.agenda_editable(meeting):
        return meeting  # drafted already, or the meeting is past (the service counts from the clock's today)
    add("agenda")
    services_agenda.agenda_draft(actor=actor, meeting=meeting)
    title, note = NEXT_ITEM
    services_agenda.agenda_add(actor=actor, meeting=meeting, title=title, note=note)
    return meeting
