"""A decision's progress from its tasks (issue 12, item 3): 未办, 办理中, 逾期, 已办结, on hand-built decisions,
demands and tasks of 测试甲链, counted from the world's today (the test clock), in one query for the list."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chaindesk.demands.choices import DemandStatus, TaskStatus
from chaindesk.demands.models import Demand, Task
from chaindesk.meetings.models import Decision
from chaindesk.meetings.progress import (
    PROGRESS_COLOURS,
    Progress,
    annotate_progress,
    progress_colour,
    progress_label,
)
from chaindesk.meetings.tests.agenda_data import make_decision, make_demand, make_task
from chaindesk.testkit.personas import Personas

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

DAY = dt.timedelta(days=1)


def _cases(personas: Personas) -> dict[str, tuple[Decision, str]]:
    """Each case: a decision and the progress it should read as."""
    today = personas.today
    p = personas

    def with_tasks(name: str, *tasks: tuple[str, dt.date], status: str = DemandStatus.IN_PROGRESS) -> Demand:
        demand = make_demand(p, name, status)
        for task_status, deadline in tasks:
            make_task(p, demand, task_status, deadline)
        return demand

    later, earlier = today + 5 * DAY, today - 5 * DAY
    return {
        "no demand": (make_decision(p, "无诉求"), Progress.NOT_STARTED),
        "no demand, deadline passed": (make_decision(p, "无诉求逾期", deadline=today - DAY), Progress.OVERDUE),
        "no demand, due today": (make_decision(p, "今日到期", deadline=today), Progress.NOT_STARTED),
        "no task yet": (make_decision(p, "未分派", with_tasks("未分派")), Progress.NOT_STARTED),
        "only returned": (
            make_decision(p, "均退回", with_tasks("均退回", (TaskStatus.RETURNED, later))),
            Progress.NOT_STARTED,
        ),
        "at work": (
            make_decision(p, "办理", with_tasks("办理", (TaskStatus.IN_PROGRESS, later), (TaskStatus.PENDING, today))),
            Progress.IN_PROGRESS,
        ),
        "one done, one at work": (
            make_decision(p, "部分", with_tasks("部分", (TaskStatus.DONE, earlier), (TaskStatus.IN_PROGRESS, later))),
            Progress.IN_PROGRESS,
        ),
        "a task overdue": (
            make_decision(p, "逾期", with_tasks("逾期", (TaskStatus.DONE, earlier), (TaskStatus.IN_PROGRESS, earlier))),
            Progress.OVERDUE,
        ),
        "completion requested past its deadline": (
            make_decision(p, "待确认", with_tasks("待确认", (TaskStatus.COMPLETION_REQUESTED, earlier))),
            Progress.OVERDUE,
        ),
        "own deadline passed": (
            make_decision(p, "自身逾期", with_tasks("自身逾期", (TaskStatus.IN_PROGRESS, later)), today - DAY),
            Progress.OVERDUE,
        ),
        "every task done": (
            make_decision(
                p, "全部办结", with_tasks("全部办结", (TaskStatus.DONE, earlier), (TaskStatus.RETURNED, later))
            ),
            Progress.DONE,
        ),
        "demand closed, deadline passed": (
            make_decision(
                p, "诉求办结", with_tasks("诉求办结", (TaskStatus.DONE, earlier), status=DemandStatus.CLOSED), earlier
            ),
            Progress.DONE,
        ),
        "demand closed without a task": (
            make_decision(p, "直接办结", with_tasks("直接办结", status=DemandStatus.CLOSED)),
            Progress.DONE,
        ),
    }


def test_each_decision_reads_its_progress_from_its_tasks_in_one_query(personas):
    cases = _cases(personas)
    ids = [decision.pk for decision, _expected in cases.values()]
    with CaptureQueriesContext(connection) as ctx:
        got = dict(
            annotate_progress(Decision.objects.filter(pk__in=ids), today=personas.today).values_list("pk", "progress")
        )
    assert len(ctx.captured_queries) == 1
    assert {name: got[d.pk] for name, (d, _e) in cases.items()} == {name: e for name, (_d, e) in cases.items()}


def test_progress_filters_in_sql(personas):
    cases = _cases(personas)
    ids = [decision.pk for decision, _expected in cases.values()]
    qs = annotate_progress(Decision.objects.filter(pk__in=ids), today=personas.today)
    overdue = set(qs.filter(progress=Progress.OVERDUE).values_list("pk", flat=True))
    assert overdue == {d.pk for d, expected in cases.values() if expected == Progress.OVERDUE}


def test_the_same_decision_becomes_overdue_the_day_after_its_deadline(personas):
    demand = make_demand(personas, "明日到期")
    task = make_task(personas, demand, TaskStatus.IN_PROGRESS, personas.today)
    decision = make_decision(personas, "明日到期", demand)
    qs = Decision.objects.filter(pk=decision.pk)
    assert annotate_progress(qs, today=personas.today).get().progress == Progress.IN_PROGRESS
    assert annotate_progress(qs, today=personas.today + DAY).get().progress == Progress.OVERDUE
    Task.objects.filter(pk=task.pk).update(status=TaskStatus.DONE)
    assert annotate_progress(qs, today=personas.today + DAY).get().progress == Progress.DONE


def test_labels_and_colours():
    assert [progress_label(p) for p in Progress.values] == ["未办", "办理中", "逾期", "已办结"]
    assert [progress_colour(p) for p in Progress.values] == ["grey", "blue", "red", "green"]
    assert set(PROGRESS_COLOURS) == set(Progress.values)
    assert progress_label(None) == "" and progress_colour(None) == "grey"
