"""Annual targets: the services (who sets what, validation that writes nothing, audit), the thresholds, who reads
which targets, and what each target has reached (actuals equal the live counts of the records)."""

from decimal import Decimal as D
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q

from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.demands.choices import DemandStatus, Rating
from chaindesk.demands.models import Demand
from chaindesk.enterprises import services as enterprise_services
from chaindesk.projects import services as project_services
from chaindesk.projects.models import InvestmentReport, Project
from chaindesk.targets import services
from chaindesk.targets.actuals import measure
from chaindesk.targets.choices import Light, Metric, Owner
from chaindesk.targets.models import LightRule, Target
from chaindesk.targets.selectors import behind_list, ledger, settable_owners
from chaindesk.testkit.personas import Personas
from chaindesk.upward import services as upward_services

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: the year is today's, CI runs other clocks too


def _save(personas: Personas, actor: Any, owner: str, obj: Any, **values: Any) -> services.Saved:
    figures = {k: None if v is None else D(str(v)) for k, v in values.items()}
    return services.targets_save(actor=actor, year=personas.today.year, owner=owner, owner_obj=obj, values=figures)


def _audit(action: str, since: int = 0) -> int:
    """Audit lines of targets written after the line `since` (the demo city, also loaded, has targets too)."""
    return AuditLog.objects.filter(content_type__model="target", action=action, pk__gt=since).count()


def _last_line() -> int:
    return AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _world(personas: Personas) -> Any:
    """The targets of the personas' world (the demo city's are left out)."""
    chains = [personas.ours.chain, personas.theirs.chain]
    regions = [personas.city, personas.ours.region, personas.theirs.region]
    departments = [personas.ours.department, personas.theirs.department]
    return Target.objects.filter(Q(chain__in=chains) | Q(region__in=regions) | Q(department__in=departments))


# --- services ------------------------------------------------------------------------------------------


