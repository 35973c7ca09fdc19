"""Small fixed personas, one per role plus the ones out of scope, in a tiny world of their own.

Healthchecks' alice/bob/charlie pattern: a test names `personas.chief` or `personas.x_liaison`, not a demo login,
so it never depends on what the demo city happens to generate. The world is built through the product's own
services (keyword-only, audited, permission-checked), with the personas as actors; the loader-only steps that
have no service (regions, departments, accounts, chains and their teams, a meeting) go through
`audited_create` with no actor, the way the demo loads them.

Everything is prefixed (`p_` usernames and codes, names such as 测试甲链, region codes 3299xx) so that the demo
city, also loaded in the test database, never clashes with it.

The world, "ours" (甲) against "theirs" (乙):

- 测试市 (329900) with two districts: 测试甲区 (329901, ours) and 测试乙区 (329902, theirs);
- two departments: 测试甲局 (tasks of our chain) and 测试乙局 (theirs);
- chain 测试甲链: chief `p_chief`, team member `p_member`; chain 测试乙链: chief `p_x_chief`;
- enterprises on 测试甲链 in 测试甲区, both served by `p_liaison`: `ent` (with its enterprise user `p_ent_user`) and
  `ent2` (no user); `x_ent` on 测试乙链 in 测试乙区, served by `p_x_liaison`, with its user `p_x_ent_user`;
- for each side: a node, an indicator, a contact, a visit with an issue and a next step (ours with a photo), a
  project (ours is signed, with a production line, a plan and a report), a lead with a follow-up, a talent, an R&D
  cooperation, a demand (ours with a PDF attachment) accepted and cut into a task for the side's department (whose
  handler gets a notification), a meeting with a decision, and an 上争事项;
- `p_handler` works in 测试甲局, `p_x_handler` in 测试乙局; `p_district` administers 测试甲区, `p_x_district` 测试乙区;
- `p_sysadmin` and `p_auditor`, the two administrators.

`build()` takes about 0.2 s; the `personas` fixture (chaindesk/conftest.py) builds it inside each
test module (each test in a savepoint), with attachments and photos kept in memory."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from stdnum.cn import uscc as uscc_mod

from chaindesk.accounts.choices import DepartmentKind, RegionLevel, Role
from chaindesk.accounts.models import Department, Region, User
from chaindesk.accounts.services import user_create
from chaindesk.chains import services as chain_services
from chaindesk.chains.models import Chain, ChainNode, TeamMember, TeamRole
from chaindesk.core import clock as core_clock
from chaindesk.core.actors import FIXTURES
from chaindesk.core.models import AuditLog, Notification
from chaindesk.core.services import audited_create
from chaindesk.demands import services as demand_services
from chaindesk.demands.choices import Channel
from chaindesk.demands.models import Attachment, Category, Demand, Task
from chaindesk.enterprises import services as enterprise_services
from chaindesk.enterprises.models import Contact, Enterprise, EnterpriseAccount
from chaindesk.ingest.models import Report
from chaindesk.leads import services as lead_services
from chaindesk.leads.choices import LeadSource
from chaindesk.leads.models import Lead
from chaindesk.liaison import services as liaison_services
from chaindesk.liaison.models import LiaisonAssignment, NextStep, Visit, VisitPhoto
from chaindesk.meetings import services as meeting_services
from chaindesk.meetings import services_meetings
from chaindesk.meetings.models import (
    Decision,
    Meeting,
    MeetingAttachment,
    MeetingKind,
    SiteVisit,
    SiteVisitPhoto,
)
from chaindesk.network import services as network_services
from chaindesk.network.models import CooperationStatus, PartnerKind, RdCooperation, RdPartner, Talent
from chaindesk.projects import services as project_services
from chaindesk.projects.choices import ProjectStage
from chaindesk.projects.models import ProductionLine, Project
from chaindesk.reports import services as report_services
from chaindesk.reports.choices import BriefingKind, VersionStatus
from chaindesk.reports.models import Briefing, BriefingTemplate, BriefingVersion
from chaindesk.testkit import clock
from chaindesk.upward import services as upward_services
from chaindesk.upward.choices import UpwardKind, UpwardLevel
from chaindesk.upward.models import UpwardRequest

PASSWORD = "p-Persona-2026!"  # noqa: S105 - a test login; force_login needs none, a login form test may
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
# A real 4×3 PNG: a visit photo is decoded and re-encoded before it is stored (core.uploads.clean_photos).
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x04\x00\x00\x00\x03\x08\x02\x00\x00\x00;\x969\x91\x00\x00"
    b"\x00\x14IDATx\x9cc\xec\xdf~\x93\x01\x06\x98\x18\x90\x00\n\x07\x00N\xcd\x02%,/8b\x00\x00\x00\x00IEND\xaeB`\x82"
)

# Every persona key, in the order tables list them; "anon" is the visitor who is not signed in.
IN_SCOPE = ("chief", "member", "liaison", "handler", "district", "ent_user", "sysadmin", "auditor")
OUT_OF_SCOPE = ("x_chief", "x_liaison", "x_handler", "x_district", "x_ent_user")
KEYS = ("anon", *IN_SCOPE, *OUT_OF_SCOPE)


@dataclasses.dataclass
class Side:
    """One chain's records: ours (in the in-scope personas' reach) or theirs (in the x_ personas' reach)."""

    chain: Chain
    node: ChainNode
    region: Region
    department: Department
    enterprise: Enterprise
    contact: Contact
    assignment: LiaisonAssignment
    visit: Visit
    next_step: NextStep
    project: Project
    lead: Lead
    talent: Talent
    cooperation: RdCooperation
    demand: Demand
    task: Task
    notification: Notification
    meeting: Meeting
    decision: Decision
    upward: UpwardRequest
    line: ProductionLine | None = None
    attachment: Attachment | None = None
    visit_photo: VisitPhoto | None = None
    site_visit: SiteVisit | None = None
    site_visit_photo: SiteVisitPhoto | None = None
    meeting_attachment: MeetingAttachment | None = None
    briefing: Briefing | None = None
    briefing_version: BriefingVersion | None = None
    briefing_template: BriefingTemplate | None = None
    report: Report | None = None


@dataclasses.dataclass
class Personas:
    """The personas (users) and the world they work in."""

    chief: User
    member: User
    liaison: User
    handler: User
    district: User
    ent_user: User
    sysadmin: User
    auditor: User
    x_chief: User
    x_liaison: User
    x_handler: User
    x_district: User
    x_ent_user: User
    city: Region
    ours: Side
    theirs: Side
    ent2: Enterprise
    partner: RdPartner
    category: Category
    today: dt.date

    def user(self, key: str) -> User | None:
        """The persona named by `key` (one of KEYS); None for "anon"."""
        return None if key == "anon" else getattr(self, key)

    def users(self) -> dict[str, User]:
        return {key: getattr(self, key) for key in (*IN_SCOPE, *OUT_OF_SCOPE)}

    def audit_line(self) -> AuditLog:
        """An audit line about our enterprise (the audit trail's detail page needs one)."""
        line = AuditLog.objects.filter(object_id=str(self.ours.enterprise.pk)).order_by("pk").first()
        assert line is not None  # noqa: S101 - enterprise_create always records one
        return line


def make_uscc(seed: str, region_code: str) -> str:
    """A code with a valid GB 32100 check digit, the same for the same seed (enterprise, company, region)."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:12], "big")  # every character counts
    org = "".join(alphabet[(number // len(alphabet) ** i) % len(alphabet)] for i in range(9))
    body = f"91{region_code}{org}"
    return body + uscc_mod.calc_check_digit(body)


def _org() -> tuple[Region, Region, Region, Department, Department]:
    city = audited_create(model=Region, actor=FIXTURES, code="329900", name="测试市", level=RegionLevel.CITY)
    ours, theirs = (
        audited_create(model=Region, actor=FIXTURES, code=code, name=name, level=RegionLevel.DISTRICT, parent=city)
        for code, name in (("329901", "测试甲区"), ("329902", "测试乙区"))
    )
    dept_a, dept_b = (
        audited_create(
            model=Department,
            actor=FIXTURES,
            code=code,
            name=f"测试市{short}",
            short_name=short,
            kind=DepartmentKind.GOVERNMENT,
            region=city,
        )
        for code, short in (("p_dept_a", "测试甲局"), ("p_dept_b", "测试乙局"))
    )
    return city, ours, theirs, dept_a, dept_b


def add_user(
    username: str, name: str, role: str, region: Region, department: Department | None = None, **fields: str
) -> User:
    """An account made the loader's way, like every persona's: the personas' password (exempt from the password
    rules), the title "<name>（测试）" and a phone; `fields` (an email, another title …) go to `user_create` too."""
    values = {"title": f"{name}（测试）", "phone": "13800000000", **fields}
    return user_create(
        actor=FIXTURES,
        username=username,
        display_name=name,
        role=role,
        password=PASSWORD,
        check_password=False,
        must_change_password=False,  # a persona signs in straight away (the forced change has its own tests)
        region=region,
        department=department,
        **values,
    )


def join_team(user: User, chain: Chain, role: str = TeamRole.MEMBER, *, sort_order: int | None = None) -> TeamMember:
    """Put `user` on `chain`'s team in `role`, listed after its members so far unless `sort_order` says otherwise
    (a loader-only step: no service builds a team)."""
    if sort_order is None:
        sort_order = TeamMember.objects.filter(chain=chain).count()
    return audited_create(
        model=TeamMember, actor=FIXTURES, chain=chain, user=user, team_role=role, sort_order=sort_order
    )


def _people(city: Region, ours: Region, theirs: Region, dept_a: Department, dept_b: Department) -> dict[str, User]:
    specs: list[tuple[str, str, str, Region, Department | None]] = [
        ("chief", "测试链长", Role.CITY_LEADER, city, None),
        ("member", "测试成员", Role.TEAM_MEMBER, city, dept_a),
        ("liaison", "测试专员", Role.LIAISON, ours, None),
        ("handler", "测试经办", Role.DEPT_HANDLER, city, dept_a),
        ("district", "测试区管", Role.DISTRICT_ADMIN, ours, None),
        ("ent_user", "测试企业用户", Role.ENTERPRISE, ours, None),
        ("sysadmin", "测试系统管理员", Role.SYS_ADMIN, city, None),
        ("auditor", "测试审计管理员", Role.AUDIT_ADMIN, city, None),
        ("x_chief", "乙链链长", Role.CITY_LEADER, city, None),
        ("x_liaison", "乙区专员", Role.LIAISON, theirs, None),
        ("x_handler", "乙局经办", Role.DEPT_HANDLER, city, dept_b),
        ("x_district", "乙区区管", Role.DISTRICT_ADMIN, theirs, None),
        ("x_ent_user", "乙企业用户", Role.ENTERPRISE, theirs, None),
    ]
    return {key: add_user(f"p_{key}", name, role, region, dept) for key, name, role, region, dept in specs}


def _chain(code: str, name: str, chief: User, dept: Department, region: Region, team: list[User]) -> Chain:
    chain = audited_create(
        model=Chain, actor=FIXTURES, code=code, name=name, chief=chief, lead_department=dept, regions=[region]
    )
    roles = [TeamRole.CHIEF, TeamRole.LEAD_DEPT, TeamRole.MEMBER]
    for order, user in enumerate(team):
        join_team(user, chain, roles[order], sort_order=order)
    return chain


@dataclasses.dataclass
class _Cast:
    """Who does what on one side."""

    chief: User
    manager: User  # accepts demands and cuts tasks (a team member, or the chief where there is none)
    liaison: User
    ent_user: User
    handler: User


def _enterprise(cast: _Cast, chain: Chain, node: ChainNode, region: Region, name: str) -> Enterprise:
    enterprise = enterprise_services.enterprise_create(
        actor=cast.chief,
        name=name,
        uscc=make_uscc(name, region.code),
        region=region,
        address=f"{region.name}测试路1号",
        founded_on=dt.date(2010, 5, 1),
        business="测试产品的研发、生产与销售。",
        nodes=[node],
    )
    return enterprise


def _service(
    cast: _Cast, enterprise: Enterprise, today: dt.date, *, photo: bool = False
) -> tuple[Contact, LiaisonAssignment, Visit]:
    assignment = liaison_services.liaison_assign(
        actor=cast.manager,
        enterprise=enterprise,
        liaison=cast.liaison,
        leader=cast.chief,
        started_on=today - dt.timedelta(days=300),
        note="测试挂钩",
    )
    enterprise.refresh_from_db()
    enterprise_services.indicator_set(
        actor=cast.liaison,
        enterprise=enterprise,
        year=today.year - 1,
        revenue=Decimal("12000.00"),
        tax=Decimal("600.00"),
        employees=150,
        rd_spend=Decimal("480.00"),
    )
    contact = enterprise_services.contact_add(
        actor=cast.liaison,
        enterprise=enterprise,
        name="测试联系人",
        title="总经理",
        phone="13900000000",
        is_primary=True,
    )
    visit = liaison_services.visit_create(
        actor=cast.liaison,
        enterprise=enterprise,
        visited_on=today - dt.timedelta(days=10),
        notes="测试走访：企业生产经营平稳（内部记录）。",
        participants=[cast.liaison],
        issues=["测试问题：用地指标紧张。"],
        next_steps=[("测试下一步：对接用地指标", cast.handler, today + dt.timedelta(days=20))],
        photos=[SimpleUploadedFile("测试现场.png", PNG, content_type="image/png")] if photo else [],
    )
    return contact, assignment, visit


def _pipeline(cast: _Cast, chain: Chain, node: ChainNode, enterprise: Enterprise, today: dt.date) -> dict[str, Any]:
    project = project_services.project_create(
        actor=cast.chief,
        name=f"{enterprise.name[:3]}扩产项目",
        chain=chain,
        region=enterprise.region,
        enterprise=enterprise,
        node=node,
        planned_investment=Decimal("50000.00"),
        description="测试建设内容。",
    )
    talent = network_services.talent_create(
        actor=cast.chief,
        name=f"{chain.name}能人",
        city="上海",
        organisation="测试研究院",
        keeper=cast.manager,
        hometown=enterprise.region,
        phone="13700000000",
        chains=[chain],
    )
    lead = lead_services.lead_create(
        actor=cast.chief,
        title=f"{chain.name}测试线索",
        source=LeadSource.TALENT,
        talent=talent,
        investor="测试投资方有限公司",
        chain=chain,
        node=node,
        region=enterprise.region,
        estimated_investment=Decimal("20000.00"),
    )
    lead_services.follow_up_add(
        lead=lead,
        followed_on=today - dt.timedelta(days=5),
        notes="测试跟进：已电话沟通。",
        next_action="安排实地考察",
        next_action_on=today + dt.timedelta(days=7),
        actor=cast.chief,
    )
    return {"project": project, "talent": talent, "lead": lead}


def _demand(cast: _Cast, enterprise: Enterprise, department: Department, category: Category, pdf: bool) -> Demand:
    files = [SimpleUploadedFile("测试申请书.pdf", PDF, content_type="application/pdf")] if pdf else []
    demand = demand_services.demand_submit(
        actor=cast.ent_user,
        enterprise=enterprise,
        title=f"{enterprise.name[:3]}诉求：协调新增用地",
        description="测试诉求内容。",
        category=category,
        channel=Channel.ENTERPRISE,
        files=files,
    )
    demand = demand_services.demand_accept(demand=demand, actor=cast.manager, note="测试受理")
    demand_services.task_create(
        demand=demand,
        actor=cast.manager,
        lead_department=department,
        instructions="测试办理要求：十个工作日内答复。",
        working_days=10,
    )
    demand.refresh_from_db()
    return demand


def _meeting(
    cast: _Cast, chain: Chain, region: Region, enterprise: Enterprise, dept: Department, today: dt.date
) -> tuple[Meeting, Decision, UpwardRequest]:
    meeting = audited_create(
        model=Meeting,
        actor=FIXTURES,
        chain=chain,
        title=f"{chain.name}测试例会",
        kind=MeetingKind.REGULAR,
        held_on=today - dt.timedelta(days=3),
        region=region,
        location=region.name,
        leader=cast.chief,
        summary="测试会议纪要。",
        attendees=[cast.chief, cast.manager, cast.liaison],
    )
    decision = meeting_services.decision_add(
        actor=cast.manager,
        meeting=meeting,
        content="测试议定事项：协调企业用地。",
        enterprise=enterprise,
        departments=[dept],
        working_days=10,
    )
    upward = upward_services.upward_create(
        actor=cast.manager,
        title=f"{chain.name}测试上争事项",
        kind=UpwardKind.FUNDS,
        level=UpwardLevel.PROVINCE,
        department=dept,
        chain=chain,
        region=region,
        counterpart="省工业和信息化厅",
        amount_sought=Decimal("500.00"),
        description="测试：争取省级专项资金。",
        enterprises=[enterprise],
    )
    return meeting, decision, upward


def _side(cast: _Cast, chain: Chain, region: Region, dept: Department, world: dict[str, Any], pdf: bool) -> Side:
    today: dt.date = world["today"]
    node = chain_services.node_add(chain=chain, parent=None, name=f"{chain.name}环节", actor=cast.chief)
    enterprise = _enterprise(cast, chain, node, region, f"{chain.name[:3]}企业有限公司")
    audited_create(model=EnterpriseAccount, actor=FIXTURES, user=cast.ent_user, enterprise=enterprise)
    contact, assignment, visit = _service(cast, enterprise, today, photo=pdf)
    pipeline = _pipeline(cast, chain, node, enterprise, today)
    cooperation = network_services.cooperation_create(
        actor=cast.liaison,
        enterprise=enterprise,
        partner=world["partner"],
        subject=f"{chain.name}测试合作",
        started_on=today - dt.timedelta(days=100),
        status=CooperationStatus.ACTIVE,
    )
    demand = _demand(cast, enterprise, dept, world["category"], pdf)
    meeting, decision, upward = _meeting(cast, chain, region, enterprise, dept, today)
    task = demand.tasks.get()
    return Side(
        chain=chain,
        node=node,
        region=region,
        department=dept,
        enterprise=enterprise,
        contact=contact,
        assignment=assignment,
        visit=visit,
        next_step=visit.next_steps.get(),
        project=pipeline["project"],
        lead=pipeline["lead"],
        talent=pipeline["talent"],
        cooperation=cooperation,
        demand=demand,
        task=task,
        notification=Notification.objects.get(recipient=cast.handler, dedupe_key__startswith=f"task:{task.pk}:"),
        meeting=meeting,
        decision=decision,
        upward=upward,
        attachment=demand.attachments.first(),
        visit_photo=visit.photos.first(),
    )


def meeting_files(personas: Personas) -> None:
    """Our meeting's site visit with a photo, an attachment, and a meeting briefing with one finished version (its
    files written here: generating one would start LibreOffice) and a 红头 template, set on `personas.ours`. Not
    part of `build()`, so that the meetings and reports tests start from none; the route matrix adds them."""
    side, manager = personas.ours, personas.member
    meeting = side.meeting
    stop = services_meetings.site_visit_add(
        actor=manager,
        meeting=meeting,
        data=services_meetings.SiteVisitInput(side.enterprise, None, "", "测试观摩情况。"),
        photos=[SimpleUploadedFile("现场.png", PNG, content_type="image/png")],
    )
    side.site_visit, side.site_visit_photo = stop, stop.photos.first()
    side.meeting_attachment = services_meetings.attachments_add(
        actor=manager, meeting=meeting, files=[SimpleUploadedFile("会议通知.pdf", PDF, "application/pdf")]
    )[0]
    side.briefing = report_services.briefing_create(
        actor=manager, chain=meeting.chain, kind=BriefingKind.MEETING, meeting=meeting
    )
    side.briefing_version = BriefingVersion.objects.create(
        briefing=side.briefing,
        n=1,
        status=VersionStatus.DONE,
        progress=100,
        docx=ContentFile(b"PK\x03\x04 test", name="briefing.docx"),
        xlsx=ContentFile(b"PK\x03\x04 test", name="briefing.xlsx"),
        created_by=manager,
    )
    side.briefing_template = BriefingTemplate.objects.create(
        chain=meeting.chain,
        name="测试红头模板",
        file=ContentFile(b"PK\x03\x04 test", name="template.docx"),
        original_name="template.docx",
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        size=12,
        uploaded_by=manager,
    )


def meeting_report(personas: Personas) -> Report:
    """A meeting report our chief pasted and has not yet confirmed (a draft naming our enterprise), set on
    `personas.ours`. Not part of `build()`: the ingest tests read their own; the route matrix adds this one."""
    side, chief = personas.ours, personas.chief
    text = f"{side.chain.name}产业链服务团队现场观摩\n11月20日，{chief.display_name}带队走访{side.enterprise.name}。"
    enterprise: dict[str, Any] = {"name": side.enterprise.name, "founded": None, "qualifications": []}
    match = {"how": "name", "pk": side.enterprise.pk, "label": side.enterprise.name, "score": 1.0}
    draft = {
        "meeting": {"date": "11-20", "host": chief.display_name, "chain": side.chain.name, "kind": "考察"},
        "people": [{"name": chief.display_name, "title": "市长"}],
        "enterprises": [enterprise | {"match": match}],
        "evidence": {"m": 1, "e0": 1},
    }
    side.report = audited_create(
        model=Report,
        actor=chief,
        original=text,
        text=text,
        digest=hashlib.sha256(text.encode()).hexdigest(),
        title=text.split("\n", 1)[0],
        draft=draft,
        created_by=chief,
        created_at=core_clock.now(),
    )
    return side.report


def _advance_ours(side: Side, chief: User, today: dt.date) -> None:
    """Our project is signed and reports investment, so its panels show figures; it has a production line."""
    project_services.project_transition(
        project=side.project, to_stage=ProjectStage.SIGNED, on=today - dt.timedelta(days=30), actor=chief
    )
    side.line = project_services.line_add(project=side.project, actor=chief, name="测试生产线", capacity="100万平方米")
    project_services.plan_set(project=side.project, year=today.year, amount=Decimal("8000.00"), actor=chief)
    project_services.investment_report(
        project=side.project, month=today.replace(day=1), amount=Decimal("600.00"), actor=chief
    )
    side.project.refresh_from_db()


def build(today: dt.date | None = None) -> Personas:
    """Create the personas and their world (call inside a test's transaction; nothing here is idempotent)."""
    today = today or clock.TEST_TODAY
    city, region_a, region_b, dept_a, dept_b = _org()
    u = _people(city, region_a, region_b, dept_a, dept_b)
    ours_chain = _chain("p_ours", "测试甲链", u["chief"], dept_a, region_a, [u["chief"], u["member"]])
    theirs_chain = _chain("p_theirs", "测试乙链", u["x_chief"], dept_b, region_b, [u["x_chief"]])
    world: dict[str, Any] = {
        "today": today,
        "category": Category.objects.order_by("sort_order", "pk").first(),
        "partner": network_services.partner_create(
            actor=u["chief"], name="测试大学", city="北京", kind=PartnerKind.UNIVERSITY, fields="测试材料"
        ),
    }
    ours_cast = _Cast(u["chief"], u["member"], u["liaison"], u["ent_user"], u["handler"])
    theirs_cast = _Cast(u["x_chief"], u["x_chief"], u["x_liaison"], u["x_ent_user"], u["x_handler"])
    ours = _side(ours_cast, ours_chain, region_a, dept_a, world, pdf=True)
    theirs = _side(theirs_cast, theirs_chain, region_b, dept_b, world, pdf=False)
    _advance_ours(ours, u["chief"], today)
    ent2 = _enterprise(ours_cast, ours_chain, ours.node, region_a, "测试甲二号企业有限公司")
    liaison_services.liaison_assign(
        actor=u["member"], enterprise=ent2, liaison=u["liaison"], started_on=today - dt.timedelta(days=200)
    )
    ent2.refresh_from_db()
    return Personas(
        **u,
        city=city,
        ours=ours,
        theirs=theirs,
        ent2=ent2,
        partner=world["partner"],
        category=world["category"],
        today=today,
    )


def build_committed(patch: Any = None) -> Personas:
    """The world of a transactional test, committed as it is built. Such a test starts from what the last one's
    flush left, which also took the demand categories of the data migration: they are put back first. With `patch`
    (a pytest MonkeyPatch), every file field stores in memory."""
    from importlib import import_module

    from django.apps import apps

    from chaindesk.testkit.storage import files_in_memory

    import_module("chaindesk.demands.migrations.0002_categories").create_categories(apps, None)
    if patch is not None:
        files_in_memory(patch)
    return build()


# --- more people and enterprises, for the tests that need one beyond the world (each adds it inside its own test) ---


def add_chair(personas: Personas) -> User:
    """`p_chair` (测试召集人), a second city leader, on 测试甲链's team as its 召集人 (the world has only a chief)."""
    chair = add_user("p_chair", "测试召集人", Role.CITY_LEADER, personas.city)
    join_team(chair, personas.ours.chain, TeamRole.CHAIR)
    return chair


def add_enterprise(personas: Personas, name: str, *, region: Region | None = None) -> Enterprise:
    """One more enterprise on 测试甲链 (at `ours.node`) in `region` (测试甲区 unless told), registered by our chief;
    no liaison serves it."""
    region = region or personas.ours.region
    return enterprise_services.enterprise_create(
        actor=personas.chief,
        name=name,
        uscc=make_uscc(name, region.code),
        region=region,
        nodes=[personas.ours.node],
    )
