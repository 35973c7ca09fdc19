"""Selectors: the stale flag around the boundary, the workbench, the merged timeline."""

import datetime as dt

import pytest
from django.utils import timezone

from chaindesk.enterprises.models import Enterprise
from chaindesk.liaison import selectors, services
from chaindesk.liaison.models import NextStep

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: depends on today, CI runs it under other clocks too
FIXED = dt.date(2026, 6, 30)


def _flag(enterprise: Enterprise, last: dt.date | None, today: dt.date = FIXED) -> bool:
    Enterprise.objects.filter(pk=enterprise.pk).update(last_visit_on=last)
    return selectors.with_service_columns(Enterprise.objects.filter(pk=enterprise.pk), today).get().stale


def test_stale_flag_around_the_90_day_boundary(boshen):
    assert _flag(boshen, None) is True
    assert _flag(boshen, FIXED - dt.timedelta(days=90)) is False  # exactly 90 days: still fine
    assert _flag(boshen, FIXED - dt.timedelta(days=91)) is True
    assert _flag(boshen, FIXED) is False


def test_stale_days_come_from_settings(boshen, settings):
    settings.CHAINDESK_STALE_VISIT_DAYS = 30
    assert _flag(boshen, FIXED - dt.timedelta(days=31)) is True
    assert _flag(boshen, FIXED - dt.timedelta(days=30)) is False


def test_workbench_lists_stale_first_and_counts_open_steps(boshen, persona, today):
    liming = persona("liming")
    mine = Enterprise.objects.filter(liaison=liming)
    mine.update(last_visit_on=today - dt.timedelta(days=5))
    Enterprise.objects.filter(pk=boshen.pk).update(last_visit_on=None)
    other = mine.exclude(pk=boshen.pk).first()
    assert other is not None
    NextStep.objects.filter(owner=liming).update(done_on=today)  # whatever the demo left open
    NextStep.objects.filter(visit__enterprise__liaison=liming).update(done_on=today)
    services.visit_create(
        actor=liming,
        enterprise=other,
        visited_on=today,
        notes="回访",
        next_steps=[("一", liming, today - dt.timedelta(days=1)), ("二", liming, today + dt.timedelta(days=9))],
    )
    data = selectors.liaison_workbench(liming)
    assert data["enterprise_count"] == mine.count()
    assert data["stale_count"] == 1
    assert data["enterprises"][0].pk == boshen.pk and data["enterprises"][0].stale
    assert sum(e.open_steps for e in data["enterprises"]) == 2
    assert [s.text for s in data["due_steps"]] == ["一", "二"]
    assert [s.overdue for s in data["due_steps"]] == [True, False]


def test_timeline_merges_the_four_sources_newest_first(boshen, persona, today):
    liming, wangzh = persona("liming"), persona("wangzh")
    services.liaison_assign(actor=wangzh, enterprise=boshen, liaison=liming, started_on=dt.date(2026, 1, 10))
    visit = services.visit_create(
        actor=liming,
        enterprise=boshen,
        visited_on=dt.date(2026, 3, 5),
        notes="现场观摩膜材生产线",
        issues=["用地指标紧张"],
        next_steps=[("协调用地", wangzh, dt.date(2026, 4, 1)), ("报送材料", liming, dt.date(2026, 5, 1))],
    )
    services.next_step_done(actor=wangzh, step=visit.next_steps.get(text="协调用地"), done_on=dt.date(2026, 3, 20))
    rows = selectors.enterprise_timeline(wangzh, boshen)
    assert [r.on for r in rows] == sorted((r.on for r in rows), reverse=True)
    kinds = {r.kind for r in rows}
    assert {"visit", "step", "step-done", "assignment", "audit"} <= kinds
    visit_row = next(r for r in rows if r.kind == "visit")
    assert visit_row.on == dt.date(2026, 3, 5) and "现场观摩膜材生产线" in visit_row.what
    assert visit_row.details == ("反映问题：用地指标紧张",)
    assert next(r for r in rows if r.kind == "step-done").on == dt.date(2026, 3, 20)
    assert "李明" in next(r for r in rows if r.kind == "assignment").what
    audit_rows = [r for r in rows if r.kind == "audit"]
    assert all(r.on <= timezone.localdate() for r in audit_rows)
    assert not any("最近走访" in r.what for r in audit_rows)  # derived field: the visit line says it
    order = [r.kind for r in rows if r.on <= dt.date(2026, 3, 31)]
    assert order[: order.index("assignment") + 1][-1] == "assignment"  # the oldest event comes last


def test_hand_over_reads_as_one_line(boshen, persona):
    wangzh = persona("wangzh")
    services.liaison_assign(actor=wangzh, enterprise=boshen, liaison=persona("liming"), started_on=dt.date(2026, 1, 1))
    services.liaison_assign(
        actor=wangzh, enterprise=boshen, liaison=persona("lz_321283"), started_on=dt.date(2026, 2, 1)
    )
    lines = [r.what for r in selectors.enterprise_timeline(wangzh, boshen) if r.kind == "assignment"]
    assert lines[0].startswith("挂钩服务专员由 李明 交接给")
    assert lines[1] == "指派挂钩服务专员：李明"