def test_chief_sets_changes_and_removes_a_chain_row(personas: Personas) -> None:
    chain, since = personas.ours.chain, _last_line()
    saved = _save(personas, personas.chief, Owner.CHAIN, chain, signed=12, signed_amount=80000, closure_rate=95)
    assert (saved.created, saved.changed, saved.removed) == (3, 0, 0)
    assert _audit(AuditAction.CREATE, since) == 3
    assert Target.objects.get(chain=chain, metric=Metric.SIGNED).updated_by == personas.chief
    # The same row again writes nothing.
    assert _save(personas, personas.member, Owner.CHAIN, chain, signed=12, closure_rate=95).total == 0
    # A changed figure and an emptied one.
    saved = _save(personas, personas.member, Owner.CHAIN, chain, signed=15, closure_rate=None)
    assert (saved.created, saved.changed, saved.removed) == (0, 1, 1)
    assert _audit(AuditAction.UPDATE, since) == 1 and _audit(AuditAction.DELETE, since) == 1
    assert dict(Target.objects.filter(chain=chain).values_list("metric", "value")) == {
        Metric.SIGNED: D("15"),
        Metric.SIGNED_AMOUNT: D("80000"),
    }


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"signed": -1}, "signed"),
        ({"closure_rate": "100.5"}, "closure_rate"),
        ({"investment": "1.005"}, "investment"),
        ({"signed": 3, "satisfaction_rate": 101}, "satisfaction_rate"),
    ],
)
def test_bad_figures_write_nothing(personas: Personas, values: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _save(personas, personas.chief, Owner.CHAIN, personas.ours.chain, **values)
    assert field in caught.value.message_dict
    assert not Target.objects.filter(chain=personas.ours.chain).exists()


def test_a_metric_the_owner_cannot_have(personas: Personas) -> None:
    with pytest.raises(ValidationError) as caught:
        _save(personas, personas.handler, Owner.DEPARTMENT, personas.ours.department, signed=3, closure_rate=90)
    assert "没有“新签约项目”这项目标" in caught.value.message_dict["signed"][0]
    assert not _world(personas).exists()


def test_year_out_of_range(personas: Personas) -> None:
    with pytest.raises(ValidationError):
        services.targets_save(
            actor=personas.chief, year=1999, owner=Owner.CHAIN, owner_obj=personas.ours.chain, values={"signed": D(1)}
        )


@pytest.mark.parametrize(
    ("who", "owner", "whose", "allowed"),
    [
        ("chief", Owner.CHAIN, "ours.chain", True),
        ("member", Owner.CHAIN, "ours.chain", True),
        ("x_chief", Owner.CHAIN, "ours.chain", False),
        ("district", Owner.CHAIN, "ours.chain", False),
        ("chief", Owner.REGION, "city", True),  # city leaders set the city's and the districts' targets
        ("member", Owner.REGION, "city", False),
        ("district", Owner.REGION, "ours.region", True),
        ("district", Owner.REGION, "theirs.region", False),
        ("district", Owner.REGION, "city", False),  # a district's administrator is below the city
        ("handler", Owner.DEPARTMENT, "ours.department", True),
        ("handler", Owner.DEPARTMENT, "theirs.department", False),
        ("chief", Owner.DEPARTMENT, "theirs.department", True),
        ("liaison", Owner.REGION, "ours.region", False),
        ("sysadmin", Owner.REGION, "city", False),
    ],
)
def test_who_sets_which_targets(personas: Personas, who: str, owner: str, whose: str, allowed: bool) -> None:
    obj: Any = personas
    for part in whose.split("."):
        obj = getattr(obj, part)
    actor = getattr(personas, who)
    if allowed:
        assert _save(personas, actor, owner, obj, upward_obtained=500).created == 1
    else:
        with pytest.raises(PermissionDenied):
            _save(personas, actor, owner, obj, upward_obtained=500)
        assert not _world(personas).exists()


def test_light_rule(personas: Personas) -> None:
    assert LightRule.current().yellow == D("10") and LightRule.current().red == D("30")  # the defaults
    rule = services.light_rule_save(
        actor=personas.chief, yellow=D("5"), red=D("20"), rate_yellow=D("1"), rate_red=D("3")
    )
    assert (LightRule.current().yellow, LightRule.current().red) == (D("5"), D("20"))
    assert AuditLog.objects.filter(content_type__model="lightrule", object_id=str(rule.pk)).exists()
    with pytest.raises(ValidationError) as caught:
        services.light_rule_save(actor=personas.chief, yellow=D("20"), red=D("20"), rate_yellow=D("1"), rate_red=D("3"))
    assert "red" in caught.value.message_dict
    with pytest.raises(PermissionDenied):
        services.light_rule_save(actor=personas.member, yellow=D("5"), red=D("20"), rate_yellow=D("1"), rate_red=D("3"))
    assert LightRule.current().red == D("20")


# --- who reads which targets --------------------------------------------------------------------------


@pytest.fixture
def everywhere(personas: Personas) -> None:
    """A target for every owner of the personas' world."""
    chief = personas.chief
    for owner, obj in [
        (Owner.CHAIN, personas.ours.chain),
        (Owner.REGION, personas.city),
        (Owner.REGION, personas.ours.region),
        (Owner.REGION, personas.theirs.region),
        (Owner.DEPARTMENT, personas.ours.department),
        (Owner.DEPARTMENT, personas.theirs.department),
    ]:
        _save(personas, chief, owner, obj, upward_obtained=100)
    _save(personas, personas.x_chief, Owner.CHAIN, personas.theirs.chain, upward_obtained=100)


def _seen(personas: Personas, user: Any) -> set[str]:
    visible = _world(personas) & Target.objects.visible_to(user)
    return {t.owner_name for t in visible.select_related("chain", "region", "department")}


@pytest.mark.usefixtures("everywhere")
def test_who_reads_which_targets(personas: Personas) -> None:
    regions_and_departments = {"测试市", "测试甲区", "测试乙区", "测试甲局", "测试乙局"}
    assert _seen(personas, personas.chief) == regions_and_departments | {"测试甲链"}
    assert _seen(personas, personas.x_chief) == regions_and_departments | {"测试乙链"}
    assert _seen(personas, personas.district) == {"测试甲区"}
    assert _seen(personas, personas.handler) == {"测试甲局"}
    for nobody in ("liaison", "ent_user", "sysadmin", "auditor"):
        assert _seen(personas, getattr(personas, nobody)) == set(), nobody


def test_settable_owners(personas: Personas) -> None:
    assert [c.name for c in settable_owners(personas.member)[Owner.CHAIN]] == ["测试甲链"]
    assert settable_owners(personas.member)[Owner.REGION] == []
    assert [r.name for r in settable_owners(personas.district)[Owner.REGION]] == ["测试甲区"]
    assert [d.short_name for d in settable_owners(personas.handler)[Owner.DEPARTMENT]] == ["测试甲局"]
    assert personas.city in settable_owners(personas.chief)[Owner.REGION]


# --- what the targets have reached ---------------------------------------------------------------------


def _live(personas: Personas, chain: Any = None, regions: Any = None) -> dict[str, D]:
    """The figures counted straight from the records, the way a person would check them."""
    year = personas.today.year
    projects = Project.objects.all()
    reports = InvestmentReport.objects.filter(month__year=year)
    if chain is not None:
        projects, reports = projects.filter(chain=chain), reports.filter(project__chain=chain)
    if regions is not None:
        projects, reports = projects.filter(region__in=regions), reports.filter(project__region__in=regions)
    signed = [p for p in projects if p.signed_on and p.signed_on.year == year]
    return {
        Metric.SIGNED: D(len(signed)),
        Metric.SIGNED_AMOUNT: sum((p.planned_investment or D(0) for p in signed), D(0)),
        Metric.STARTED: D(sum(1 for p in projects if p.started_on and p.started_on.year == year)),
        Metric.INVESTMENT: sum((r.amount for r in reports), D(0)),
    }


def _measured(personas: Personas, owner: str, obj: Any) -> dict[str, Any]:
    targets = Target.objects.filter(year=personas.today.year, owner=owner, **{owner: obj})
    figures = measure(targets, year=personas.today.year, today=personas.today)
    return {metric: actual for (kind, pk, metric), actual in figures.items() if kind == owner and pk == obj.pk}


def _signed_on_new_year(personas: Personas) -> Project:
    """A project of ours signed on 1 January (the world's own was signed 30 days ago: last year in January)."""
    project = project_services.project_create(
        actor=personas.chief,
        name="测试新年签约项目",
        chain=personas.ours.chain,
        region=personas.ours.region,
        planned_investment=D("12000"),
        enterprise=personas.ours.enterprise,
    )
    new_year = personas.today.replace(month=1, day=1)
    return project_services.project_transition(project=project, to_stage="signed", on=new_year, actor=personas.chief)


AREA_METRICS = {m: 1 for m in ("signed", "signed_amount", "started", "investment", "new_scale", "upward_obtained")}


def test_project_figures_equal_the_live_counts(personas: Personas) -> None:
    _save(personas, personas.chief, Owner.CHAIN, personas.ours.chain, **AREA_METRICS)
    _save(personas, personas.chief, Owner.REGION, personas.city, **AREA_METRICS)
    _save(personas, personas.chief, Owner.REGION, personas.theirs.region, **AREA_METRICS)
    _signed_on_new_year(personas)
    chain = _measured(personas, Owner.CHAIN, personas.ours.chain)
    expected = _live(personas, chain=personas.ours.chain)
    assert expected[Metric.SIGNED] >= 1 and expected[Metric.INVESTMENT] == D("600")  # 600 reported this month
    assert {m: chain[m].value for m in expected} == expected
    # The city adds up its districts (both sides); a district counts its own.
    city = _measured(personas, Owner.REGION, personas.city)
    district_ids = [personas.city.pk, personas.ours.region.pk, personas.theirs.region.pk]
    assert {m: city[m].value for m in expected} == _live(personas, regions=district_ids)
    theirs = _measured(personas, Owner.REGION, personas.theirs.region)
    assert {m: theirs[m].value for m in expected} == _live(personas, regions=[personas.theirs.region.pk])


def test_new_scale_enterprises(personas: Personas) -> None:
    year = personas.today.year
    ours, theirs = personas.ours.enterprise, personas.theirs.enterprise
    # Ours was 规上 last year (12,000 万元): still 规上 this year, so not new.
    enterprise_services.indicator_set(actor=personas.liaison, enterprise=ours, year=year, revenue=D("15000"))
    # Theirs reaches the line this year from 1,800 万元 last year: new, on their chain and in their district.
    enterprise_services.indicator_set(actor=personas.x_liaison, enterprise=theirs, year=year - 1, revenue=D("1800"))
    enterprise_services.indicator_set(actor=personas.x_liaison, enterprise=theirs, year=year, revenue=D("2500"))
    _save(personas, personas.chief, Owner.CHAIN, personas.ours.chain, new_scale=2)
    _save(personas, personas.chief, Owner.REGION, personas.city, new_scale=2)
    assert _measured(personas, Owner.CHAIN, personas.ours.chain)[Metric.NEW_SCALE].value == 0
    assert _measured(personas, Owner.REGION, personas.city)[Metric.NEW_SCALE].value == 1
    # Ours' figure of last year falls below the line: this year it is new too.
    enterprise_services.indicator_set(actor=personas.liaison, enterprise=ours, year=year - 1, revenue=D("1500"))
    assert _measured(personas, Owner.CHAIN, personas.ours.chain)[Metric.NEW_SCALE].value == 1
    assert _measured(personas, Owner.REGION, personas.city)[Metric.NEW_SCALE].value == 2


def test_rates_and_upward(personas: Personas) -> None:
    chain = personas.ours.chain
    _save(personas, personas.chief, Owner.CHAIN, chain, closure_rate=90, satisfaction_rate=95, upward_obtained=800)
    year = personas.today.year
    demands = Demand.objects.enterprise_demands().filter(chain=chain, submitted_at__year=year)
    accepted = demands.filter(accepted_at__isnull=False).count()
    closed = demands.filter(status=DemandStatus.CLOSED).count()
    rated = demands.exclude(rating="").count()
    satisfied = demands.filter(rating__in=[Rating.SATISFIED, Rating.BASICALLY]).count()
    figures = _measured(personas, Owner.CHAIN, chain)
    assert (figures[Metric.CLOSURE_RATE].numerator, figures[Metric.CLOSURE_RATE].denominator) == (closed, accepted)
    assert (figures[Metric.SATISFACTION_RATE].numerator, figures[Metric.SATISFACTION_RATE].denominator) == (
        satisfied,
        rated,
    )
    if not rated:
        assert figures[Metric.SATISFACTION_RATE].value is None  # no rating yet: no rate, no light
    assert figures[Metric.UPWARD_OBTAINED].value == 0
    item = personas.ours.upward
    today = personas.today
    upward_services.upward_advance(item=item, to_stage="applied", on=today, actor=personas.chief)
    upward_services.upward_advance(
        item=item, to_stage="approved", on=today, actor=personas.chief, amount_obtained=D("300")
    )
    assert _measured(personas, Owner.CHAIN, chain)[Metric.UPWARD_OBTAINED].value == D("300")


def test_ledger_lights_and_the_last_stretch(personas: Personas) -> None:
    chain = personas.ours.chain
    year, today = personas.today.year, personas.today
    _signed_on_new_year(personas)
    signed = _live(personas, chain=chain)[Metric.SIGNED]
    # The signed projects make their target (green); 600 万元 of 60,000 is 1% done.
    _save(personas, personas.chief, Owner.CHAIN, chain, signed=signed, investment=60000, satisfaction_rate=90)
    book = ledger(personas.chief, year=year, today=today, owner=Owner.CHAIN)
    row = book.sections[Owner.CHAIN][0]
    assert row.name == "测试甲链" and row.may_set
    assert row.cells[Metric.SIGNED].light == Light.GREEN and row.cells[Metric.SIGNED].done == D("100.0")
    investment = row.cells[Metric.INVESTMENT]
    assert investment.done == D("1.0") and investment.behind == book.elapsed - D("1.0")
    expected = Light.RED if investment.behind > 30 else Light.YELLOW if investment.behind >= 10 else Light.GREEN
    assert investment.light == expected  # red from December's 序时进度 (92%), green in early January
    assert investment.pace is not None and investment.pace.gap == D("59400")
    assert list(row.cells) == [Metric.SIGNED, Metric.INVESTMENT, Metric.SATISFACTION_RATE]  # the ledger's order
    behind = [(r.name, c.metric) for r, c in behind_list(book)]
    assert behind == ([("测试甲链", Metric.INVESTMENT)] if expected != Light.GREEN else [])
    # The district administrator of 测试甲区 does not see the chain's targets; the chain's team member does.
    assert ledger(personas.district, year=year, today=today).is_empty
    assert ledger(personas.member, year=year, today=today).sections[Owner.CHAIN][0].name == "测试甲链"


def test_ledger_query_count_does_not_grow_with_targets(personas: Personas, django_assert_max_num_queries: Any) -> None:
    for owner, obj in [(Owner.REGION, personas.city), (Owner.REGION, personas.ours.region)]:
        _save(personas, personas.chief, owner, obj, **AREA_METRICS, closure_rate=90)
    _save(personas, personas.chief, Owner.CHAIN, personas.ours.chain, **AREA_METRICS, closure_rate=90)
    _save(personas, personas.chief, Owner.DEPARTMENT, personas.ours.department, closure_rate=90, upward_obtained=5)
    # targets 1, rule 1, team chains 1, regions 1; per owner kind: projects, investment, scale, upward, demands.
    with django_assert_max_num_queries(4 + 3 * 5):
        ledger(personas.chief, year=personas.today.year, today=personas.today)


def test_past_and_future_years(personas: Personas) -> None:
    year = personas.today.year
    services.targets_save(
        actor=personas.chief, year=year + 1, owner=Owner.CHAIN, owner_obj=personas.ours.chain, values={"signed": D(5)}
    )
    book = ledger(personas.chief, year=year + 1, today=personas.today)
    assert book.elapsed == 0 and book.sections[Owner.CHAIN][0].cells[Metric.SIGNED].light == Light.GREEN
    last_year = ledger(personas.chief, year=year - 1, today=personas.today, owner=Owner.CHAIN)
    assert last_year.elapsed == 100 and last_year.is_empty and last_year.days_left == 0
