"""The projects services: creation rules, every legal and illegal stage transition, compare-and-set, the
stage rules, production lines, plans and monthly reports — each with its audit line.

On the fixed personas' world (chaindesk/testkit/personas.py): the test project sits on 测试甲链 in 测试甲区, for our
enterprise (served by `p_liaison`, used by `p_ent_user`), registered by `p_chief`; out of scope are the x_ personas
of 测试乙链 and 测试乙区."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from chaindesk.core.exceptions import InvalidTransition
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.projects import services
from chaindesk.projects.choices import FORWARD, STAGE_DATE_FIELD, TRANSITIONS, ProjectStage
from chaindesk.projects.models import InvestmentPlan, InvestmentReport, Project, StageChange
from chaindesk.projects.tests import factories

pytestmark = pytest.mark.clock  # depends on today: CI runs it under other clocks too

D0 = dt.date(2026, 1, 5)


@pytest.fixture
def chief(personas: Any) -> Any:
    return personas.chief


@pytest.fixture
def project(personas: Any) -> Project:
    """A project at 在谈 on 测试甲链 in 测试甲区 for our enterprise, registered by our chief."""
    return factories.project(
        personas,
        "测试医用膜材扩产项目",
        enterprise=personas.ours.enterprise,
        planned_investment=Decimal("52000"),
    )


def _walk_to(project: Project, stage: str, actor: Any) -> Project:
    """Drive a fresh project forward along the path to `stage`, one day apart."""
    day = D0
    if stage in (ProjectStage.PAUSED, ProjectStage.TERMINATED):
        return services.project_transition(project=project, to_stage=stage, on=day, actor=actor, reason="资金未到位")
    for target in FORWARD[1 : FORWARD.index(stage) + 1]:
        day += dt.timedelta(days=7)
        project = services.project_transition(project=project, to_stage=target, on=day, actor=actor)
    return project


def test_create_records_audit_and_starts_at_negotiating(project: Project) -> None:
    assert project.stage == ProjectStage.NEGOTIATING
    assert AuditLog.objects.filter(object_id=str(project.pk), action=AuditAction.CREATE).exists()


def test_create_refuses_node_of_another_chain(chief: Any, personas: Any) -> None:
    other_node = personas.theirs.node  # a node of 测试乙链
    with pytest.raises(ValidationError) as err:
        services.project_create(
            actor=chief,
            name="错链项目",
            chain=personas.ours.chain,
            region=personas.ours.region,
            investor_name="某投资方",
            node=other_node,
        )
    assert "不属于该产业链" in str(err.value)
    assert not Project.objects.filter(name="错链项目").exists()


def test_create_needs_an_owner(chief: Any, personas: Any) -> None:
    with pytest.raises(ValidationError) as err:
        services.project_create(
            actor=chief,
            name="无主项目",
            chain=personas.ours.chain,
            region=personas.ours.region,
        )
    assert "投资方" in str(err.value)
    assert not Project.objects.filter(name="无主项目").exists()


def test_follow_on_must_share_the_owner(chief: Any, project: Project) -> None:
    with pytest.raises(ValidationError):
        services.project_create(
            actor=chief,
            name="他人扩产",
            chain=project.chain,
            region=project.region,
            investor_name="另一投资方",
            follow_on_of=project,
        )
    follow = services.project_create(
        actor=chief,
        name="二期扩产",
        chain=project.chain,
        region=project.region,
        enterprise=project.enterprise,
        kind="expansion",
        follow_on_of=project,
    )
    assert follow.follow_on_of == project


def test_create_out_of_chain_is_refused(personas: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.project_create(
            actor=personas.x_chief,  # chief of 测试乙链, not on 测试甲链's team
            name="越权项目",
            chain=personas.ours.chain,
            region=personas.ours.region,
            investor_name="某投资方",
        )
    assert not Project.objects.filter(name="越权项目").exists()


ALL = [s.value for s in ProjectStage]
PAIRS = [(a, b) for a in ALL for b in ALL if a != b]


@pytest.mark.parametrize(("frm", "to"), PAIRS)
def test_every_transition_legal_or_refused(chief: Any, project: Project, frm: str, to: str) -> None:
    """Each ordered pair of stages: a legal move succeeds with its date, audit and timeline row; an illegal one
    raises ValidationError and changes nothing."""
    if frm == ProjectStage.PAUSED:
        project = _walk_to(project, ProjectStage.STARTED, chief)
        project = services.project_transition(
            project=project, to_stage=ProjectStage.PAUSED, on=dt.date(2026, 3, 1), actor=chief, reason="停工整改"
        )
    else:
        project = _walk_to(project, frm, chief)
    assert project.stage == frm
    legal = to in TRANSITIONS[frm] and (
        frm != ProjectStage.PAUSED or to in (ProjectStage.STARTED, ProjectStage.TERMINATED)
    )
    n_changes = StageChange.objects.filter(project=project).count()
    on = dt.date(2026, 4, 1)
    if legal:
        done = services.project_transition(project=project, to_stage=to, on=on, actor=chief, reason="按计划推进")
        assert done.stage == to
        if to in STAGE_DATE_FIELD and frm != ProjectStage.PAUSED:
            assert getattr(done, STAGE_DATE_FIELD[to]) == on
        assert done.stage_changed_on == on and done.last_progress_on == on
        assert StageChange.objects.filter(project=project).count() == n_changes + 1
        line = AuditLog.objects.filter(object_id=str(project.pk), action=AuditAction.TRANSITION).latest("pk")
        assert line.after["stage"] == to and line.before["stage"] == frm
    else:
        with pytest.raises(ValidationError):
            services.project_transition(project=project, to_stage=to, on=on, actor=chief, reason="越级")
        project.refresh_from_db()
        assert project.stage == frm
        assert StageChange.objects.filter(project=project).count() == n_changes


def test_stale_expected_stage_answers_invalid_transition(chief: Any, project: Project) -> None:
    stale = Project.objects.get(pk=project.pk)
    services.project_transition(project=project, to_stage=ProjectStage.SIGNED, on=D0, actor=chief)
    with pytest.raises(InvalidTransition) as err:
        services.project_transition(project=stale, to_stage=ProjectStage.TERMINATED, on=D0, actor=chief, reason="x")
    assert "签约" in str(err.value)
    stale.refresh_from_db()
    assert stale.stage == ProjectStage.SIGNED


def test_signing_needs_planned_investment(chief: Any, project: Project) -> None:
    services.project_update(project=project, actor=chief, planned_investment=None)
    with pytest.raises(ValidationError) as err:
        services.project_transition(project=project, to_stage=ProjectStage.SIGNED, on=D0, actor=chief)
    assert "计划总投资" in str(err.value)


def test_start_needs_a_signing_date(chief: Any, project: Project) -> None:
    """Legacy rows signed without a date cannot start until the date is known."""
    Project.objects.filter(pk=project.pk).update(stage=ProjectStage.SIGNED)
    project.refresh_from_db()
    with pytest.raises(ValidationError) as err:
        services.project_transition(project=project, to_stage=ProjectStage.STARTED, on=D0, actor=chief)
    assert "签约日期" in str(err.value)


def test_dates_cannot_go_backwards_or_into_the_future(chief: Any, project: Project) -> None:
    services.project_transition(project=project, to_stage=ProjectStage.SIGNED, on=dt.date(2026, 3, 1), actor=chief)
    with pytest.raises(ValidationError) as err:
        services.project_transition(project=project, to_stage=ProjectStage.STARTED, on=dt.date(2026, 2, 1), actor=chief)
    assert "不能早于" in str(err.value)
    with pytest.raises(ValidationError):
        services.project_transition(
            project=project, to_stage=ProjectStage.STARTED, on=timezone.localdate() + dt.timedelta(days=2), actor=chief
        )


@pytest.mark.parametrize("to", [ProjectStage.PAUSED, ProjectStage.TERMINATED])
def test_pause_and_terminate_need_a_reason(chief: Any, project: Project, to: str) -> None:
    with pytest.raises(ValidationError) as err:
        services.project_transition(project=project, to_stage=to, on=D0, actor=chief, reason="  ")
    assert "原因" in str(err.value)


def test_pause_then_resume_returns_to_the_paused_stage(chief: Any, project: Project) -> None:
    project = _walk_to(project, ProjectStage.BUILDING, chief)
    building_on = project.building_on
    project = services.project_transition(
        project=project, to_stage=ProjectStage.PAUSED, on=dt.date(2026, 3, 1), actor=chief, reason="环评整改"
    )
    assert project.paused_stage == ProjectStage.BUILDING and project.status_reason == "环评整改"
    assert services.allowed_transitions(project) == [ProjectStage.BUILDING, ProjectStage.TERMINATED]
    with pytest.raises(ValidationError):
        services.project_transition(
            project=project, to_stage=ProjectStage.COMPLETED, on=dt.date(2026, 4, 1), actor=chief
        )
    project = services.project_transition(
        project=project, to_stage=ProjectStage.BUILDING, on=dt.date(2026, 4, 1), actor=chief
    )
    assert project.stage == ProjectStage.BUILDING and project.paused_stage == "" and project.building_on == building_on


def test_final_stages_offer_nothing(chief: Any, project: Project) -> None:
    project = _walk_to(project, ProjectStage.FULL, chief)
    assert services.allowed_transitions(project) == []


def test_outsider_cannot_transition(personas: Any, project: Project) -> None:
    with pytest.raises(PermissionDenied):
        services.project_transition(project=project, to_stage=ProjectStage.SIGNED, on=D0, actor=personas.x_chief)
    with pytest.raises(PermissionDenied):
        services.project_transition(project=project, to_stage=ProjectStage.SIGNED, on=D0, actor=personas.ent_user)
    project.refresh_from_db()
    assert project.stage == ProjectStage.NEGOTIATING


def test_liaison_of_the_enterprise_may_manage(personas: Any, project: Project) -> None:
    assert project.enterprise is not None and project.enterprise.liaison == personas.liaison
    done = services.project_transition(project=project, to_stage=ProjectStage.SIGNED, on=D0, actor=personas.liaison)
    assert done.stage == ProjectStage.SIGNED


def test_plan_set_creates_then_changes(chief: Any, project: Project) -> None:
    plan = services.plan_set(project=project, year=2026, amount=Decimal("20000"), actor=chief)
    again = services.plan_set(project=project, year=2026, amount=Decimal("18000.50"), actor=chief)
    assert again.pk == plan.pk and InvestmentPlan.objects.get(pk=plan.pk).amount == Decimal("18000.50")
    line = AuditLog.objects.filter(object_id=str(plan.pk), action=AuditAction.UPDATE).latest("pk")
    assert line.before["amount"] in ("20000.00", "20000", 20000)


def test_report_rules(chief: Any, personas: Any, project: Project) -> None:
    with pytest.raises(ValidationError) as err:  # 在谈: nothing to report yet
        services.investment_report(project=project, month=dt.date(2026, 3, 1), amount=Decimal("100"), actor=chief)
    assert "在谈" in str(err.value)
    services.project_transition(project=project, to_stage=ProjectStage.SIGNED, on=D0, actor=chief)
    enterprise_user = personas.ent_user  # the user of the project's enterprise
    first = services.investment_report(
        project=project, month=dt.date(2026, 3, 17), amount=Decimal("1200"), actor=enterprise_user, note="主体厂房封顶"
    )
    assert first.month == dt.date(2026, 3, 1)
    second = services.investment_report(
        project=project, month=dt.date(2026, 3, 1), amount=Decimal("1500"), actor=chief, reported_on=dt.date(2026, 4, 2)
    )
    assert second.pk == first.pk and InvestmentReport.objects.get(pk=first.pk).amount == Decimal("1500")
    project.refresh_from_db()
    assert project.last_progress_on is not None and project.last_progress_on >= dt.date(2026, 4, 2)
    future = timezone.localdate().replace(day=1) + dt.timedelta(days=40)
    with pytest.raises(ValidationError):
        services.investment_report(project=project, month=future, amount=Decimal("1"), actor=chief)
    with pytest.raises(ValidationError):
        services.investment_report(project=project, month=dt.date(2026, 5, 1), amount=Decimal("-1"), actor=chief)
    with pytest.raises(PermissionDenied):
        services.investment_report(
            project=project, month=dt.date(2026, 5, 1), amount=Decimal("1"), actor=personas.x_liaison
        )


def test_lines_add_and_remove_are_audited(chief: Any, project: Project) -> None:
    line = services.line_add(
        project=project, actor=chief, name="全自动腹透引流袋生产线", count=4, capacity="年产 1000 万只"
    )
    assert project.lines.count() == 1
    line_pk = line.pk
    services.line_remove(line=line, actor=chief)
    assert project.lines.count() == 0
    assert AuditLog.objects.filter(object_id=str(line_pk), action=AuditAction.DELETE).exists()


def test_update_cannot_touch_the_stage(chief: Any, project: Project) -> None:
    with pytest.raises(TypeError):
        services.project_update(project=project, actor=chief, stage=ProjectStage.FULL)
