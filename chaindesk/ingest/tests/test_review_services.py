"""Confirming a reviewed report (issue 15, item 3): every record through its app's service, in the confirming
user's scope, audited; all or nothing; a second confirmation creates nothing; the meeting keeps its report and
each record links back to it."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chaindesk.core.actors import FIXTURES
from chaindesk.core.exceptions import InvalidTransition
from chaindesk.core.models import AuditLog
from chaindesk.core.services import audited_create
from chaindesk.demands.models import Demand
from chaindesk.enterprises.models import Enterprise, Qualification
from chaindesk.ingest import services
from chaindesk.ingest.models import RecordAction, RecordKind, Report, ReportRecord, ReportStatus
from chaindesk.ingest.services import (
    CooperationPlan,
    DecisionPlan,
    DemandPlan,
    EnterprisePlan,
    ProjectPlan,
    Review,
    TalentPlan,
    UpwardPlan,
)
from chaindesk.ingest.sources import ReportError
from chaindesk.meetings.models import Decision, Meeting, SiteVisit
from chaindesk.meetings.services_meetings import MeetingFacts
from chaindesk.network.models import RdCooperation, RdPartner, Talent
from chaindesk.projects.models import Project
from chaindesk.testkit.personas import Personas, make_uscc
from chaindesk.upward.models import UpwardRequest

pytestmark = pytest.mark.django_db
SEED = (Path(__file__).parent / "data" / "seed.txt").read_text(encoding="utf-8")


def _report(p: Personas) -> Report:
    return services.report_read(actor=p.chief, data=SEED, file_name="seed.txt")


def _review(p: Personas, **changes: object) -> Review:
    ours = p.ours
    held_on = p.today - dt.timedelta(days=10)
    new_firm = EnterprisePlan(
        ref="e1",
        name="测试新来材料科技有限公司",
        uscc=make_uscc("ingest-new-firm", ours.region.code),
        region=ours.region,
        node=ours.node,
        founded_on=dt.date(2019, 5, 1),
        qualifications=("国家高新技术企业",),
        source="测试新来材料科技有限公司成立于2019年5月。",
    )
    values: dict[str, object] = {
        "meeting": MeetingFacts(chain=ours.chain, held_on=held_on, leader=p.chief, kind="site_visit", title="测试观摩"),
        "enterprises": (EnterprisePlan(ref="e0", name=ours.enterprise.name, record=ours.enterprise), new_firm),
        "projects": (
            ProjectPlan(
                ref="p0",
                name="高纯试剂项目",
                owner="e1",
                investment=Decimal("25000"),
                capacity_quantity=Decimal("500"),
                capacity_unit="吨",
                lines=(("试剂灌装生产线", 2),),
                source="新上年产500吨高纯试剂项目。",
            ),
            ProjectPlan(ref="p1", name=ours.project.name, owner="e0", record=ours.project),
        ),
        "demands": (
            DemandPlan(
                ref="d0",
                enterprise="e1",
                title="用地指标紧张",
                description="企业反映用地指标紧张",
                category=p.category,
                department=ours.department,
            ),
        ),
        "decisions": (DecisionPlan(ref="c0", content="测试甲局牵头协调用地", department=ours.department, due=None),),
        "upward": (
            UpwardPlan(
                ref="u0",
                title="争取省级专项资金",
                counterpart="省工信厅",
                level="province",
                kind="funds",
                department=ours.department,
            ),
        ),
        "talents": (TalentPlan(ref="t0", name="王在外", organisation="上海某研究院", city="上海"),),
        "cooperations": (
            CooperationPlan(ref="r0", enterprise="e1", partner="测试理工大学", city="南京", subject="联合研发"),
        ),
    }
    values.update(changes)
    return Review(**values)  # type: ignore[arg-type]


def _counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Meeting, Project, Enterprise, Demand))


def test_reading_keeps_a_draft_and_writes_nothing_else(personas: Personas) -> None:
    p = personas
    counts = (Meeting.objects.count(), Enterprise.objects.count(), Project.objects.count())
    report = _report(p)
    assert report.status == ReportStatus.DRAFT and report.created_by == p.chief
    assert report.title == "生物医药产业链服务团队工作例会召开"
    assert [e["name"] for e in report.draft["enterprises"]][0] == "江苏博生医用新材料股份有限公司"
    assert "e0" in report.draft["evidence"] and "p1" in report.draft["evidence"]
    assert (Meeting.objects.count(), Enterprise.objects.count(), Project.objects.count()) == counts
    assert AuditLog.objects.filter(object_id=str(report.pk), action="create").exists()


def test_only_a_chain_team_reads_reports_and_bad_input_writes_nothing(personas: Personas) -> None:
    p = personas
    with pytest.raises(PermissionDenied):
        services.report_read(actor=p.liaison, data=SEED)
    before = Report.objects.count()
    for data in ("", "今天天气很好。"):
        with pytest.raises(ReportError):
            services.report_read(actor=p.chief, data=data)
    assert Report.objects.count() == before


def test_confirming_creates_each_record_once_through_the_services_with_audit(personas: Personas) -> None:
    p = personas
    if not Qualification.objects.filter(name="国家高新技术企业").exists():  # the demo city's; not in the personas'
        audited_create(model=Qualification, actor=FIXTURES, code="p_gaoxin", name="国家高新技术企业")
    report = _report(p)
    meeting = services.report_confirm(actor=p.chief, report=report, review=_review(p))
    report.refresh_from_db()
    assert (report.status, report.meeting, report.confirmed_by) == (ReportStatus.CONFIRMED, meeting, p.chief)
    assert meeting.source_report == report and meeting.summary.startswith("生物医药产业链服务团队工作例会召开")
    firm = Enterprise.objects.get(name="测试新来材料科技有限公司")
    assert firm.founded_on == dt.date(2019, 5, 1) and [q.name for q in firm.qualifications.all()] == [
        "国家高新技术企业"
    ]
    project = Project.objects.get(name="高纯试剂项目")
    assert (project.enterprise, project.chain, project.planned_investment) == (firm, p.ours.chain, Decimal("25000"))
    assert (project.capacity_quantity, project.capacity_unit) == (Decimal("500"), "吨")
    assert [(line.name, line.count) for line in project.lines.all()] == [("试剂灌装生产线", 2)]
    stops = list(SiteVisit.objects.filter(meeting=meeting).order_by("seq"))
    assert [(s.enterprise_id, s.project_id) for s in stops] == [
        (p.ours.enterprise.pk, p.ours.project.pk),
        (firm.pk, project.pk),
    ]
    assert stops[1].notes == "新上年产500吨高纯试剂项目。"
    demand = Demand.objects.get(enterprise=firm)
    assert demand.title == "用地指标紧张" and p.ours.department.name in demand.description
    assert Decision.objects.get(meeting=meeting).content == "测试甲局牵头协调用地"
    assert UpwardRequest.objects.get(title="争取省级专项资金").counterpart == "省工信厅"
    assert Talent.objects.get(name="王在外").keeper == p.chief
    partner = RdPartner.objects.get(name="测试理工大学")
    assert RdCooperation.objects.get(partner=partner).enterprise == firm
    kinds = {(r.kind, r.action) for r in ReportRecord.objects.filter(report=report)}
    assert (RecordKind.ENTERPRISE, RecordAction.LINKED) in kinds and (
        RecordKind.ENTERPRISE,
        RecordAction.CREATED,
    ) in kinds
    assert {k for k, _a in kinds} == set(RecordKind.values)
    for obj in (meeting, firm, project, demand, partner):
        assert AuditLog.objects.filter(object_id=str(obj.pk), action="create", actor=p.chief).exists(), obj
    assert services.report_of(RecordKind.PROJECT, project.pk, p.chief) == report


def test_a_second_confirmation_creates_nothing(personas: Personas) -> None:
    p = personas
    report = _report(p)
    services.report_confirm(actor=p.chief, report=report, review=_review(p))
    counts = _counts()
    stale = Report.objects.get(pk=report.pk)
    stale.status = ReportStatus.DRAFT  # the page as it was before the first confirmation
    with pytest.raises(InvalidTransition):
        services.report_confirm(actor=p.chief, report=stale, review=_review(p))
    again = _report(p)  # the same report pasted once more
    with pytest.raises(ValidationError, match="不再重复录入"):
        services.report_confirm(actor=p.chief, report=again, review=_review(p))
    assert (
        Meeting.objects.count(),
        Project.objects.count(),
        Enterprise.objects.count(),
        Demand.objects.count(),
    ) == counts
    assert Report.objects.get(pk=again.pk).status == ReportStatus.DRAFT


def test_a_refused_item_rolls_everything_back_and_names_its_field(personas: Personas) -> None:
    p = personas
    report = _report(p)
    bad = _review(p)
    firm = bad.enterprises[1]
    broken = Review(
        **{**bad.__dict__, "enterprises": (bad.enterprises[0], EnterprisePlan(**{**firm.__dict__, "uscc": "123"}))}
    )
    counts = (Meeting.objects.count(), Project.objects.count(), AuditLog.objects.count())
    with pytest.raises(ValidationError) as raised:
        services.report_confirm(actor=p.chief, report=report, review=broken)
    assert list(raised.value.message_dict) == ["e1_uscc"]
    assert raised.value.message_dict["e1_uscc"][0].startswith("企业“测试新来材料科技有限公司”：")
    assert (Meeting.objects.count(), Project.objects.count(), AuditLog.objects.count()) == counts
    assert Report.objects.get(pk=report.pk).status == ReportStatus.DRAFT


def test_a_dropped_owner_and_a_chain_outside_scope_are_refused(personas: Personas) -> None:
    p = personas
    report = _report(p)
    review = _review(p)
    only_ours = Review(**{**review.__dict__, "enterprises": review.enterprises[:1]})
    with pytest.raises(ValidationError) as raised:
        services.report_confirm(actor=p.chief, report=report, review=only_ours)
    assert "p0_owner" in raised.value.message_dict
    theirs = MeetingFacts(chain=p.theirs.chain, held_on=p.today, leader=p.chief)
    with pytest.raises(ValidationError) as raised:
        services.report_confirm(actor=p.chief, report=report, review=Review(meeting=theirs))
    assert "m_name" in raised.value.message_dict and "无权" in raised.value.message_dict["m_name"][0]
    with pytest.raises(PermissionDenied):
        services.report_confirm(actor=p.member, report=report, review=Review(meeting=review.meeting))


def test_a_linked_record_is_completed_never_overwritten(personas: Personas) -> None:
    p = personas
    project = p.ours.project
    planned = project.planned_investment
    report = _report(p)
    plan = ProjectPlan(ref="p0", name=project.name, owner="e0", record=project, investment=Decimal("1"))
    review = _review(p, enterprises=_review(p).enterprises[:1], projects=(plan,), demands=(), cooperations=())
    services.report_confirm(actor=p.chief, report=report, review=review)
    project.refresh_from_db()
    assert project.planned_investment == (planned if planned is not None else Decimal("1"))


def test_discarding_a_draft(personas: Personas) -> None:
    p = personas
    report = _report(p)
    services.report_save(actor=p.chief, report=report, values={"m_title": "改过的标题"})
    assert Report.objects.get(pk=report.pk).review == {"m_title": "改过的标题"}
    services.report_discard(actor=p.chief, report=report)
    assert Report.objects.get(pk=report.pk).status == ReportStatus.DISCARDED
    with pytest.raises(ValidationError):
        services.report_save(actor=p.chief, report=report, values={})
    with pytest.raises(InvalidTransition):
        services.report_confirm(actor=p.chief, report=report, review=_review(p))
