"""Honest rates (issue 11 item 6) on a hand-built data set: the response rate counts the demands still waiting
for triage past their deadline and the ones rejected or merged (a decision is a response, in time or late), the
reopen rate counts tasks per department, the departments' open and overdue tasks, the groups the minimum-case rule
leaves out by name, and the triage backlog on the metrics page and the 工作台 cards.

The figures are computed as of a fixed day, 2020-06-12 (a Friday; the calendar package covers 2020), passed as
`today`, over demands submitted in June 2020 on the personas' chain 测试甲链, so they hold under every clock.
The pages use the session's clock: their checks count from it.

June 2020's working days: 1-5, 8-12 (Monday to Friday); so on 2020-06-12 a demand submitted on 06-01 has waited
9 working days, one submitted on 06-10 2 (late: even accepted now it would take 2), one on 06-11 1 (in time)."""

import dataclasses
import datetime as dt
import importlib
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from chaindesk.accounts.models import User
from chaindesk.core import clock
from chaindesk.demands import metrics
from chaindesk.demands.choices import Channel, DemandStatus, Rating, TaskStatus
from chaindesk.demands.models import Category, Demand, DemandEvent, Task
from chaindesk.demands.workdays import workdays_between
from chaindesk.rollups import engine as rollup_engine
from chaindesk.testkit.personas import Personas

pytestmark = pytest.mark.clock  # the pages count from today: CI runs them under other clocks too

TODAY = dt.date(2020, 6, 12)
START, END = dt.date(2020, 6, 1), dt.date(2020, 6, 30)
OURS_CHAIN = "测试甲链"
OURS_DEPT, THEIRS_DEPT = "测试甲局", "测试乙局"  # short names, as every page shows a department
HX = {"HX-Request": "true"}

S, NI, P, C, R, M = (
    DemandStatus.SUBMITTED,
    DemandStatus.NEEDS_INFO,
    DemandStatus.IN_PROGRESS,
    DemandStatus.CLOSED,
    DemandStatus.REJECTED,
    DemandStatus.MERGED,
)
DECIDED = (R, M)
DONE, WIP, PEND, RET = TaskStatus.DONE, TaskStatus.IN_PROGRESS, TaskStatus.PENDING, TaskStatus.RETURNED

# key: (submitted in June, status, response_days, reopen_count, [(department, status, deadline day, reopened)])
DEMANDS: dict[str, tuple[int, str, int | None, int, list[tuple[str, str, int, int]]]] = {
    "W1": (1, S, None, 0, []),  # waiting 9 working days: late, the oldest
    "W3": (10, S, None, 0, []),  # waiting 2: late
    "W2": (11, S, None, 0, []),  # waiting 1: still in time, not yet due
    "N1": (2, NI, None, 0, []),  # 待补充: waits on the enterprise, not due
    "X1": (3, R, 2, 0, []),  # 不予受理 2 working days after submission: due, responded late
    "M1": (4, M, 0, 0, []),  # 合并 the day it came: due, responded in time
    # A1 closed after 不满意 reopened only ours: the task of theirs was not at fault
    "A1": (1, C, 0, 1, [("ours", DONE, 10, 1), ("theirs", DONE, 10, 0)]),
    "A2": (2, P, 1, 0, [("ours", DONE, 10, 0), ("ours", WIP, 5, 0)]),  # ours' open task overdue since 06-05
    # theirs: open, due later; pending, due today (not overdue); returned (not counted)
    "A3": (3, P, 3, 0, [("theirs", WIP, 20, 0), ("theirs", PEND, 12, 0), ("theirs", RET, 4, 0)]),
}


def _at(day: int) -> dt.datetime:
    return dt.datetime(2020, 6, day, 9, 30, tzinfo=timezone.get_current_timezone())


@pytest.fixture(scope="module")
def dataset(_module_world: Any) -> dict[str, Demand]:
    """Built once for the module (per test it cost two seconds a test)."""
    return _module_world.build(lambda: _dataset(_module_world.personas))


