"""The demo's projects, leads, talents and partners: the seed report's two projects as it states them, and
generated records covering every stage, source, chain and district, loaded through the services."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from chaindesk.accounts.choices import RegionLevel
from chaindesk.accounts.models import Region, User
from chaindesk.chains.models import Chain
from chaindesk.conftest import DEMO_TODAY
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.demo import city
from chaindesk.demo.projects import BOSHEN, JINMEITE
from chaindesk.leads.choices import OPEN, LeadSource, LeadStage
from chaindesk.leads.models import Lead
from chaindesk.network.models import RdCooperation, RdPartner, Talent
from chaindesk.projects.choices import ACTIVE, FORWARD, STAGE_DATE_FIELD, ProjectKind, ProjectStage
from chaindesk.projects.models import InvestmentReport, Project
from chaindesk.projects.selectors_progress import project_progress

pytestmark = [pytest.mark.django_db, pytest.mark.demo]  # the demo smoke set: checks of the demo city as loaded
# The projects' story hangs off the seed day (the latest 11月24日): its plans and reports are for that year, and it
# is told as of the day after it (the default clock's day; the seed day itself when the demo is loaded on it).
SEED_DAY = city.seed_day_for(DEMO_TODAY)
YEAR = SEED_DAY.year
STORY_DAY = min(DEMO_TODAY, SEED_DAY + dt.timedelta(days=1))
XINGHUA = "321281"


def _timeline(project: Project) -> list[tuple[str, str]]:
    return list(project.stage_changes.order_by("changed_on", "pk").values_list("from_stage", "to_stage"))


def test_boshen_membrane_project_as_the_seed_states_it() -> None:
    p = Project.objects.select_related("enterprise", "node", "chain", "region").get(name=BOSHEN)
    assert p.enterprise.name == "江苏博生医用新材料股份有限公司"
    assert p.planned_investment == Decimal("52000")  # 5.2 亿元
    assert (p.capacity_quantity, p.capacity_unit, p.capacity_period) == (Decimal("3000"), "万平方米", "year")
    assert (p.chain.code, p.node.name, p.region.code) == ("biomed", "医用膜材", XINGHUA)
    assert p.stage == ProjectStage.BUILDING and p.liaison.username == "liming"
    assert p.signed_on < p.started_on < p.building_on <= DEMO_TODAY
    assert _timeline(p) == [("negotiating", "signed"), ("signed", "started"), ("started", "building")]
    ct = ContentType.objects.get_for_model(Project)
    assert AuditLog.objects.filter(action=AuditAction.TRANSITION, content_type=ct, object_id=str(p.pk)).count() == 3
    months = list(p.investment_reports.values_list("month", flat=True))
    assert months == [dt.date(YEAR, m, 1) for m in range(1, 11)]  # January to October
    progress = project_progress(p, year=YEAR, today=STORY_DAY)
    assert progress.plan == Decimal("18000") and progress.done_ytd == Decimal("16400")
    assert progress.rate >= progress.schedule and not progress.behind and not progress.stale  # on schedule


def test_jinmeite_project_with_its_two_lines_behind_schedule() -> None:
    p = Project.objects.select_related("enterprise", "chain", "region").get(name=JINMEITE)
    assert p.enterprise.name == "江苏金扬子包装科技有限公司"
    assert p.planned_investment == Decimal("56000")  # 5.6 亿元
    assert (p.chain.code, p.region.code, p.stage) == ("biomed", XINGHUA, ProjectStage.STARTED)
    assert list(p.lines.values_list("name", "count")) == [("全自动腹透引流袋生产线", 1), ("预充式导管冲洗器生产线", 1)]
    assert p.signed_on < p.started_on <= DEMO_TODAY and p.building_on is None
    assert p.investment_reports.count() == 10
    progress = project_progress(p, year=YEAR, today=STORY_DAY)
    assert progress.plan == Decimal("20000") and progress.done_ytd == Decimal("10000")
    assert progress.behind and progress.rate < progress.schedule and not progress.stale


def test_generated_projects_cover_every_stage_chain_district_and_kind() -> None:
    projects = list(Project.objects.select_related("enterprise", "follow_on_of", "region"))
    assert len(projects) >= 30
    assert {p.stage for p in projects} == set(ProjectStage.values)
    assert {p.kind for p in projects} == set(ProjectKind.values)
    assert {p.chain_id for p in projects} == set(Chain.objects.values_list("pk", flat=True))
    districts = set(Region.objects.filter(level=RegionLevel.DISTRICT).values_list("pk", flat=True))
    assert {p.region_id for p in projects} == districts
    assert {p.level for p in projects} >= {"provincial", "city", "county", "general"}
    for p in projects:
        assert p.status_reason if p.stage in (ProjectStage.PAUSED, ProjectStage.TERMINATED) else not p.status_reason
        if p.stage in FORWARD:
            reached = FORWARD.index(p.stage)
            dates = [getattr(p, STAGE_DATE_FIELD[s]) for s in FORWARD[1:]]
            assert all(dates[:reached]) and not any(dates[reached:]), p
            assert [to for _, to in _timeline(p)] == list(FORWARD[1 : reached + 1])
        if p.follow_on_of:
            assert p.kind == ProjectKind.EXPANSION and p.follow_on_of.enterprise_id == p.enterprise_id
    assert any(p.investor_name and p.enterprise_id is None for p in projects)
    credited = [p for p in projects if p.credited_enterprise_id]
    assert any(p.credited_enterprise.name.startswith("江苏博生") for p in credited)  # 以商引商
    assert any(p.credited_talent_id for p in projects)
    paused = next(p for p in projects if p.stage == ProjectStage.PAUSED)
    assert paused.paused_stage in FORWARD and _timeline(paused)[-1][1] == ProjectStage.PAUSED


def test_some_projects_are_stalled_and_some_behind_and_liming_follows_some_in_xinghua() -> None:
    stale_before = STORY_DAY - dt.timedelta(days=30)
    active = Project.objects.filter(stage__in=ACTIVE)
    assert active.filter(last_progress_on__lt=stale_before).count() >= 2
    assert active.filter(last_progress_on__gte=stale_before).count() > 10
    behind = [p for p in active if project_progress(p, year=YEAR, today=STORY_DAY).behind]
    assert 3 <= len(behind) < active.count() // 2
    liming = User.objects.get(username="liming")
    followed = Project.objects.filter(liaison=liming)
    assert followed.count() >= 4 and set(followed.values_list("region__code", flat=True)) == {XINGHUA}
    assert not InvestmentReport.objects.filter(month__gt=DEMO_TODAY.replace(day=1)).exists()
    assert not InvestmentReport.objects.filter(project__stage=ProjectStage.NEGOTIATING).exists()


def test_leads_at_every_stage_from_every_source() -> None:
    leads = list(Lead.objects.select_related("referrer", "project", "owner"))
    assert len(leads) >= 15
    assert {lead.stage for lead in leads} == set(LeadStage.values)
    assert {lead.source for lead in leads} >= set(LeadSource.values)
    referrals = [lead for lead in leads if lead.source == LeadSource.REFERRAL]
    assert any(lead.referrer.name.startswith("江苏博生") for lead in referrals)
    assert any(lead.source == LeadSource.REMOTE and lead.source_city == "上海" for lead in leads)
    signed = [lead for lead in leads if lead.stage == LeadStage.SIGNED]
    assert len(signed) == 1 and signed[0].project is not None
    project = signed[0].project
    assert project.kind == ProjectKind.SUPPORTING and project.credited_enterprise_id == signed[0].referrer_id
    abandoned = [lead for lead in leads if lead.stage == LeadStage.ABANDONED]
    assert len(abandoned) == 1 and abandoned[0].abandon_reason
    open_ = [lead for lead in leads if lead.stage in OPEN and lead.next_action_on]
    assert any(lead.next_action_on < STORY_DAY for lead in open_)  # overdue
    assert any(lead.next_action_on >= STORY_DAY for lead in open_)
    assert sum(1 for lead in leads if lead.owner.username == "liming") >= 4
    assert all(lead.follow_ups.exists() for lead in leads if lead.stage not in (LeadStage.NEW,))


def test_talents_partners_and_cooperations() -> None:
    talents = Talent.objects.all()
    assert talents.count() >= 8
    assert {"上海", "北京", "深圳", "苏州", "南京"} <= set(talents.values_list("city", flat=True))
    assert talents.filter(keeper__username="liming").exists()
    assert talents.exclude(last_contact_on=None).count() >= 5
    names = set(RdPartner.objects.values_list("name", flat=True))
    assert {"中国药科大学", "上海医药工业研究院", "复旦大学", "北京化工大学"} <= names
    cooperations = RdCooperation.objects.all()
    assert cooperations.values("enterprise").distinct().count() >= 5
    assert cooperations.filter(enterprise__name="江苏博生医用新材料股份有限公司").count() >= 2


def test_a_city_without_generated_enterprises_still_gets_the_seed_projects() -> None:
    """Loading with fewer enterprises skips the projects of the missing ones; loading again adds nothing."""
    before = Project.objects.count()
    loaded = city.load(enterprises=0, today=DEMO_TODAY)
    assert loaded.created == {} and Project.objects.count() == before
