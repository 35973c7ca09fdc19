"""The demo city: idempotent, consistent with the invariants other apps rely on, and true to the seed report."""

import datetime as dt
import time
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db.models import Max

from chaindesk.chains.models import Chain, ChainNode
from chaindesk.conftest import DEMO_TODAY
from chaindesk.core.models import AuditLog
from chaindesk.demo import city, service, trees
from chaindesk.enterprises.models import Contact, Enterprise, Indicator, Qualification
from chaindesk.leads.models import Lead, LeadFollowUp
from chaindesk.liaison.models import LiaisonAssignment, NextStep, Visit, VisitIssue, VisitKind
from chaindesk.network.models import RdCooperation, RdPartner, Talent, TalentContact
from chaindesk.projects.models import InvestmentPlan, InvestmentReport, ProductionLine, Project, StageChange

pytestmark = [pytest.mark.django_db, pytest.mark.demo]  # the demo smoke set: checks of the demo city as loaded
MODELS = [Enterprise, ChainNode, Qualification, Indicator, Contact, LiaisonAssignment, Visit, VisitIssue, NextStep]
MODELS += [Project, StageChange, InvestmentPlan, InvestmentReport, ProductionLine, Lead, LeadFollowUp]
MODELS += [Talent, TalentContact, RdPartner, RdCooperation]
SCALE_LINE = Decimal("2000")


def _counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in [*MODELS, AuditLog]}


def test_loading_again_creates_nothing() -> None:
    before = _counts()
    started = time.perf_counter()
    loaded = city.load(enterprises=40, today=DEMO_TODAY)
    assert loaded.created == {}
    assert _counts() == before
    assert time.perf_counter() - started < 2


def test_qualifications_as_data() -> None:
    got = {q.code: (q.name, q.counts_as_scale) for q in Qualification.objects.all()}
    assert got == {code: (name, scale) for code, name, scale in trees.QUALIFICATIONS}
    assert {c for c, (_, s) in got.items() if s} == {"xjr", "gsgy", "lianzhu", "ssgs"}


def test_trees() -> None:
    biomed = Chain.objects.get(code="biomed")
    packaging = ChainNode.objects.get(chain=biomed, name="药包材")
    assert packaging.parent.name == "上游"
    assert set(packaging.children.values_list("name", flat=True)) == {"医用膜材", "输液包材"}
    devices = ChainNode.objects.get(chain=biomed, name="医疗器械")
    assert set(devices.children.values_list("name", flat=True)) == {"耗材", "设备"}
    for code, tree in trees.TREES.items():
        assert ChainNode.objects.filter(chain__code=code).count() == len(list(trees.walk(tree)))


def test_invariants() -> None:
    for e in Enterprise.objects.prefetch_related("chains", "nodes"):
        assert {n.chain_id for n in e.nodes.all()} <= {c.pk for c in e.chains.all()}, e
        assert e.nodes.exists(), e
        assert all(not n.children.exists() for n in e.nodes.all()), e  # placed on leaves
    for e in Enterprise.objects.all():
        open_ = LiaisonAssignment.objects.filter(enterprise=e, ended_on=None)
        assert open_.count() == (1 if e.liaison_id else 0)
        if e.liaison_id:
            assert open_.get().liaison_id == e.liaison_id
            assert open_.get().leader_id == e.leader_id
    latest = dict(Visit.objects.values("enterprise").annotate(m=Max("visited_on")).values_list("enterprise", "m"))
    for pk, last in Enterprise.objects.values_list("pk", "last_visit_on"):
        assert latest.get(pk) == last
    assert not Visit.objects.filter(visited_on__gt=DEMO_TODAY).exists()


def _scale_ids() -> set[int]:
    quals = set(Enterprise.objects.filter(qualifications__counts_as_scale=True).values_list("pk", flat=True))
    latest = Indicator.objects.filter(year=2025, revenue__gte=SCALE_LINE)
    return quals | set(latest.values_list("enterprise_id", flat=True))


