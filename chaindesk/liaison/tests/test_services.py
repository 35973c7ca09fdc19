"""Services of one-to-one service: guards, audit lines, hand-over dates, last_visit_on."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chaindesk.core.models import AuditLog
from chaindesk.enterprises.models import Enterprise
from chaindesk.liaison import services
from chaindesk.liaison.models import LiaisonAssignment, NextStep, Visit, VisitIssue

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: depends on today, CI runs it under other clocks too
D = dt.date


def _assign(actor, enterprise, liaison, started_on, **kw):  # noqa: ANN001, ANN202
    return services.liaison_assign(actor=actor, enterprise=enterprise, liaison=liaison, started_on=started_on, **kw)


def test_hand_over_closes_the_old_period_on_the_new_start(boshen, persona):
    wangzh, liming, other = persona("wangzh"), persona("liming"), persona("lz_321283")
    first = _assign(wangzh, boshen, liming, D(2026, 1, 10), leader=persona("jiangdd"))
    second = _assign(wangzh, boshen, other, D(2026, 6, 1), note="工作调整")
    first.refresh_from_db()
    boshen.refresh_from_db()
    assert (first.started_on, first.ended_on) == (D(2026, 1, 10), D(2026, 6, 1))
    assert (second.started_on, second.ended_on, second.assigned_by) == (D(2026, 6, 1), None, wangzh)
    assert boshen.liaison == other and boshen.leader is None
    assert LiaisonAssignment.objects.filter(enterprise=boshen, ended_on=None).get() == second
    assert AuditLog.objects.for_object(first).filter(action="update").get().after == {"ended_on": "2026-06-01"}
    assert AuditLog.objects.for_object(second).filter(action="create").exists()
    change = AuditLog.objects.for_object(boshen).filter(action="update").latest("pk")
    assert change.after["liaison"] == other.pk and change.before["liaison"] == liming.pk


def test_same_liaison_again_is_idempotent(boshen, persona):
    wangzh, liming = persona("wangzh"), persona("liming")
    first = _assign(wangzh, boshen, liming, D(2026, 1, 10))
    lines = AuditLog.objects.count()
    again = _assign(wangzh, boshen, liming, D(2026, 3, 1))
    assert again.pk == first.pk
    assert LiaisonAssignment.objects.filter(enterprise=boshen).count() == 1
    assert AuditLog.objects.count() == lines


def test_start_before_the_open_period_is_refused(boshen, persona):
    wangzh = persona("wangzh")
    _assign(wangzh, boshen, persona("liming"), D(2026, 5, 1))
    with pytest.raises(ValidationError, match="不能早于"):
        _assign(wangzh, boshen, persona("lz_321283"), D(2026, 4, 30))
    assert LiaisonAssignment.objects.filter(enterprise=boshen).count() == 1


def test_only_active_liaisons_and_leaders(boshen, persona):
    wangzh = persona("wangzh")
    with pytest.raises(ValidationError, match="挂钩服务专员"):
        _assign(wangzh, boshen, persona("zhoutao"), D(2026, 5, 1))
    with pytest.raises(ValidationError, match="市领导"):
        _assign(wangzh, boshen, persona("liming"), D(2026, 5, 1), leader=persona("wangzh"))
    retired = persona("lz_321283")
    retired.is_active = False
    retired.save()
    with pytest.raises(ValidationError):
        _assign(wangzh, boshen, retired, D(2026, 5, 1))
    assert not LiaisonAssignment.objects.filter(enterprise=boshen).exists()


@pytest.mark.parametrize(
    ("username", "allowed"),
    [("wangzh", True), ("jiangdd", True), ("zhoutao", True), ("liming", False), ("lead_equip", False),
     ("da_321282", False), ("liuyang", False)],
)  # fmt: skip
def test_who_may_assign(boshen, persona, username, allowed):
    call = lambda: _assign(persona(username), boshen, persona("liming"), D(2026, 5, 1))  # noqa: E731
    if allowed:
        assert call().liaison.username == "liming"
    else:
        with pytest.raises(PermissionDenied):
            call()


def _visit(actor, enterprise, visited_on, **kw):  # noqa: ANN001, ANN202
    kw.setdefault("notes", "了解项目进展")
    return services.visit_create(actor=actor, enterprise=enterprise, visited_on=visited_on, **kw)


def test_visit_with_issues_and_steps_is_audited_and_sets_last_visit(boshen, persona, today):
    liming, wangzh = persona("liming"), persona("wangzh")
    visit = _visit(
        liming,
        boshen,
        today - dt.timedelta(days=3),
        kind="site",
        participants=[wangzh],
        other_participants="企业总经理",
        issues=["用地指标紧张", "  ", "环评批复慢"],
        next_steps=[("协调自然资源局", wangzh, today + dt.timedelta(days=10))],
    )
    boshen.refresh_from_db()
    assert boshen.last_visit_on == visit.visited_on
    assert list(visit.issues.values_list("text", flat=True)) == ["用地指标紧张", "环评批复慢"]
    step = visit.next_steps.get()
    assert (step.owner, step.done_on) == (wangzh, None)
    assert list(visit.participants.all()) == [wangzh]
    assert visit.created_by == liming
    assert AuditLog.objects.for_object(visit).filter(action="create", actor=liming).exists()
    for issue in VisitIssue.objects.filter(visit=visit):
        assert AuditLog.objects.for_object(issue).exists()
    assert AuditLog.objects.for_object(step).exists()
    assert AuditLog.objects.for_object(boshen).filter(after={"last_visit_on": visit.visited_on.isoformat()}).exists()


def test_last_visit_is_the_latest_whatever_the_order_of_logging(boshen, persona, today):
    liming = persona("liming")
    _visit(liming, boshen, today - dt.timedelta(days=5))
    _visit(liming, boshen, today - dt.timedelta(days=40))  # logged later, happened earlier
    boshen.refresh_from_db()
    assert boshen.last_visit_on == today - dt.timedelta(days=5)


def test_future_date_and_empty_notes_are_refused(boshen, persona, today):
    liming = persona("liming")
    with pytest.raises(ValidationError, match="晚于今天"):
        _visit(liming, boshen, today + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="走访情况"):
        _visit(liming, boshen, today, notes="   ")
    with pytest.raises(ValidationError, match="负责人"):
        _visit(liming, boshen, today, next_steps=[("跟进", None, today)])
    retired = persona("lz_321283")
    retired.is_active = False
    retired.save()
    with pytest.raises(ValidationError, match="在岗"):
        _visit(liming, boshen, today, next_steps=[("跟进", retired, today)])
    assert not Visit.objects.filter(enterprise=boshen).exists()
    boshen.refresh_from_db()
    assert boshen.last_visit_on is None


@pytest.mark.parametrize(
    ("username", "allowed"),
    [("liming", True), ("wangzh", True), ("jiangdd", True), ("lz_321282", False), ("zhoutao", False),
     ("liuyang", False), ("lead_equip", False)],
)  # fmt: skip
def test_who_may_log_a_visit(boshen, persona, today, username, allowed):
    if allowed:
        assert _visit(persona(username), boshen, today).pk
    else:
        with pytest.raises(PermissionDenied):
            _visit(persona(username), boshen, today)


def test_linked_leader_may_log(boshen, persona, today):
    Enterprise.objects.filter(pk=boshen.pk).update(leader=persona("lead_equip"))
    boshen.refresh_from_db()
    assert _visit(persona("lead_equip"), boshen, today).pk


def test_visit_update_moving_the_latest_back_recomputes_last_visit(boshen, persona, today):
    liming = persona("liming")
    _visit(liming, boshen, today - dt.timedelta(days=20))
    latest = _visit(liming, boshen, today - dt.timedelta(days=2))
    services.visit_update(
        actor=liming, visit=latest, visited_on=today - dt.timedelta(days=30), kind="call", notes="改为电话沟通"
    )
    boshen.refresh_from_db()
    assert boshen.last_visit_on == today - dt.timedelta(days=20)
    assert AuditLog.objects.for_object(latest).filter(action="update").latest("pk").after["kind"] == "call"
    with pytest.raises(PermissionDenied):
        services.visit_update(actor=persona("lz_321282"), visit=latest, visited_on=today, kind="call", notes="x")


def test_next_step_done(boshen, persona, today):
    liming, wangzh = persona("liming"), persona("wangzh")
    visit = _visit(liming, boshen, today - dt.timedelta(days=5), next_steps=[("报送材料", wangzh, today)])
    step = visit.next_steps.get()
    with pytest.raises(PermissionDenied):
        services.next_step_done(actor=persona("lz_321282"), step=step, done_on=today)
    with pytest.raises(ValidationError, match="晚于今天"):
        services.next_step_done(actor=wangzh, step=step, done_on=today + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="早于走访日期"):
        services.next_step_done(actor=wangzh, step=step, done_on=today - dt.timedelta(days=6))
    services.next_step_done(actor=wangzh, step=step, done_on=today)
    assert NextStep.objects.get(pk=step.pk).done_on == today
    lines = AuditLog.objects.count()
    services.next_step_done(actor=wangzh, step=NextStep.objects.get(pk=step.pk), done_on=today)
    assert AuditLog.objects.count() == lines
