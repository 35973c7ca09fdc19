"""Synthetic projects, leads and network rows at tiny scale: exact counts and the invariants the pages rely on."""

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

import pytest
from django.db.models import Max

from chaindesk.conftest import DEMO_TODAY
from chaindesk.demo import city
from chaindesk.leads.choices import OPEN, LeadSource, LeadStage
from chaindesk.leads.models import Lead, LeadFollowUp
from chaindesk.network.models import RdCooperation, RdPartner, Talent, TalentContact
from chaindesk.projects.choices import ACTIVE, FORWARD, STAGE_DATE_FIELD, ProjectKind, ProjectStage
from chaindesk.projects.models import InvestmentPlan, InvestmentReport, ProductionLine, Project, StageChange
from chaindesk.synth.tests.tiny import TINY, tiny_city

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: depends on today, CI runs it under other clocks too
DATE_FIELDS = [STAGE_DATE_FIELD[s] for s in FORWARD[1:]]


def _first(model: type) -> int:
    return (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1


@pytest.fixture(scope="module")
def generated(module_data: Any) -> dict[str, object]:
    report, firsts = tiny_city(module_data, seed=11, before=_demo_then_firsts)
    return {"report": report.counts, **firsts}


def _demo_then_firsts() -> dict[str, int]:
    # The demo city the synthetic city builds on, as generate() loads it first (it has projects, leads and talents
    # of its own): the rows after `firsts` are then only the generators', with or without the session's demo.
    city.load(enterprises=0, today=DEMO_TODAY)
    return {m.__name__: _first(m) for m in (Project, Lead, Talent, RdPartner, RdCooperation)}


def _reached(project: Project) -> int:
    """How many forward stages after 在谈 the project reached (its key dates)."""
    if project.stage in FORWARD:
        return FORWARD.index(project.stage)
    if project.stage == ProjectStage.PAUSED:
        return FORWARD.index(project.paused_stage)
    return len([f for f in DATE_FIELDS if getattr(project, f)])


def test_projects_at_every_stage_with_consistent_key_dates(generated: dict) -> None:
    counts = generated["report"]
    projects = list(Project.objects.filter(pk__gte=generated["Project"]))
    assert len(projects) == counts["projects"] == TINY.projects
    assert {p.stage for p in projects} == set(ProjectStage.values)
    assert {p.kind for p in projects} == set(ProjectKind.values)
    for p in projects:
        reached = _reached(p)
        dates = [getattr(p, f) for f in DATE_FIELDS]
        assert all(dates[:reached]) and not any(dates[reached:]), (p.stage, dates)
        assert dates[:reached] == sorted(dates[:reached])
        assert all(d <= DEMO_TODAY for d in dates[:reached])
        assert (p.paused_stage != "") == (p.stage == ProjectStage.PAUSED)
        assert bool(p.status_reason) == (p.stage in (ProjectStage.PAUSED, ProjectStage.TERMINATED))
        assert p.enterprise_id or p.investor_name
        assert p.node.chain_id == p.chain_id
        if reached or p.stage != ProjectStage.NEGOTIATING:
            assert p.stage_changed_on is not None
        if p.last_progress_on and p.stage_changed_on:
            assert p.last_progress_on >= p.stage_changed_on
        if p.follow_on_of_id:
            assert p.kind == ProjectKind.EXPANSION and p.follow_on_of_id < p.pk
            assert p.follow_on_of.enterprise_id == p.enterprise_id is not None
    stale = [p for p in projects if p.stage in ACTIVE and p.last_progress_on < DEMO_TODAY - dt.timedelta(days=30)]
    assert stale, "some active projects have had no update for 30 days"


def test_stage_changes_replay_to_the_current_stage(generated: dict) -> None:
    projects = Project.objects.filter(pk__gte=generated["Project"])
    changes = StageChange.objects.filter(project__in=projects).order_by("project", "changed_on", "pk")
    assert changes.count() == generated["report"]["stage_changes"]
    by_project = defaultdict(list)
    for c in changes:
        by_project[c.project_id].append(c)
    for p in projects:
        stage: str = ProjectStage.NEGOTIATING
        for c in by_project[p.pk]:
            assert c.from_stage == stage
            stage = c.to_stage
        assert stage == p.stage
        if by_project[p.pk]:
            assert by_project[p.pk][-1].changed_on == p.stage_changed_on


def test_plans_and_monthly_reports(generated: dict) -> None:
    counts = generated["report"]
    projects = {p.pk: p for p in Project.objects.filter(pk__gte=generated["Project"])}
    reports = InvestmentReport.objects.filter(project_id__in=projects)
    assert reports.count() == counts["investment_reports"] > 8 * TINY.projects
    plans = set(InvestmentPlan.objects.filter(project_id__in=projects).values_list("project_id", "year"))
    assert len(plans) == counts["investment_plans"]
    this_month = DEMO_TODAY.replace(day=1)
    for project_id, month, amount in reports.values_list("project_id", "month", "amount"):
        p = projects[project_id]
        assert month.day == 1 and month <= this_month and amount >= 0
        assert p.signed_on is not None and month >= p.signed_on.replace(day=1)
        assert (project_id, month.year) in plans
    reported = set(reports.values_list("project_id", flat=True))
    assert not any(projects[pk].stage == ProjectStage.NEGOTIATING for pk in reported)
    latest = dict(reports.values("project").annotate(m=Max("reported_at")).values_list("project", "m"))
    for pk, stamp in latest.items():
        assert projects[pk].last_progress_on >= stamp.date()
    assert ProductionLine.objects.filter(project_id__in=projects).count() == counts["production_lines"] > 0


def test_leads_at_every_stage_from_every_source(generated: dict) -> None:
    counts = generated["report"]
    leads = list(Lead.objects.filter(pk__gte=generated["Lead"]).select_related("project"))
    assert len(leads) == counts["leads"] == TINY.leads
    assert {lead.stage for lead in leads} == set(LeadStage.values)
    assert {lead.source for lead in leads} == set(LeadSource.values)
    signed = [lead for lead in leads if lead.stage == LeadStage.SIGNED]
    assert all(lead.project is not None and lead.project.chain_id == lead.chain_id for lead in signed)
    assert len({lead.project_id for lead in signed}) == len(signed)
    assert all(lead.project_id is None for lead in leads if lead.stage != LeadStage.SIGNED)
    assert all(lead.abandon_reason for lead in leads if lead.stage == LeadStage.ABANDONED)
    assert all(lead.referrer_id for lead in leads if lead.source == LeadSource.REFERRAL)
    assert all(lead.talent_id for lead in leads if lead.source == LeadSource.TALENT)
    assert all(lead.rd_partner_id for lead in leads if lead.source == LeadSource.RD)
    assert all(lead.source_city for lead in leads if lead.source == LeadSource.REMOTE)
    follow_ups = LeadFollowUp.objects.filter(lead__in=[lead.pk for lead in leads])
    assert follow_ups.count() == counts["lead_follow_ups"]
    latest = dict(follow_ups.values("lead").annotate(m=Max("followed_on")).values_list("lead", "m"))
    due: Counter[str] = Counter()
    for lead in leads:
        assert lead.last_follow_up_on == latest.get(lead.pk)
        if lead.stage in OPEN and lead.last_follow_up_on:
            assert lead.next_action and lead.next_action_on > lead.last_follow_up_on
            due["overdue" if lead.next_action_on < DEMO_TODAY else "upcoming"] += 1
        elif lead.stage not in OPEN:
            assert lead.next_action_on is None
    assert due["overdue"] and due["upcoming"]
    assert not follow_ups.filter(followed_on__gt=DEMO_TODAY).exists()


def test_talents_partners_and_cooperations(generated: dict) -> None:
    counts = generated["report"]
    talents = Talent.objects.filter(pk__gte=generated["Talent"])
    assert talents.count() == counts["talents"] == TINY.talents
    contacts = TalentContact.objects.filter(talent__in=talents)
    assert contacts.count() == counts["talent_contacts"] > 0
    latest = dict(contacts.values("talent").annotate(m=Max("contacted_on")).values_list("talent", "m"))
    assert dict(talents.values_list("pk", "last_contact_on")) == {pk: latest.get(pk) for pk in latest} | {
        pk: None for pk in talents.values_list("pk", flat=True) if pk not in latest
    }
    assert not talents.filter(chains=None).exists()
    partners = RdPartner.objects.filter(pk__gte=generated["RdPartner"])
    assert partners.count() == counts["rd_partners"] == TINY.partners
    cooperations = RdCooperation.objects.filter(pk__gte=generated["RdCooperation"])
    assert cooperations.count() == counts["rd_cooperations"] > 0
    for c in cooperations:
        assert c.ended_on is None or c.started_on <= c.ended_on <= DEMO_TODAY
