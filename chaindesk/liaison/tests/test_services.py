"""Services of one-to-one service: guards, audit lines, hand-over dates, last_visit_on.

On the personas' world: `ent2` is served by `personas.liaison` and has never been visited; a fresh enterprise
(factories.unassigned_enterprise) has no liaison and no assignment period yet."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chaindesk.accounts.services import user_update
from chaindesk.core.models import AuditLog
from chaindesk.enterprises.models import Enterprise
from chaindesk.liaison import services
from chaindesk.liaison.models import LiaisonAssignment, NextStep, Visit, VisitIssue

from .factories import second_liaison, unassigned_enterprise

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: depends on today, CI runs it under other clocks too
D = dt.date


@pytest.fixture
def fresh(personas) -> Enterprise:  # noqa: ANN001
    return unassigned_enterprise(personas)


@pytest.fixture
def other(personas):  # noqa: ANN001, ANN201
    return second_liaison(personas)


def _assign(actor, enterprise, liaison, started_on, **kw):  # noqa: ANN001, ANN202
    return services.liaison_assign(actor=actor, enterprise=enterprise, liaison=liaison, started_on=started_on, **kw)


def _retire(personas, user) -> None:  # noqa: ANN001
    user_update(actor=personas.sysadmin, user=user, is_active=False)
    user.refresh_from_db()


def test_hand_over_closes_the_old_period_on_the_new_start(personas, fresh, other):
    member, liaison = personas.member, personas.liaison
    first = _assign(member, fresh, liaison, D(2026, 1, 10), leader=personas.chief)
    second = _assign(member, fresh, other, D(2026, 6, 1), note="工作调整")
    first.refresh_from_db()
    fresh.refresh_from_db()
    assert (first.started_on, first.ended_on) == (D(2026, 1, 10), D(2026, 6, 1))
    assert (second.started_on, second.ended_on, second.assigned_by) == (D(2026, 6, 1), None, member)
    assert fresh.liaison == other and fresh.leader is None
    assert LiaisonAssignment.objects.filter(enterprise=fresh, ended_on=None).get() == second
    assert AuditLog.objects.for_object(first).filter(action="update").get().after == {"ended_on": "2026-06-01"}
    assert AuditLog.objects.for_object(second).filter(action="create").exists()
    change = AuditLog.objects.for_object(fresh).filter(action="update").latest("pk")
    assert change.after["liaison"] == other.pk and change.before["liaison"] == liaison.pk


def test_same_liaison_again_is_idempotent(personas, fresh):
    member, liaison = personas.member, personas.liaison
    first = _assign(member, fresh, liaison, D(2026, 1, 10))
    lines = AuditLog.objects.count()
    again = _assign(member, fresh, liaison, D(2026, 3, 1))
    assert again.pk == first.pk
    assert LiaisonAssignment.objects.filter(enterprise=fresh).count() == 1
    assert AuditLog.objects.count() == lines


def test_start_before_the_open_period_is_refused(personas, fresh, other):
    member = personas.member
    _assign(member, fresh, personas.liaison, D(2026, 5, 1))
    with pytest.raises(ValidationError, match="不能早于"):
        _assign(member, fresh, other, D(2026, 4, 30))
    assert LiaisonAssignment.objects.filter(enterprise=fresh).count() == 1


def test_only_active_liaisons_and_leaders(personas, fresh, other):
    member = personas.member
    with pytest.raises(ValidationError, match="挂钩服务专员"):
        _assign(member, fresh, personas.district, D(2026, 5, 1))
    with pytest.raises(ValidationError, match="市领导"):
        _assign(member, fresh, personas.liaison, D(2026, 5, 1), leader=personas.member)
    _retire(personas, other)
    with pytest.raises(ValidationError):
        _assign(member, fresh, other, D(2026, 5, 1))
    assert not LiaisonAssignment.objects.filter(enterprise=fresh).exists()


@pytest.mark.parametrize(
    ("key", "allowed"),
    [("member", True), ("chief", True), ("district", True), ("liaison", False), ("x_chief", False),
     ("x_district", False), ("ent_user", False), ("handler", False), ("sysadmin", False)],
)  # fmt: skip
def test_who_may_assign(personas, other, key, allowed):
    enterprise = personas.ours.enterprise  # its enterprise user is ent_user, its district 测试甲区
    call = lambda: _assign(personas.user(key), enterprise, other, personas.today)  # noqa: E731
    if allowed:
        assert call().liaison == other
        assert LiaisonAssignment.objects.get(enterprise=enterprise, ended_on=None).liaison == other
    else:
        with pytest.raises(PermissionDenied):
            call()
        assert LiaisonAssignment.objects.get(enterprise=enterprise, ended_on=None).liaison == personas.liaison


def _visit(actor, enterprise, visited_on, **kw):  # noqa: ANN001, ANN202
    kw.setdefault("notes", "了解项目进展")
    return services.visit_create(actor=actor, enterprise=enterprise, visited_on=visited_on, **kw)


def test_visit_with_issues_and_steps_is_audited_and_sets_last_visit(personas):
    liaison, member, ent2, today = personas.liaison, personas.member, personas.ent2, personas.today
    visit = _visit(
        liaison,
        ent2,
        today - dt.timedelta(days=3),
        kind="site",
        participants=[member],
        other_participants="企业总经理",
        issues=["用地指标紧张", "  ", "环评批复慢"],
        next_steps=[("协调自然资源局", member, today + dt.timedelta(days=10))],
    )
    ent2.refresh_from_db()
    assert ent2.last_visit_on == today - dt.timedelta(days=3)
    assert list(visit.issues.values_list("text", flat=True)) == ["用地指标紧张", "环评批复慢"]
    step = visit.next_steps.get()
    assert (step.owner, step.done_on) == (member, None)
    assert list(visit.participants.all()) == [member]
    assert visit.created_by == liaison
    assert AuditLog.objects.for_object(visit).filter(action="create", actor=liaison).exists()
    issues = VisitIssue.objects.filter(visit=visit)
    assert issues.count() == 2
    for issue in issues:
        assert AuditLog.objects.for_object(issue).exists()
    assert AuditLog.objects.for_object(step).exists()
    visited = (today - dt.timedelta(days=3)).isoformat()
    assert AuditLog.objects.for_object(ent2).filter(after={"last_visit_on": visited}).exists()


def test_last_visit_is_the_latest_whatever_the_order_of_logging(personas):
    liaison, ent2, today = personas.liaison, personas.ent2, personas.today
    _visit(liaison, ent2, today - dt.timedelta(days=5))
    _visit(liaison, ent2, today - dt.timedelta(days=40))  # logged later, happened earlier
    ent2.refresh_from_db()
    assert ent2.last_visit_on == today - dt.timedelta(days=5)


def test_future_date_and_empty_notes_are_refused(personas, other):
    liaison, ent2, today = personas.liaison, personas.ent2, personas.today
    with pytest.raises(ValidationError, match="晚于今天"):
        _visit(liaison, ent2, today + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="走访情况"):
        _visit(liaison, ent2, today, notes="   ")
    with pytest.raises(ValidationError, match="负责人"):
        _visit(liaison, ent2, today, next_steps=[("跟进", None, today)])
    _retire(personas, other)
    with pytest.raises(ValidationError, match="在岗"):
        _visit(liaison, ent2, today, next_steps=[("跟进", other, today)])
    assert not Visit.objects.filter(enterprise=ent2).exists()
    ent2.refresh_from_db()
    assert ent2.last_visit_on is None


@pytest.mark.parametrize(
    ("key", "allowed"),
    [("liaison", True), ("member", True), ("chief", True), ("x_liaison", False), ("district", False),
     ("ent_user", False), ("x_chief", False), ("handler", False)],
)  # fmt: skip
def test_who_may_log_a_visit(personas, key, allowed):
    enterprise = personas.ours.enterprise  # its enterprise user is ent_user
    before = Visit.objects.filter(enterprise=enterprise).count()
    if allowed:
        assert _visit(personas.user(key), enterprise, personas.today).pk
        assert Visit.objects.filter(enterprise=enterprise).count() == before + 1
    else:
        with pytest.raises(PermissionDenied):
            _visit(personas.user(key), enterprise, personas.today)
        assert Visit.objects.filter(enterprise=enterprise).count() == before


def test_linked_leader_may_log(personas):
    ent2, x_chief = personas.ent2, personas.x_chief  # the chief of the other chain, not on 测试甲链's team
    with pytest.raises(PermissionDenied):
        _visit(x_chief, ent2, personas.today)
    _assign(personas.member, ent2, personas.liaison, personas.today, leader=x_chief)
    ent2.refresh_from_db()
    assert ent2.leader == x_chief
    assert _visit(x_chief, ent2, personas.today).pk


def test_visit_update_moving_the_latest_back_recomputes_last_visit(personas):
    liaison, ent2, today = personas.liaison, personas.ent2, personas.today
    _visit(liaison, ent2, today - dt.timedelta(days=20))
    latest = _visit(liaison, ent2, today - dt.timedelta(days=2))
    services.visit_update(
        actor=liaison, visit=latest, visited_on=today - dt.timedelta(days=30), kind="call", notes="改为电话沟通"
    )
    ent2.refresh_from_db()
    assert ent2.last_visit_on == today - dt.timedelta(days=20)
    assert AuditLog.objects.for_object(latest).filter(action="update").latest("pk").after["kind"] == "call"
    with pytest.raises(PermissionDenied):
        services.visit_update(actor=personas.x_liaison, visit=latest, visited_on=today, kind="call", notes="x")


def test_next_step_done(personas):
    liaison, member, ent2, today = personas.liaison, personas.member, personas.ent2, personas.today
    visit = _visit(liaison, ent2, today - dt.timedelta(days=5), next_steps=[("报送材料", member, today)])
    step = visit.next_steps.get()
    with pytest.raises(PermissionDenied):
        services.next_step_done(actor=personas.x_liaison, step=step, done_on=today)
    with pytest.raises(ValidationError, match="晚于今天"):
        services.next_step_done(actor=member, step=step, done_on=today + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="早于走访日期"):
        services.next_step_done(actor=member, step=step, done_on=today - dt.timedelta(days=6))
    services.next_step_done(actor=member, step=step, done_on=today)
    assert NextStep.objects.get(pk=step.pk).done_on == today
    lines = AuditLog.objects.count()
    services.next_step_done(actor=member, step=NextStep.objects.get(pk=step.pk), done_on=today)
    assert AuditLog.objects.count() == lines
