"""The 11月24日 meeting of the seed report as the product records it: a 现场观摩 of the two enterprises the report
names, then the 座谈会 held as the 生物医药产业链服务团队工作例会, with who led, chaired and attended, the stops in
order with what the leader said at each, the 交流发言 of the districts, departments and enterprises, and the
minutes (会议纪要) in the report's own words.

Written by the lead department's team member (王志华) through chaindesk.meetings.services_meetings, so the
meeting's 历史记录 tells the story. The meeting is found by chain and day; its facts are corrected only where they
differ from these, a stop by its enterprise and a speech by its speaker and topic: loading again writes nothing,
and a meeting left by an earlier, thinner demo is completed. Figures quoted in the speeches come from the demo's
own project data (demo.projects.SEED_REPORTS), so the meeting never contradicts the project pages."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from chaindesk.accounts.models import Department, Region, User
from chaindesk.chains.models import Chain
from chaindesk.enterprises.models import Enterprise
from chaindesk.meetings import services_meetings as services
from chaindesk.meetings.models import Meeting, MeetingKind, SiteVisit, Speech
from chaindesk.meetings.services_meetings import MeetingFacts, SiteVisitInput, SpeechInput
from chaindesk.projects.models import Project

from .projects import BOSHEN, JINMEITE, SEED_REPORTS, working_hours

RECORDER = "wangzh"  # the lead department's team member records the meeting
TITLE = "生物医药产业链服务团队工作例会"
LOCATION = "兴化市行政中心三楼第一会议室"  # where the 座谈会 sat after the site visit
STARTS, ENDS = dt.time(14, 0), dt.time(17, 0)  # the site visit from 14:00, the 座谈会 until 17:00
DEPARTMENTS = ("gxj", "fgw", "swj", "kjj", "zrzy", "sthj", "scjg", "gdgs", "wjw")  # the team's departments
REGIONS = ("321281", "321283", "321202")  # 兴化市 hosting, the chain's other districts
GUESTS = "市委办公室有关负责同志\n市政府办公室有关负责同志\n兴化市有关部门负责同志"

# The minutes (会议纪要): the 座谈会 in the seed report's words, one paragraph a line.
MINUTES = (
    "11月24日，市委书记姜冬冬带队赴兴化市开展现场观摩，并召开生物医药产业链服务团队工作例会，市领导张坤主持会议。"
    "相关市(区)、部门、企业作交流发言。\n"
    "会议强调，年关岁末是决定胜负、全力冲刺的“最后赛段”，生物医药产业链服务团队要咬紧牙关、开足马力，"
    "持续锚定项目建设、诉求解决、事项上争等工作，推动全市生物医药产业发展不断取得新成效。\n"
    "要以更实举措稳存量，建立“一对一”跟踪服务机制，用心服务好现有项目、现有企业，及时解决项目建设、"
    "生产经营中的难点堵点，全力助推企业扩产增效、做大做强，同时深挖潜在项目、潜在线索，把企业的“需求清单”"
    "转化为项目跟进的“任务清单”，形成“企业投资签约—后续增资扩产—吸引配套落户”的良性循环。\n"
    "要以更大力度扩增量，将生态资源、产业基础与发展生物医药产业结合起来，持续催生新的增长点；积极融入上海，"
    "策划新的发展极，将“生态名片”与“健康产业”有机结合，打造产业发展的“延伸地”“后花园”；立足区域协同，"
    "找准自身在全市产业链中的定位，培强新的动力源。\n"
    "要以更强决心优动能，在研发资源嫁接上再加力，鼓励和支持更多企业主动“走出去”，加快实现“研发在北上广、"
    "落地在兴化”的创新格局；在人才作用发挥上再深化，引导在外能人深入对接家乡发展需求，引入更多优质项目、"
    "先进技术和高端要素；在专业服务打造上再提升，进一步加强干部队伍专业能力建设，为企业提供“内行式”服务，"
    "持续打造“到泰州、泰周到”的一流环境。"
)


@dataclass(frozen=True)
class Stop:
    enterprise: str  # "boshen" or "jyz"
    project: str
    notes: str


STOPS = [
    Stop(
        "boshen",
        BOSHEN,
        "江苏博生医用新材料股份有限公司是一家专业从事药包材研发、制造、销售的国家高新技术企业，"
        "新上年产3000万平方米特殊功能性新型医用膜材项目。\n"
        "听取企业负责人介绍后，姜冬冬鼓励企业发挥创新优势，进一步提升生产规模和技术水平，优化产品结构，"
        "增强企业的核心竞争力，持续保持良好发展势头。",
    ),
    Stop(
        "jyz",
        JINMEITE,
        "江苏金扬子包装科技有限公司创建于1998年7月，主要从事国内大输液药包材系列产品的研发、生产与销售，"
        "是国家定点的药包材生产企业。金美特医用材料生产项目新上全自动腹透引流袋生产线、预充式导管冲洗器生产线。\n"
        "实地考察企业车间后，姜冬冬希望企业抢抓医药产业发展机遇，聚焦细分赛道做精做专、做优做强，"
        "持续精进技术与产品品质，为生物医药产业链补链强链添砖加瓦。",
    ),
]


def _yi(wan: int) -> str:
    """万元 as the speeches say it: 16400 → 1.64亿元."""
    return f"{(Decimal(wan) / 10000).normalize():f}亿元"


def _progress(project: str) -> str:
    """This year's plan and what was done, from the demo's own investment reports: 计划投资1.8亿元，1至10月完成1.64亿元."""
    plan, months = SEED_REPORTS[project]
    return f"今年计划投资{_yi(plan)}，1至{len(months)}月完成{_yi(sum(months))}"


@dataclass(frozen=True)
class Talk:
    """A speech: `who` is ("region", code), ("department", code) or ("enterprise", "boshen"/"jyz")."""

    who: tuple[str, str]
    speaker: str
    topic: str
    content: str


# The 交流发言 of 「相关市(区)、部门、企业」, in the order they spoke.
TALKS = [
    Talk(
        ("region", "321281"),
        "分管负责同志",
        "兴化市药包材产业发展和重点项目推进情况",
        "兴化市以药包材、医用耗材为重点细分赛道，江苏博生医用膜材项目加快建设，金美特医用材料生产项目已开工。"
        "针对现场观摩中企业反映的用地指标、双回路供电、环评审批等问题，已逐项建立台账、明确责任人。"
        "正组织江苏博生、江苏金扬子联合申报国家级中小企业特色产业集群，打造药包材产业“兴化名片”。",
    ),
    Talk(
        ("department", "gxj"),
        "王志华 副局长",
        "生物医药产业链服务团队工作推进情况",
        "围绕项目建设、诉求解决、事项上争三项重点，对链上企业和项目实行清单化管理、挂图作战。"
        "现场观摩收集的企业诉求已即时录入、当日受理交办；医用膜材项目申报省级产业转型升级专项资金已进入审核。"
        "下一步将牵头建立“一对一”跟踪服务机制，把企业“需求清单”转化为“任务清单”，逐项跟踪到办结。",
    ),
    Talk(
        ("department", "fgw"),
        "分管负责同志",
        "重大项目要素保障和上争工作",
        "生物医药先进制造业集群培育省级奖补资金已获批，用于公共检测平台建设。"
        "将会同市自然资源和规划局做好医用膜材项目新增用地指标的省级统筹争取，加快在谈项目转化落地。",
    ),
    Talk(
        ("enterprise", "boshen"),
        "企业负责人",
        "年产3000万平方米特殊功能性新型医用膜材项目进展",
        f"项目计划总投资5.2亿元，主体工程在建，{_progress(BOSHEN)}，投资进度达到序时要求。"
        "企业正谋划医用膜材二期增资扩产项目；项目用地指标紧张，希望协调新增建设用地指标、明确供地时序。",
    ),
    Talk(
        ("enterprise", "jyz"),
        "企业负责人",
        "金美特医用材料生产项目进展",
        f"项目计划总投资5.6亿元，已开工建设，{_progress(JINMEITE)}，进度滞后于序时。"
        "新上全自动腹透引流袋生产线、预充式导管冲洗器生产线，希望加快双回路供电接入，"
        "并对新产品医疗器械注册给予指导。",
    ),
]


# --- the meeting's facts ------------------------------------------------------------------------------------


def facts_for(
    users: dict[str, User],
    regions: dict[str, Region],
    chain: Chain,
    seed_day: dt.date,
    enterprises: Sequence[Enterprise],
) -> MeetingFacts:
    """The meeting as the seed report tells it: 带队 姜冬冬, 主持 张坤, at 兴化市, the team and the two enterprises."""
    team = [m.user for m in chain.team.select_related("user").order_by("sort_order", "pk")]
    return MeetingFacts(
        chain=chain,
        held_on=seed_day,
        leader=users["jiangdd"],
        kind=MeetingKind.SITE_VISIT,
        title=TITLE,
        starts_at=STARTS,
        ends_at=ENDS,
        region=regions["321281"],
        location=LOCATION,
        chair=users["zhangkun"],
        guests=GUESTS,
        summary=MINUTES,
        attendees=[*team, users["liming"], users["zhoutao"]],
        attendee_departments=list(Department.objects.filter(code__in=DEPARTMENTS).order_by("sort_order")),
        attendee_regions=[regions[code] for code in REGIONS],
        attendee_enterprises=list(enterprises),
    )


def _differs(meeting: Meeting, facts: MeetingFacts) -> bool:
    """Whether the stored meeting says anything other than `facts` (its fields or who attended)."""
    for name in services.CONCRETE:
        value = getattr(facts, name)
        stored = getattr(meeting, name)
        if (value.pk if hasattr(value, "pk") else value) != (stored.pk if hasattr(stored, "pk") else stored):
            return True
    for name in services.M2M:
        if {o.pk for o in getattr(facts, name)} != set(getattr(meeting, name).values_list("pk", flat=True)):
            return True
    return False


def load_seed_meeting(
    users: dict[str, User],
    regions: dict[str, Region],
    chain: Chain,
    seed_day: dt.date,
    enterprises: Sequence[Enterprise],
    add: Any,
) -> Meeting:
    """The seed meeting's facts: created (recorded the morning before it met), or corrected where they differ."""
    facts = facts_for(users, regions, chain, seed_day, enterprises)
    meeting = Meeting.objects.filter(chain=chain, held_on=seed_day, title=TITLE).first()
    if meeting is None:
        add("meeting")
        meeting = services.meeting_create(actor=users[RECORDER], facts=facts)
        Meeting.objects.filter(pk=meeting.pk).update(created_at=working_hours(seed_day, 9))
    elif _differs(meeting, facts):
        services.meeting_update(actor=users[RECORDER], meeting=meeting, facts=facts)
    return meeting


