"""The department task queue's query shape (selectors_queues.department_tasks): the same rows, in the same order,
as the shape it replaced — the reader's visible tasks (Task.scope_paths: led or co-handled by the department)
cut to the side, ranked overdue-open first, then open, then closed, by deadline and id — for every side, status
and escalation filter, for a handler and for their department's head, with tasks in every state, deadlines
past, today and ahead, and ties on the deadline. And the page's counts: the tabs' badges and the list's count
(taken from the badge on a tab's default view, counted otherwise) are those of the old shape.

On the personas (chaindesk/testkit/personas.py): "ours" is 测试甲局, the handler's department; "theirs" 测试乙局."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import User
from chaindesk.core import clock
from chaindesk.demands import selectors_queues as sq
from chaindesk.demands.choices import OPEN_TASK, DemandStatus, Escalation, TaskStatus
from chaindesk.demands.models import Demand, Task
from chaindesk.testkit.personas import Personas, add_user

pytestmark = pytest.mark.clock  # depends on today: CI runs it under other clocks too

STATUSES = [sq.STATUS_OPEN, sq.STATUS_ALL, *TaskStatus.values]
ESCALATIONS = ["", *sq.ESCALATION_COLOURS]


def _old_shape(user: User, side: str, status: str, escalation: str, today: dt.date) -> QuerySet[Task]:
    """The queue as it was read before: visible_to(user) cut to the side, ordered by the open-first rank."""
    dept = user.department_id
    assert dept is not None
    lead = Q(lead_department_id=dept)
    co = Q(pk__in=Task.co_departments.through.objects.filter(department_id=dept).values("task_id")) & ~lead
    qs = Task.objects.visible_to(user).filter(lead if side == sq.SIDE_LEAD else co)
    if status == sq.STATUS_OPEN:
        qs = qs.filter(status__in=OPEN_TASK)
    elif status != sq.STATUS_ALL:
        qs = qs.filter(status=status)
    if escalation:
        qs = qs.filter(escalation=escalation, deadline__lt=sq.marked_before(escalation, today))
    rank = Case(
        When(status__in=OPEN_TASK, deadline__lt=today, then=Value(0)),
        When(status__in=OPEN_TASK, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return qs.annotate(queue_rank=rank).order_by("queue_rank", "deadline", "pk")


@pytest.fixture
def queue_world(
    personas: Personas, make_demand: Callable[..., Demand], make_task: Callable[..., Task]
) -> dict[str, list[int]]:
    """Tasks of every state on both sides of 测试甲局's queue (and some of nobody's concern to it), with deadlines
    before, on and after today (several on the same day), some carrying escalation marks."""
    today = clock.today()
    days = [-9, -4, -1, 0, 0, 3, 3, 12]
    states = [*TaskStatus.values]
    marks = ["", Escalation.REMINDED, Escalation.WARNED, Escalation.SUPERVISED]
    made: dict[str, list[int]] = {"lead": [], "co": [], "other": []}
    plan = [
        ("lead", "ours", ()),
        ("lead", "ours", ("theirs",)),
        ("lead", "ours", ("ours",)),  # led and co-handled: 主办 only
        ("co", "theirs", ("ours",)),
        ("other", "theirs", ()),
    ]
    n = 0
    for kind, lead, co in plan:
        for i, status in enumerate(states):
            demand = make_demand(status=DemandStatus.ACCEPTED, title=f"事项{n}")
            task = make_task(demand, department=lead, co=co)
            offset = days[(i + n) % len(days)]
            Task.objects.filter(pk=task.pk).update(
                status=status, deadline=today + dt.timedelta(days=offset), escalation=marks[(i * 3 + n) % len(marks)]
            )
            made[kind].append(task.pk)
            n += 1
    return made


@pytest.fixture
def head(personas: Personas) -> User:
    """The head of 测试甲局: a department handler too (the queue is the same page for them)."""
    user = add_user("p_head_a", "甲局负责人", Role.DEPT_HANDLER, personas.city, personas.ours.department)
    User.objects.filter(pk=user.pk).update(is_department_head=True)
    return User.objects.get(pk=user.pk)


@pytest.mark.parametrize("who", ["handler", "head"])
def test_every_filter_returns_the_old_shapes_rows_in_its_order(
    personas: Personas, queue_world: dict[str, list[int]], head: User, who: str
) -> None:
    user = personas.handler if who == "handler" else head
    today = clock.today()
    seen = set()
    for side in (sq.SIDE_LEAD, sq.SIDE_CO):
        for status in STATUSES:
            for escalation in ESCALATIONS:
                filters: dict[str, Any] = {"side": side, "status": status, "escalation": escalation or None}
                qs, queue = sq.department_tasks(user, filters, today)
                old = _old_shape(user, side, status, escalation, today)
                rows = list(qs.values_list("pk", flat=True))
                assert rows == list(old.values_list("pk", flat=True)), (side, status, escalation)
                assert qs.count() == old.count()
                assert (queue["side"], queue["status"], queue["escalation"]) == (side, status, escalation)
                seen.update(rows)
    # the world is exercised: every task the reader may see shows somewhere (the fixture's and the personas' own
    # pending task of 测试甲局), the other department's do not
    assert seen == set(Task.objects.visible_to(user).values_list("pk", flat=True))
    assert seen >= set(queue_world["lead"]) | set(queue_world["co"])
    assert not seen & set(queue_world["other"])
    counts = sq.side_counts(user)
    for side in (sq.SIDE_LEAD, sq.SIDE_CO):
        assert counts[side] == _old_shape(user, side, sq.STATUS_OPEN, "", today).count()
    assert counts == {"lead": 13, "co": 4}  # 3 × 4 open states led and the personas' own, 4 co-handled


@pytest.mark.parametrize("who", ["handler", "head"])
def test_the_pages_counts_and_rows_are_the_old_shapes(
    personas: Personas, queue_world: dict[str, list[int]], head: User, who: str
) -> None:
    user = personas.handler if who == "handler" else head
    client = Client()
    client.force_login(user)
    today = clock.today()
    for query, side, status, escalation in [
        ("", sq.SIDE_LEAD, sq.STATUS_OPEN, ""),
        ("?side=co", sq.SIDE_CO, sq.STATUS_OPEN, ""),
        ("?status=all", sq.SIDE_LEAD, sq.STATUS_ALL, ""),
        ("?side=co&status=done", sq.SIDE_CO, TaskStatus.DONE, ""),
        ("?escalation=warned", sq.SIDE_LEAD, sq.STATUS_OPEN, Escalation.WARNED),
    ]:
        context = client.get(reverse("demands:tasks") + query).context
        old = _old_shape(user, side, status, escalation, today)
        assert [t.pk for t in context["rows"]] == list(old.values_list("pk", flat=True)), query
        assert context["page_obj"].paginator.count == old.count(), query
        assert context["queue"]["side_counts"] == {
            s: _old_shape(user, s, sq.STATUS_OPEN, "", today).count() for s in (sq.SIDE_LEAD, sq.SIDE_CO)
        }


def test_a_tabs_default_view_takes_its_count_from_the_badge(
    personas: Personas, queue_world: dict[str, list[int]]
) -> None:
    client = Client()
    client.force_login(personas.handler)
    url = reverse("demands:tasks")
    client.get(url)  # the calendar and the session, loaded once

    def queries(query: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url + query).status_code == 200
        return len(captured.captured_queries)

    # the default view of each tab pays no COUNT of its own; a filtered view counts its rows
    assert queries("") == queries("?side=co") == queries("?status=all") - 1 == queries("?escalation=warned") - 1


def test_a_side_is_read_without_the_visibility_rules_or(personas: Personas) -> None:
    """The 协办 side no longer carries (led OR co-handled) — the OR that made PostgreSQL read the whole table —
    because the handler's rule is exactly the two sides (asserted here, so that a change to Task.scope_paths
    sends the queue back through visible_to instead of silently widening it)."""
    assert Task.scope_paths.department == sq.LEAD_OR_CO
    for side in (sq.SIDE_LEAD, sq.SIDE_CO):
        qs, _queue = sq.department_tasks(personas.handler, {"side": side}, clock.today())
        assert " OR " not in str(qs.query)