def _dataset(personas: Personas) -> dict[str, Demand]:
    ours = personas.ours
    departments = {"ours": ours.department, "theirs": personas.theirs.department}
    category = Category.objects.get(code="land")
    made = {}
    for key, (day, status, response, reopen, tasks) in DEMANDS.items():
        made[key] = demand = Demand.objects.create(
            enterprise=ours.enterprise,
            title=f"如实指标{key}",
            description="手工构造的指标测试数据",
            category=category,
            channel=Channel.TEAM,
            chain=ours.chain,
            region=ours.enterprise.region,
            liaison=ours.enterprise.liaison,
            status=status,
            submitted_by=personas.chief,
            submitted_at=_at(day),
            accepted_at=_at(day) if response is not None and status not in DECIDED else None,
            response_days=response,
            closed_at=_at(20) if status == C else None,
            close_days=12 if status == C else None,
            closed_on_time=True if status == C else None,
            rating=Rating.BASICALLY if status == C else "",
            reopen_count=reopen,
        )
        for department, task_status, deadline, reopened in tasks:
            Task.objects.create(
                demand=demand,
                lead_department=departments[department],
                instructions="办理",
                working_days=5,
                deadline=dt.date(2020, 6, deadline),
                status=task_status,
                reopen_count=reopened,
                assigned_by=personas.chief,
            )
    rollup_engine.rebuild(["demand_days"])  # built past the services, as a bulk load is
    return made


def _table(user: User, dimension: str, **kwargs: Any) -> metrics.MetricTable:
    """The page's table (from the rollup for a chain's team or a district), checked against the demands'."""
    table = metrics.metric_table(user, dimension=dimension, start=START, end=END, today=TODAY, **kwargs)
    with override_settings(CHAINDESK_ROLLUPS=False):
        live = metrics.metric_table(user, dimension=dimension, start=START, end=END, today=TODAY, **kwargs)
    assert dataclasses.asdict(table) == dataclasses.asdict(live)
    return table


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_response_cutoff_is_the_second_latest_working_day() -> None:
    tz = timezone.get_current_timezone()
    assert metrics.response_cutoff(TODAY) == dt.datetime(2020, 6, 11, tzinfo=tz)  # Friday: Thursday
    # on Monday 06-15 the two latest working days are 06-12 and 06-15: Friday's start
    assert metrics.response_cutoff(dt.date(2020, 6, 15)) == dt.datetime(2020, 6, 12, tzinfo=tz)
    # on Sunday 06-14 (a rest day) they are 06-11 and 06-12
    assert metrics.response_cutoff(dt.date(2020, 6, 14)) == dt.datetime(2020, 6, 11, tzinfo=tz)


def test_response_rate_counts_the_demands_still_waiting(dataset: dict[str, Demand], personas: Personas) -> None:
    [row] = _table(personas.chief, "chain").rows
    assert row.label == OURS_CHAIN and row.received == 9
    # accepted A1, A2, A3; decided without acceptance X1 (rejected), M1 (merged); late and waiting W1, W3;
    # responded within a working day A1 (0), A2 (1), M1 (0); not N1 (待补充: waits on the enterprise)
    assert (row.accepted, row.decided, row.late_waiting, row.due) == (3, 2, 2, 7)
    assert row.responded == 3
    assert row.rates["response"] == Decimal("0.4286")  # 3 / 7, where the accepted alone gave 2 / 3
    assert row.percents["response"] == Decimal("42.9")
    # a week later W2 is late too: 3 / 8
    [later] = metrics.metric_table(
        personas.chief, dimension="chain", start=START, end=END, today=dt.date(2020, 6, 19)
    ).rows
    assert (later.late_waiting, later.rates["response"]) == (3, Decimal("0.3750"))
    # the closure rate keeps the accepted demands as its base: A1 of 3
    assert row.rates["closure"] == Decimal("0.3333")


