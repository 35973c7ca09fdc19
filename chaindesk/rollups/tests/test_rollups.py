"""The rollups equal the records: after each kind of write, for every reader, and `check-rollups` names any
difference."""

import datetime as dt
from decimal import Decimal as D
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chaindesk.chains.gaps import scale_revenue
from chaindesk.cockpit import selectors as cockpit
from chaindesk.core import clock, listeners
from chaindesk.core.exceptions import InvalidTransition
from chaindesk.enterprises import services as enterprise_services
from chaindesk.leads import services as lead_services
from chaindesk.leads.choices import LeadSource
from chaindesk.projects import services as project_services
from chaindesk.projects.choices import FORWARD, STAGE_DATE_FIELD, ProjectStage
from chaindesk.projects.models import Project
from chaindesk.projects.selectors_progress import investment_summary
from chaindesk.rollups import engine, reads
from chaindesk.rollups.families_projects import BLOCK as PROJECT_BLOCK
from chaindesk.rollups.models import InvestmentMonth, ProjectDay, ProjectStall, ProjectYear, RollupBuilt
from chaindesk.targets.actuals import measure
from chaindesk.targets.choices import Owner
from chaindesk.testkit.personas import IN_SCOPE, OUT_OF_SCOPE, Personas

pytestmark = pytest.mark.django_db
READERS = (*IN_SCOPE, *OUT_OF_SCOPE)
RATES = ("closure_rate", "satisfaction_rate")  # the demands' rates: not rolled up yet


def _new_project(p: Personas, *, theirs: bool = False, amount: str = "1000.00") -> Project:
    side, chief = (p.theirs, p.x_chief) if theirs else (p.ours, p.chief)
    return project_services.project_create(
        actor=chief,
        name=f"汇总测试项目{Project.objects.count() + 1}",
        chain=side.chain,
        region=side.region,
        enterprise=side.enterprise,
        planned_investment=D(amount),
    )


def _move(project: Project, actor: Any, on: dt.date) -> bool:
    """One step forward on `on` (or later, after the project's last date); False at the end of the road."""
    project.refresh_from_db()
    if project.stage not in FORWARD or project.stage == FORWARD[-1]:
        return False
    dates = [getattr(project, f) for f in STAGE_DATE_FIELD.values() if getattr(project, f)]
    on = max([on, *dates, *([project.stage_changed_on] if project.stage_changed_on else [])])
    project_services.project_transition(
        project=project, to_stage=FORWARD[FORWARD.index(project.stage) + 1], on=on, actor=actor
    )
    return True


def _figures(p: Personas) -> dict[str, Any]:
    """Every figure that reads a rollup, for every reader: the cockpit's funnel and investment by month (city page
    and our chain's page) and the targets' measures of both chains and every region."""
    figures: dict[str, Any] = {}
    for key in READERS:
        user = p.user(key)
        for chain in (None, p.ours.chain):
            area = cockpit.Area(user=user, today=p.today, chain=chain)
            funnels = cockpit.funnel_by_chain(area)
            figures[f"{key}/{chain}/funnel"] = {k: (f.counts, f.signed_amount) for k, f in funnels.items()}
            figures[f"{key}/{chain}/investment"] = cockpit.investment_by_month(area)
            figures[f"{key}/{chain}/stalled"] = cockpit.stalled_by_chain(area)
            figures[f"{key}/{chain}/stalled_rows"] = [project.pk for project in cockpit.stalled_rows(area)]
            figures[f"{key}/{chain}/cycle"] = cockpit.cycle_steps(area)
            figures[f"{key}/{chain}/leads"] = cockpit.lead_counts(area)
        for year in (p.today.year - 1, p.today.year):  # each project's done investment (project_years)
            for by in ("chain", "region"):
                figures[f"{key}/{year}/{by}/summary"] = investment_summary(user, year=year, today=p.today, by=by)
    owners = [(Owner.CHAIN, p.ours.chain.pk), (Owner.CHAIN, p.theirs.chain.pk)]
    owners += [(Owner.REGION, pk) for pk in (p.city.pk, p.ours.region.pk, p.theirs.region.pk)]
    for year in (p.today.year - 1, p.today.year):
        targets = [_Target(kind, pk) for kind, pk in owners]
        measured = measure(targets, year=year, today=p.today, kinds=(Owner.CHAIN, Owner.REGION))  # type: ignore[arg-type]
        figures[f"targets/{year}"] = {k: v for k, v in measured.items() if k[2] not in RATES}
    return figures