def test_every_rating_present_and_deliberate() -> None:
    scale = _scale_ids()
    firms: dict[int, set[int]] = defaultdict(set)
    for node_id, enterprise_id in Enterprise.nodes.through.objects.values_list("chainnode_id", "enterprise_id"):
        firms[node_id].add(enterprise_id)
    ratings = {}
    for node in ChainNode.objects.filter(children=None).select_related("chain"):
        here = firms[node.pk]
        ratings[(node.chain.code, node.name)] = "missing" if not here else "strong" if here & scale else "weak"
    assert set(ratings.values()) == {"missing", "weak", "strong"}
    for chain, profile in trees.LEAF_PROFILES.items():
        for leaf, rating in profile.items():
            assert ratings[(chain, leaf)] == rating, (chain, leaf)
    assert {r for (c, _), r in ratings.items() if c == "biomed"} == {"missing", "weak", "strong"}
    assert Enterprise.objects.filter(qualifications__code="lianzhu").count() >= 3


def test_indicators_contacts_and_visits() -> None:
    n = Enterprise.objects.count()
    assert Indicator.objects.filter(year__in=service.YEARS).count() == 3 * n
    # Any full year between the demo's last and this one, and this year's figures to date: only the firms bound
    # for the 规上 line, none in January (no month closed yet) (chaindesk/demo/year_to_date.py).
    between = range(service.YEARS[-1] + 1, DEMO_TODAY.year)
    this_year = {DEMO_TODAY.year} if DEMO_TODAY.month > 1 else set()
    assert set(Indicator.objects.values_list("year", flat=True)) == {*service.YEARS, *between, *this_year}
    assert not Enterprise.objects.filter(contacts=None).exists()
    assert all(p.startswith("1385260") and len(p) == 11 for p in Contact.objects.values_list("phone", flat=True))
    stale = DEMO_TODAY - dt.timedelta(days=90)
    assert Enterprise.objects.filter(last_visit_on__lt=stale).count() >= 3
    assert Enterprise.objects.filter(last_visit_on__isnull=True).exists()
    assert Enterprise.objects.filter(last_visit_on__gte=stale).count() > n // 2
    assert set(Visit.objects.values_list("kind", flat=True)) == set(VisitKind.values)
    assert LiaisonAssignment.objects.exclude(ended_on=None).count() >= 3
    steps = NextStep.objects.all()
    assert steps.filter(done_on__isnull=False).exists()
    assert steps.filter(done_on=None, due_on__lt=DEMO_TODAY).exists()  # overdue
    assert AuditLog.objects.filter(object_repr__contains="走访").exists() or AuditLog.objects.count() > 500


def test_seed_facts() -> None:
    boshen = Enterprise.objects.get(name="江苏博生医用新材料股份有限公司")
    jyz = Enterprise.objects.get(name="江苏金扬子包装科技有限公司")
    assert list(boshen.nodes.values_list("name", flat=True)) == ["医用膜材"]
    assert list(jyz.nodes.values_list("name", flat=True)) == ["输液包材"]
    assert boshen.qualifications.filter(code="gxjs").exists()
    assert jyz.qualifications.filter(code="ddbc").exists()
    assert jyz.founded_on == dt.date(1998, 7, 1)
    assert jyz.leader.username == "zhangkun" and boshen.leader.username == "jiangdd"
    seed_day = city.seed_day_for(DEMO_TODAY)  # the latest 11月24日: 2026-11-24 under the default clock
    for e in (boshen, jyz):
        site = Visit.objects.get(enterprise=e, kind=VisitKind.SITE, visited_on=seed_day)
        assert set(site.participants.values_list("username", flat=True)) == {"jiangdd", "zhangkun", "liming"}
        assert site.issues.exists() and site.next_steps.exists()
        # The liaisons' own visits are three days or more before today: loaded within three days of the seed day
        # (the default clock: the day after), the site visit is the latest; later, a routine one may follow it.
        latest = e.visits.aggregate(m=Max("visited_on"))["m"]
        assert e.last_visit_on == latest and latest >= seed_day
        if DEMO_TODAY - seed_day < dt.timedelta(days=3):
            assert latest == seed_day
    issues = " ".join(VisitIssue.objects.filter(visit__enterprise=jyz).values_list("text", flat=True))
    assert "双回路供电" in issues and "环评审批" in issues