def test_reopen_rate_per_task_for_departments_per_demand_elsewhere(
    dataset: dict[str, Demand], personas: Personas
) -> None:
    [chain] = _table(personas.chief, "chain").rows
    assert (chain.reopened, chain.reopen_base, chain.rates["reopen"]) == (1, 1, Decimal("1.0000"))  # A1 of 1
    rows = {r.label: r for r in _table(personas.chief, "department").rows}
    assert set(rows) == {OURS_DEPT, THEIRS_DEPT}
    ours, theirs = rows[OURS_DEPT], rows[THEIRS_DEPT]
    # ours: done A1 (reopened), A2's first; theirs: done A1 only, never reopened
    assert (ours.reopened, ours.reopen_base, ours.rates["reopen"]) == (1, 2, Decimal("0.5000"))
    assert (theirs.reopened, theirs.reopen_base, theirs.rates["reopen"]) == (0, 1, Decimal("0.0000"))


def test_open_and_overdue_tasks_per_department(dataset: dict[str, Demand], personas: Personas) -> None:
    table = _table(personas.chief, "department")
    rows = {r.label: r for r in table.rows}
    assert (rows[OURS_DEPT].open_tasks, rows[OURS_DEPT].overdue_tasks) == (1, 1)  # A2's, due 06-05
    # A3: in progress due 06-20 and pending due today; the returned one is not counted
    assert (rows[THEIRS_DEPT].open_tasks, rows[THEIRS_DEPT].overdue_tasks) == (2, 0)
    assert (table.total.open_tasks, table.total.overdue_tasks) == (3, 1)
    # on 06-15 the pending task due 06-12 is overdue as well
    moved = metrics.metric_table(
        personas.chief, dimension="department", start=START, end=END, today=dt.date(2020, 6, 15)
    )
    assert {r.label: r.overdue_tasks for r in moved.rows} == {OURS_DEPT: 1, THEIRS_DEPT: 1}
    # the other dimensions carry no task columns
    assert _table(personas.chief, "chain").rows[0].open_tasks is None and not _table(personas.chief, "chain").per_task


def test_the_groups_left_out_of_the_ranking_are_named(dataset: dict[str, Demand], personas: Personas) -> None:
    # by response rate with the default minimum of 5: the chain has 7 due (ranked); each department 2 (not)
    assert _table(personas.chief, "chain", rank_by="response").left_out == []
    table = _table(personas.chief, "department", rank_by="response")
    assert sorted(table.left_out) == sorted([OURS_DEPT, THEIRS_DEPT])
    # by reopen rate with a minimum of 2: ours (2 done tasks) ranks, theirs (1) is left out
    table = _table(personas.chief, "department", rank_by="reopen", minimum=2)
    assert [(r.label, r.rank) for r in table.rows] == [(OURS_DEPT, 1), (THEIRS_DEPT, None)]
    assert table.left_out == [THEIRS_DEPT]


def test_triage_backlog_count_and_oldest_wait(dataset: dict[str, Demand], personas: Personas) -> None:
    backlog = metrics.triage_backlog(personas.chief, TODAY)
    # W1, W2, W3 wait for triage (N1 waits on the enterprise); the oldest, W1, for 9 working days
    assert backlog.count == 3
    assert backlog.oldest_submitted_at == _at(1) and backlog.oldest_days == 9
    assert metrics.triage_backlog(personas.member, TODAY).count == 3
    assert metrics.triage_backlog(personas.x_chief, TODAY).count == 0  # another chain's team
    empty = metrics.triage_backlog(personas.x_chief, TODAY)
    assert empty.oldest_days is None and empty.oldest_submitted_at is None


def test_backlog_is_one_query(dataset: dict[str, Demand], personas: Personas, django_assert_num_queries: Any) -> None:
    """Counted from the demands: one query. From the rollup (a province's backlog is a COUNT of tens of thousands of
    rows): the team's chains, the count and first month from the monthly rows, the first day from that month's
    daily rows, the oldest of that day; the same backlog."""
    with override_settings(CHAINDESK_ROLLUPS=False), django_assert_num_queries(1):
        counted = metrics.triage_backlog(personas.chief, TODAY)
    chief = type(personas.chief).objects.get(pk=personas.chief.pk)  # a fresh scope
    with django_assert_num_queries(4):
        assert metrics.triage_backlog(chief, TODAY) == counted
    assert counted.count == 3


