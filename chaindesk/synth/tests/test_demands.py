"""Synthetic demands at tiny scale: every status, tasks and timeline rows, and stored figures that agree with
the dates on the official working-day calendar (what the metrics and the escalation job read)."""

import datetime as dt
import random
from collections import Counter
from typing import Any

import pytest
from django.utils import timezone

from chaindesk.conftest import DEMO_TODAY
from chaindesk.demands.choices import OPEN_TASK, DemandStatus, Rating, TaskStatus
from chaindesk.demands.models import Demand, DemandEvent, DemandQuerySet, Task, TaskUpdate
from chaindesk.demands.services import closed_on_time
from chaindesk.demands.workdays import workdays_between
from chaindesk.synth.demands import Calendar, _pick
from chaindesk.synth.tests.tiny import TINY, tiny_city

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: depends on today, CI runs it under other clocks too


def _local(value: dt.datetime) -> dt.date:
    return timezone.localtime(value).date()


@pytest.fixture(scope="module")
def generated(module_data: Any) -> dict[str, object]:
    report, _ = tiny_city(module_data, seed=5)
    return {"counts": report.counts}


def _synthetic() -> DemandQuerySet:
    """The generated demands: the generator writes the last ids, after the demo city's own demands."""
    last = Demand.objects.order_by("-pk").values_list("pk", flat=True)[0]
    return Demand.objects.filter(pk__gt=last - TINY.demands)


def test_demands_tasks_and_timeline(generated: dict) -> None:
    demands = _synthetic().select_related("enterprise")
    assert demands.count() == TINY.demands == generated["counts"]["demands"]
    statuses = Counter(demands.values_list("status", flat=True))
    assert set(statuses) == set(DemandStatus.values)
    assert statuses[DemandStatus.CLOSED] > TINY.demands // 2
    tasks = Task.objects.filter(demand__in=demands)
    assert tasks.count() == generated["counts"]["tasks"]
    assert 1.3 * TINY.demands * 0.85 < tasks.count() < 1.7 * TINY.demands
    open_share = tasks.filter(status__in=OPEN_TASK).count() / tasks.count()
    assert 0.08 < open_share < 0.25
    open_tasks = tasks.filter(status__in=OPEN_TASK)
    assert open_tasks.filter(deadline__lt=DEMO_TODAY).exists() and open_tasks.filter(deadline__gte=DEMO_TODAY).exists()
    assert not tasks.exclude(escalation="").exists()  # the job sets the marks
    assert not tasks.filter(status=TaskStatus.PENDING, handler__isnull=False).exists()
    assert not tasks.exclude(status=TaskStatus.PENDING).filter(handler__isnull=True).exists()
    assert not tasks.filter(status=TaskStatus.DONE, completed_at__isnull=True).exists()
    assert TaskUpdate.objects.filter(task__in=tasks).count() == generated["counts"]["task_updates"] > tasks.count()
    assert DemandEvent.objects.filter(demand__in=demands).count() == generated["counts"]["demand_events"]
    for d in demands[:150]:
        enterprise = d.enterprise
        assert enterprise is not None  # synthetic demands are enterprises' (no meeting's 交办事项)
        assert (d.chain_id is None) or enterprise.chains.filter(pk=d.chain_id).exists()
        assert d.region_id == enterprise.region_id and d.liaison_id == enterprise.liaison_id
        assert d.submitted_at.date() <= DEMO_TODAY
        assert d.events.filter(kind="submitted").count() == 1
    merged = demands.filter(status=DemandStatus.MERGED)
    assert not merged.filter(merged_into__isnull=True).exists()


