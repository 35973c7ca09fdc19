"""Selectors: the stale flag around the boundary, the workbench, the merged timeline.

On the personas' world: `personas.liaison` (测试专员) serves our enterprise (visited ten days ago, one open next
step owned by the handler) and ent2 (never visited), nothing else. The timelines are of an enterprise made here,
with no assignment nor visit before the test's own."""

import datetime as dt

import pytest

from chaindesk.enterprises.models import Enterprise
from chaindesk.liaison import selectors, services

from .factories import second_liaison, unassigned_enterprise

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: depends on today, CI runs it under other clocks too
FIXED = dt.date(2026, 6, 30)


def _flag(enterprise: Enterprise, last: dt.date | None, today: dt.date = FIXED) -> bool:
    Enterprise.objects.filter(pk=enterprise.pk).update(last_visit_on=last)
    return selectors.with_service_columns(Enterprise.objects.filter(pk=enterprise.pk), today).get().stale


def test_stale_flag_around_the_90_day_boundary(personas):
    ent2 = personas.ent2
    assert _flag(ent2, None) is True
    assert _flag(ent2, FIXED - dt.timedelta(days=90)) is False  # exactly 90 days: still fine
    assert _flag(ent2, FIXED - dt.timedelta(days=91)) is True
    assert _flag(ent2, FIXED) is False


def test_stale_days_come_from_settings(personas, settings):
    settings.CHAINDESK_STALE_VISIT_DAYS = 30
    assert _flag(personas.ent2, FIXED - dt.timedelta(days=31)) is True
    assert _flag(personas.ent2, FIXED - dt.timedelta(days=30)) is False


def test_workbench_lists_stale_first_and_counts_open_steps(personas):
    liaison, today = personas.liaison, personas.today
    ours, never = personas.ours.enterprise, personas.ent2
    services.visit_create(
        actor=liaison,
        enterprise=ours,
        visited_on=today,
        notes="回访",
        next_steps=[("一", liaison, today - dt.timedelta(days=1)), ("二", liaison, today + dt.timedelta(days=9))],
    )
    data = selectors.liaison_workbench(liaison)
    assert data["enterprise_count"] == 2
    assert data["stale_count"] == 1
    assert data["enterprises"][0].pk == never.pk and data["enterprises"][0].stale
    assert [e.pk for e in data["enterprises"]] == [never.pk, ours.pk]
    # Ours: the world's open step (the handler's) and the two above; ent2 has none.
    assert {e.pk: e.open_steps for e in data["enterprises"]} == {ours.pk: 3, never.pk: 0}
    assert [s.text for s in data["due_steps"]] == ["一", "二"]  # the liaison's own only
    assert [s.overdue for s in data["due_steps"]] == [True, False]


def test_timeline_merges_the_four_sources_newest_first(personas):
    liaison, member = personas.liaison, personas.member
    enterprise = unassigned_enterprise(personas)
    services.liaison_assign(actor=member, enterprise=enterprise, liaison=liaison, started_on=dt.date(2026, 1, 10))
    enterprise.refresh_from_db()
    visit = services.visit_create(
        actor=liaison,
        enterprise=enterprise,
        visited_on=dt.date(2026, 3, 5),
        notes="现场观摩膜材生产线",
        issues=["用地指标紧张"],
        next_steps=[("协调用地", member, dt.date(2026, 4, 1)), ("报送材料", liaison, dt.date(2026, 5, 1))],
    )
    services.next_step_done(actor=member, step=visit.next_steps.get(text="协调用地"), done_on=dt.date(2026, 3, 20))
    rows = selectors.enterprise_timeline(member, enterprise)
    assert [r.on for r in rows] == sorted((r.on for r in rows), reverse=True)
    kinds = {r.kind for r in rows}
    assert {"visit", "step", "step-done", "assignment", "audit"} <= kinds
    visit_row = next(r for r in rows if r.kind == "visit")
    assert visit_row.on == dt.date(2026, 3, 5) and "现场观摩膜材生产线" in visit_row.what
    assert visit_row.details == ("反映问题：用地指标紧张",)
    assert next(r for r in rows if r.kind == "step-done").on == dt.date(2026, 3, 20)
    assert "测试专员" in next(r for r in rows if r.kind == "assignment").what
    audit_rows = [r for r in rows if r.kind == "audit"]
    assert all(r.on <= personas.today for r in audit_rows)
    assert not any("最近走访" in r.what for r in audit_rows)  # derived field: the visit line says it
    order = [r.kind for r in rows if r.on <= dt.date(2026, 3, 31)]
    assert order[: order.index("assignment") + 1][-1] == "assignment"  # the oldest event comes last


def test_hand_over_reads_as_one_line(personas):
    member = personas.member
    enterprise = unassigned_enterprise(personas)
    services.liaison_assign(
        actor=member, enterprise=enterprise, liaison=personas.liaison, started_on=dt.date(2026, 1, 1)
    )
    services.liaison_assign(
        actor=member, enterprise=enterprise, liaison=second_liaison(personas), started_on=dt.date(2026, 2, 1)
    )
    lines = [r.what for r in selectors.enterprise_timeline(member, enterprise) if r.kind == "assignment"]
    assert lines == ["挂钩服务专员由 测试专员 交接给 测试专员二", "指派挂钩服务专员：测试专员"]