def test_metrics_page_shows_backlog_columns_and_left_out(dataset: dict[str, Demand], personas: Personas) -> None:
    query = f"?dimension=all&start={START}&end={END}&rank_by=response"
    response = _client(personas.chief).get(reverse("demands:metrics") + query)
    assert response.status_code == 200
    html = response.content.decode()
    waited = workdays_between(dt.date(2020, 6, 1), clock.today())
    assert 'data-testid="triage-backlog"' in html
    assert response.context["backlog"].count == 3 and response.context["backlog"].oldest_days == waited
    assert f'data-testid="backlog-oldest">{waited}<' in html
    department = html.split('data-testid="metrics-table-department"')[1].split('data-testid="metrics-table-')[0]
    assert "在办(件)" in department and "逾期(件)" in department and "重办率(按任务)" in department
    left_out = department.split('data-testid="metrics-left-out"')[1].split("</div>")[0]
    assert OURS_DEPT in left_out and THEIRS_DEPT in left_out and "不足 5 件" in left_out
    chain = html.split('data-testid="metrics-table-chain"')[1].split('data-testid="metrics-table-')[0]
    assert "在办(件)" not in chain and "各组均参与排名" in chain
    # today every waiting demand of June 2020 is late: 3 / 8
    assert "37.5%" in chain
    assert "提交已超过1个工作日仍待受理的诉求" in html  # the rule is printed
    assert "不予受理或合并也是对企业的答复" in html


def test_metrics_page_backlog_not_for_department_handlers(dataset: dict[str, Demand], personas: Personas) -> None:
    response = _client(personas.handler).get(reverse("demands:metrics") + f"?start={START}&end={END}")
    assert response.status_code == 200 and response.context["backlog"] is None
    assert 'data-testid="triage-backlog"' not in response.content.decode()


def test_workbench_cards_show_the_backlog(dataset: dict[str, Demand], personas: Personas) -> None:
    waited = workdays_between(dt.date(2020, 6, 1), clock.today())
    team = _client(personas.member).get(reverse("demands:card_triage"), headers=HX).content.decode()
    line = team.split('data-testid="triage-backlog"')[1].split("</div>")[0]
    assert "待受理积压 3 件" in line and f"最久已等 {waited} 个工作日" in line
    chief = _client(personas.chief).get(reverse("demands:card_supervision"), headers=HX).content.decode()
    line = chief.split('data-testid="triage-backlog"')[1].split("</div>")[0]
    assert "待受理积压 3 件" in line and f"最久已等 {waited} 个工作日" in line
    outsider = _client(personas.x_chief).get(reverse("demands:card_supervision"), headers=HX).content.decode()
    assert "无待受理积压" in outsider


def test_the_migration_fills_the_response_time_of_earlier_decisions(personas: Personas) -> None:
    """Demands rejected or merged before the services stored it get the working days to their decision event:
    06-01 → 06-03 is 2 (late), 06-11 → 06-11 is 0 (in time); one without an event keeps none."""
    from django.apps import apps

    fill = importlib.import_module("chaindesk.demands.migrations.0008_response_days_of_decisions").fill
    made = {}
    for key, status, day, decided in (("R", R, 1, 3), ("M", M, 11, 11), ("X", R, 2, None)):
        made[key] = demand = Demand.objects.create(
            enterprise=personas.ours.enterprise,
            title=f"决定前{key}",
            description="手工构造",
            category=Category.objects.get(code="land"),
            channel=Channel.TEAM,
            chain=personas.ours.chain,
            region=personas.ours.enterprise.region,
            status=status,
            submitted_by=personas.chief,
            submitted_at=_at(day),
        )
        if decided is not None:
            event = DemandEvent.objects.create(demand=demand, kind=status, to_status=status, actor=personas.chief)
            DemandEvent.objects.filter(pk=event.pk).update(created_at=_at(decided) + dt.timedelta(hours=6))
    fill(apps, SimpleNamespace(connection=connection))  # what RunPython hands it: the migrated database
    assert {k: Demand.objects.get(pk=d.pk).response_days for k, d in made.items()} == {"R": 2, "M": 0, "X": None}