class _Target:
    """What `measure` reads of a target: its owner and metric (every metric of the kind via `kinds`)."""

    def __init__(self, owner: str, owner_id: int) -> None:
        self.owner, self.owner_id, self.metric = owner, owner_id, "signed"


def _assert_rollups_equal_live(p: Personas) -> None:
    with_rollups = _figures(p)
    with override_settings(CHAINDESK_ROLLUPS=False):
        live = _figures(p)
    assert with_rollups == live
    assert engine.check() == []


def test_the_rollup_is_read_for_chain_teams_and_districts(personas: Personas) -> None:
    for key in ("chief", "member", "district", "x_chief", "x_district"):
        assert reads.visible_rows(personas.user(key), "project_days") is not None, key
    for key in ("liaison", "handler", "ent_user", "sysadmin", "auditor"):
        assert reads.visible_rows(personas.user(key), "project_days") is None, key
    with override_settings(CHAINDESK_ROLLUPS=False):
        assert reads.visible_rows(personas.chief, "project_days") is None


def test_the_world_is_rolled_up(personas: Personas) -> None:
    assert ProjectDay.objects.filter(chain_id=personas.ours.chain.pk, event="signed_on").exists()
    assert InvestmentMonth.objects.filter(chain_id=personas.ours.chain.pk).exists()
    _assert_rollups_equal_live(personas)