# --- the stops and the speeches -----------------------------------------------------------------------------


def _in_order(model: type[SiteVisit] | type[Speech], meeting: Meeting, wanted: list[int], actor: User) -> None:
    """Put the demo's rows first, in the story's order (a row added by hand stays, after them)."""
    current = list(model.objects.filter(meeting=meeting).order_by("seq", "pk").values_list("pk", flat=True))
    order = [*wanted, *(pk for pk in current if pk not in wanted)]
    if order == current:
        return
    if model is SiteVisit:
        services.site_visits_reorder(actor=actor, meeting=meeting, order=order)
    else:
        services.speeches_reorder(actor=actor, meeting=meeting, order=order)


def load_stops(meeting: Meeting, users: dict[str, User], enterprises: dict[str, Enterprise], add: Any) -> None:
    """The two stops of the site visit, in order, each with its project and what the leader said there. No photos:
    a made-up picture of a real enterprise's workshop would tell the viewer nothing true."""
    actor = users[RECORDER]
    existing = {s.enterprise_id: s for s in SiteVisit.objects.filter(meeting=meeting)}
    wanted = []
    for stop in STOPS:
        enterprise = enterprises[stop.enterprise]
        row = existing.get(enterprise.pk)
        if row is None:
            add("site_visit")
            project = Project.objects.filter(enterprise=enterprise, name=stop.project).first()
            data = SiteVisitInput(enterprise=enterprise, project=project, notes=stop.notes)
            row = services.site_visit_add(actor=actor, meeting=meeting, data=data)
        wanted.append(row.pk)
    _in_order(SiteVisit, meeting, wanted, actor)


def _speaker(talk: Talk, enterprises: dict[str, Enterprise]) -> dict[str, Any]:
    kind, key = talk.who
    if kind == "region":
        return {"region": Region.objects.get(code=key)}
    if kind == "department":
        return {"department": Department.objects.get(code=key)}
    return {"enterprise": enterprises[key]}


def load_speeches(meeting: Meeting, users: dict[str, User], enterprises: dict[str, Enterprise], add: Any) -> None:
    """The 交流发言 in the order they were given; a speech is found by its topic."""
    actor = users[RECORDER]
    existing = {s.topic: s for s in Speech.objects.filter(meeting=meeting)}
    wanted = []
    for talk in TALKS:
        row = existing.get(talk.topic)
        if row is None:
            add("speech")
            data = SpeechInput(
                **_speaker(talk, enterprises), speaker=talk.speaker, topic=talk.topic, content=talk.content
            )
            row = services.speech_add(actor=actor, meeting=meeting, data=data)
        wanted.append(row.pk)
    _in_order(Speech, meeting, wanted, actor)