def test_stored_figures_agree_with_the_dates(generated: dict) -> None:
    demands = _synthetic()
    accepted = demands.filter(accepted_at__isnull=False)
    assert accepted.exists()
    for d in accepted:
        assert d.accepted_at and d.response_days == workdays_between(_local(d.submitted_at), _local(d.accepted_at))
    closed = demands.filter(status=DemandStatus.CLOSED)
    assert not closed.filter(closed_at__isnull=True).exists()
    assert set(closed.values_list("rating", flat=True)) == {Rating.SATISFIED, Rating.BASICALLY}
    on_time = Counter(closed.values_list("closed_on_time", flat=True))
    assert on_time[True] and on_time[False]
    for d in closed:
        assert d.closed_at and d.close_days == workdays_between(_local(d.submitted_at), _local(d.closed_at))
        assert d.closed_on_time == closed_on_time(d.pk)
        assert not d.tasks.exclude(status=TaskStatus.DONE).exists()
    assert closed.filter(reopen_count=1).exists()
    reopened_open = demands.filter(status=DemandStatus.IN_PROGRESS, reopen_count=1)
    assert set(reopened_open.values_list("rating", flat=True)) <= {Rating.UNSATISFIED}
    assert not demands.exclude(status=DemandStatus.CLOSED).filter(closed_at__isnull=False).exists()
    awaiting = demands.filter(status=DemandStatus.AWAITING_CONFIRMATION)
    assert not Task.objects.filter(demand__in=awaiting).exclude(status=TaskStatus.DONE).exists()


def test_calendar_index_matches_the_official_calendar() -> None:
    from chaindesk.demands.workdays import add_workdays

    # Back far enough to hold 2025-09-28 (a Sunday made a working day) and the 2026 Spring Festival, whatever today.
    back = (DEMO_TODAY - dt.date(2025, 9, 1)).days
    cal = Calendar(DEMO_TODAY, back=back, ahead=20)
    for start in (dt.date(2025, 9, 28), dt.date(2026, 2, 13), DEMO_TODAY - dt.timedelta(days=3)):
        for n in (1, 3, 10):
            assert cal.add(start, n) == add_workdays(start, n)
            assert cal.add(start, -n) == add_workdays(start, -n)
        assert cal.between(start, DEMO_TODAY) == workdays_between(start, DEMO_TODAY)
    with pytest.raises(ValueError):
        cal.add(DEMO_TODAY - dt.timedelta(days=back + 1), 1)
    with pytest.raises(ValueError):
        cal.add(dt.date(2025, 9, 3), -10)  # would step before the index's first day


def test_bench_times_the_escalation_job_against_raw_sql(generated: dict) -> None:
    from chaindesk.demands.models import Task
    from chaindesk.synth import bench

    results = {m.key: m for m in bench.run_escalation_bench(runs=2, today=DEMO_TODAY)}
    for setting in ("daily", "backlog"):
        job, raw = results[f"escalation_job_{setting}"], results[f"escalation_raw_{setting}"]
        assert job.runs == raw.runs == 2
        assert job.rows == raw.rows and "DIFFERS" not in raw.note, (setting, job.note, raw.note)
        assert raw.queries <= 3  # ONE UPDATE (+ SAVEPOINT and RELEASE inside the test transaction)
    # The backlog claims every task past a threshold; a day after yesterday's run claims only the new ones.
    assert results["escalation_raw_backlog"].rows > results["escalation_raw_daily"].rows
    assert not Task.objects.exclude(escalation="").exists()  # the marks are reset after the last run
    document = bench.report([], scale="tiny", runs=1, warmup=0, load={}, escalation=list(results.values()))
    assert "run_escalation" in document and "open tasks" in document


def test_weighted_picks_follow_the_list_they_are_given() -> None:
    """The cumulative weights are cached per list; a later list (whose id may be a freed list's) is never
    answered with an earlier list's values: the cause of a foreign key the synthetic load once broke."""
    rng = random.Random(1)
    for run in range(200):
        pairs = [(f"dept{run}-{i}", 1.0) for i in range(3)]
        assert set(_pick(rng, pairs, 20)) <= {v for v, _ in pairs}
        del pairs  # freed: the next list may take its id