def test_each_write_moves_the_rollup(personas: Personas) -> None:
    p = personas
    today = p.today
    project = _new_project(p, amount="2500.50")
    states = {"project_stalls": {project.pk // PROJECT_BLOCK}, "project_cycles": {p.ours.chain.pk}}
    assert engine.pending() == states  # 在谈: no key date yet, only its state (stalled, the cycle in talks)
    _assert_rollups_equal_live(p)
    _move(project, p.chief, today - dt.timedelta(days=3))
    assert engine.pending() == {"project_days": {today - dt.timedelta(days=3)}, **states}
    _assert_rollups_equal_live(p)
    assert engine.pending() == {}
    signed = ProjectDay.objects.get(day=today - dt.timedelta(days=3), event="signed_on", chain_id=p.ours.chain.pk)
    assert signed.amount_cents >= 250050
    # A change of the planned investment moves the signed amount of the signing day.
    project_services.project_update(project=project, actor=p.chief, planned_investment=D("3000.00"))
    _assert_rollups_equal_live(p)
    # Investment reported, then reported again for the same month (replaced).
    month = today.replace(day=1)
    project_services.investment_report(project=project, month=month, amount=D("12.34"), actor=p.chief)
    _assert_rollups_equal_live(p)
    done = ProjectYear.objects.get(project_id=project.pk, year=month.year)
    assert getattr(done, f"m{month.month:02d}") == 1234  # 分
    project_services.investment_report(project=project, month=month, amount=D("7.00"), actor=p.chief)
    _assert_rollups_equal_live(p)
    done = ProjectYear.objects.get(project_id=project.pk, year=month.year)  # a refresh writes its rows anew
    assert getattr(done, f"m{month.month:02d}") == 700
    # The project moves to another district: its key dates and its reports move with it.
    project_services.project_update(project=project, actor=p.chief, region=p.city)
    assert "investment_months" in engine.pending()
    _assert_rollups_equal_live(p)


def test_a_stale_transition_leaves_the_rollup_alone(personas: Personas) -> None:
    project = _new_project(personas)
    assert set(engine.pending()) == {"project_stalls", "project_cycles"}  # the creation's
    engine.flush()
    with pytest.raises(InvalidTransition):
        project_services.project_transition(
            project=project,
            to_stage=ProjectStage.SIGNED,
            on=personas.today,
            actor=personas.chief,
            expected_stage=ProjectStage.SIGNED,
        )
    assert engine.pending() == {}


def test_check_names_every_difference_and_rebuild_repairs(personas: Personas) -> None:
    row = ProjectDay.objects.filter(chain_id=personas.ours.chain.pk).first()
    assert row is not None
    ProjectDay.objects.filter(pk=row.pk).update(projects=row.projects + 5)
    InvestmentMonth.objects.all().delete()
    differences = engine.check()
    assert {d.family for d in differences} == {"project_days", "investment_months"}
    wrong = next(d for d in differences if d.family == "project_days")
    assert wrong.key == {"day": row.day, "event": row.event, "chain_id": row.chain_id, "region_id": row.region_id}
    assert wrong.stored == {"projects": row.projects + 5, "amount_cents": row.amount_cents}
    assert wrong.live == {"projects": row.projects, "amount_cents": row.amount_cents}
    missing = next(d for d in differences if d.family == "investment_months")
    assert missing.stored is None and missing.live is not None
    err = StringIO()
    with pytest.raises(SystemExit) as exit_code:
        call_command("check_rollups", stderr=err)
    assert exit_code.value.code == 1
    assert f"project_days [day={row.day}, event={row.event}" in err.getvalue()
    assert "investment_months [month=" in err.getvalue() and "无此行" in err.getvalue()
    out = StringIO()
    call_command("rollups", "--rebuild", stdout=out)
    assert "project_days:" in out.getvalue()
    assert engine.check() == []
    out = StringIO()
    call_command("check_rollups", stdout=out)
    assert "every rollup equals the records" in out.getvalue()


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("create"), st.booleans(), st.integers(min_value=1, max_value=90_000_00)),
        st.tuples(st.just("move"), st.integers(min_value=0, max_value=20), st.integers(min_value=0, max_value=400)),
        st.tuples(st.just("report"), st.integers(min_value=0, max_value=20), st.integers(min_value=0, max_value=14)),
        st.tuples(st.just("region"), st.integers(min_value=0, max_value=20), st.booleans()),
        st.tuples(st.just("plan"), st.integers(min_value=0, max_value=20), st.integers(min_value=0, max_value=9000)),
        st.tuples(st.just("indicator"), st.integers(min_value=0, max_value=5), st.booleans()),
        st.tuples(st.just("lead"), st.booleans(), st.integers(min_value=0, max_value=20)),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_random_writes_keep_every_reader_s_figures_equal_to_live(personas: Personas, ops: list[Any]) -> None:
    """Random writes through the services (new projects on either side, stage moves on random days of this year
    and last, investment reports of random months, this year's plans, moves between districts, enterprises'
    revenues either side of the size line, leads created and abandoned), then every
    reader's figures with the rollups equal their figures from the records, and `check()` finds nothing."""
    p = personas
    made = list(Project.objects.filter(chain__in=[p.ours.chain, p.theirs.chain]).order_by("pk"))
    enterprises = [p.ours.enterprise, p.theirs.enterprise, p.ent2]
    leads: list[Any] = []
    for op in ops:
        if op[0] == "lead":  # a new lead of a random source, or the last one abandoned (the leads funnel)
            side, chief = (p.theirs, p.x_chief) if op[1] else (p.ours, p.chief)
            if leads and op[2] % 3 == 0:
                lead, creator = leads.pop()
                lead_services.lead_abandon(lead=lead, reason="测试", on=p.today, actor=creator)
            else:
                plain = (LeadSource.EXPO, LeadSource.RD, LeadSource.OTHER)  # the sources that name nobody
                source = plain[op[2] % len(plain)]
                created = lead_services.lead_create(
                    actor=chief, title=f"汇总测试线索{op[2]}", source=source, investor="测试", chain=side.chain
                )
                leads.append((created, chief))
            continue
        if op[0] == "indicator":  # a revenue above or below the size line, this year or last (新增规上)
            enterprise = enterprises[op[1] % 3]
            revenue = scale_revenue() + (D(1) if op[2] else D(-1))
            year = p.today.year - op[1] // 3
            actor = p.chief if enterprise != p.theirs.enterprise else p.x_chief
            enterprise_services.indicator_set(actor=actor, enterprise=enterprise, year=year, revenue=revenue)
            continue
        if op[0] == "create":
            made.append(_new_project(p, theirs=op[1], amount=str(D(op[2]) / 100)))
            continue
        if not made:
            continue
        project = made[op[1] % len(made)]
        actor = p.chief if project.chain_id == p.ours.chain.pk else p.x_chief
        if op[0] == "move":
            _move(project, actor, max(p.today - dt.timedelta(days=op[2]), dt.date(p.today.year - 1, 1, 1)))
        elif op[0] == "report":
            project.refresh_from_db()
            if project.stage in project_services.NO_REPORT_STAGES:
                continue
            month = (p.today.replace(day=1) - dt.timedelta(days=31 * op[2])).replace(day=1)
            project_services.investment_report(project=project, month=month, amount=D(op[2] * 10 + 1), actor=actor)
        elif op[0] == "plan":  # this year's plan: whether the project is behind 序时进度 (project_stalls)
            project_services.plan_set(project=project, year=p.today.year, amount=D(op[2]), actor=actor)
        else:
            side = p.ours if project.chain_id == p.ours.chain.pk else p.theirs
            project_services.project_update(project=project, actor=actor, region=p.city if op[2] else side.region)
    _assert_rollups_equal_live(p)


def test_a_family_not_rebuilt_since_its_table_changed_reads_the_records(monkeypatch: pytest.MonkeyPatch) -> None:
    """A migration that adds or empties a rollup table leaves the family unmarked: the pages read the records until
    `chaindesk rollups --rebuild` fills it and marks it built."""
    monkeypatch.setattr(engine, "_built", set())
    RollupBuilt.objects.filter(name="project_days").delete()
    assert not engine.ready("project_days")
    assert engine.ready("investment_months")  # the others are unaffected
    engine.rebuild(["project_days"])
    assert RollupBuilt.objects.filter(name="project_days").exists() and engine.ready("project_days")


def test_the_stalled_projects_are_read_on_the_day_they_were_computed(personas: Personas) -> None:
    """`project_stalls` holds for one day (序时进度 moves on, updates grow old): read on the day of its rebuild,
    refreshed by the writes of that day; the next day the pages evaluate every project until the nightly rebuild."""
    p = personas
    area = cockpit.Area(user=p.chief, today=clock.today())
    assert cockpit._stalled_rollup(area) is not None
    behind = _new_project(p)
    _move(behind, p.chief, clock.today() - dt.timedelta(days=200))
    project_services.plan_set(project=behind, year=clock.today().year, amount=D("5000"), actor=p.chief)
    assert engine.ready("project_stalls")  # the writes' refresh of its block, flushed
    row = ProjectStall.objects.get(project_id=behind.pk)
    assert row.is_stale and row.chain_id == p.ours.chain.pk  # last updated when it was signed, 200 days ago
    _assert_rollups_equal_live(p)
    with time_machine.travel(clock.now() + dt.timedelta(days=1), tick=False):
        tomorrow = cockpit.Area(user=p.chief, today=clock.today())
        assert not engine.ready("project_stalls") and cockpit._stalled_rollup(tomorrow) is None
        assert engine.ready("project_days")  # the other families hold whatever the day
        engine.rebuild(["project_stalls"])
        assert engine.ready("project_stalls") and cockpit._stalled_rollup(tomorrow) is not None


def test_a_transaction_refreshes_once_on_commit(personas: Personas) -> None:
    """However many writes an atomic block hears (a batch's audit lines), the rollups' refresh is registered to run
    once, after its commit (the test's own transaction never commits: its callbacks stay listed)."""
    project = _new_project(personas)
    with transaction.atomic():
        for _ in range(3):
            listeners.heard(Project, project.pk, project, {"signed_on": None}, {"signed_on": "2026-11-20"}, "update")
        here = set(connection.savepoint_ids)
        registered = [e for e in connection.run_on_commit if e[1] is engine.flush and e[0] == here]
    assert len(registered) == 1
    assert engine.check(["project_days"]) == []  # (check refreshes what is pending first)


def test_the_progress_joins_each_project_s_year_instead_of_summing_its_reports(personas: Personas) -> None:
    """With `project_years` built, the investment progress reads one joined row per project; switched off, it sums
    the reports; both give the same figures for a past, the current and a future year."""
    from chaindesk.projects.selectors_schedule import annotate_progress

    today = personas.today
    for year in (today.year - 1, today.year, today.year + 1):
        qs = annotate_progress(Project.objects.order_by("pk"), year=year, today=today)
        if year <= today.year:
            assert "rollups_projectyear" in str(qs.query) and "projects_investmentreport" not in str(qs.query)
        figures = ("pk", "done_ytd", "rate", "is_behind", "is_stale")  # annotations the stubs do not follow
        rolled = list(qs.values_list(*figures))
        with override_settings(CHAINDESK_ROLLUPS=False):
            qs = annotate_progress(Project.objects.order_by("pk"), year=year, today=today)
            assert "rollups_projectyear" not in str(qs.query)
            assert rolled == list(qs.values_list(*figures))
        if year != today.year - 1:  # (the world reports this year only)
            assert any(done for _, done, *_ in rolled) is (year == today.year)


def test_handed_over_partitions_are_written_as_text_and_read_back() -> None:
    for partition in (dt.date(2026, 12, 7), 0, 12345):
        assert engine._decode(engine._encode(partition)) == partition
    with pytest.raises(TypeError):
        engine._encode(("demand", 1))
