"""Service metrics on a hand-built data set: every rate and the median exactly, the department dimension
(distinct demands, returned tasks excluded), the minimum-cases rule, scope per persona, the page per persona
and its query count. The median from the close_days histogram is checked against ``statistics.median``.

Everything runs on the fixed personas (chaindesk/testkit/personas.py). The data set lives in May 2020, a period
the personas' world (built today) leaves empty, and sets the stored figures (response_days, close_days,
closed_on_time, rating, reopen_count) directly, so every expected figure below is counted by hand from the
table that sets them: nine demands of our enterprise on 测试甲链 (tasks for 测试甲局, "ours", and 测试乙局,
"theirs"), and three of a second 测试乙链 enterprise that has no liaison. One more test walks demands through
the services today and counts them the same way."""

import dataclasses
import datetime as dt
import random
import statistics
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from hypothesis import example, given, settings
from hypothesis import strategies as st

from chaindesk.accounts.models import User
from chaindesk.chains.models import Chain
from chaindesk.core import clock
from chaindesk.demands import metrics, services
from chaindesk.demands.choices import Channel, DemandStatus, Rating, TaskStatus
from chaindesk.demands.models import Category, Demand, Task
from chaindesk.demands.tests.factories import DemandWorld
from chaindesk.enterprises import services as enterprise_services
from chaindesk.enterprises.models import Enterprise
from chaindesk.rollups import engine as rollup_engine
from chaindesk.testkit.personas import Personas, make_uscc

pytestmark = pytest.mark.clock  # depends on today: CI runs it under other clocks too

START, END = dt.date(2020, 5, 1), dt.date(2020, 5, 31)
URL = "demands:metrics"
Q = f"?dimension=all&start={START}&end={END}"
OURS_CHAIN, THEIRS_CHAIN = "测试甲链", "测试乙链"
OURS_DEPT, THEIRS_DEPT = "测试甲局", "测试乙局"  # the departments' short names (personas.py): one name everywhere

C, S, P, A, R = (
    DemandStatus.CLOSED,
    DemandStatus.SUBMITTED,
    DemandStatus.IN_PROGRESS,
    DemandStatus.AWAITING_CONFIRMATION,
    DemandStatus.REJECTED,
)
SAT, BAS, UNS = Rating.SATISFIED, Rating.BASICALLY, Rating.UNSATISFIED
DONE, RET, WIP = TaskStatus.DONE, TaskStatus.RETURNED, TaskStatus.IN_PROGRESS

# (status, response_days, close_days, closed_on_time, rating, reopen_count, [(department, task status)])
OURS = [
    (C, 0, 5, True, SAT, 0, [("ours", DONE)]),  # D1
    (C, 1, 8, True, BAS, 1, [("ours", DONE), ("ours", DONE)]),  # D2: two tasks of ours, counted once
    (C, 2, 12, False, SAT, 0, [("ours", DONE), ("theirs", DONE)]),  # D3: split between two departments
    (C, 1, 20, False, BAS, 0, [("theirs", DONE)]),  # D4
    (P, 3, None, None, "", 0, [("ours", RET), ("theirs", WIP)]),  # D5: the returned task of ours does not count
    (A, 0, None, None, "", 0, [("ours", TaskStatus.COMPLETION_REQUESTED)]),  # D6
    (S, None, None, None, "", 0, []),  # D7: not accepted yet
    (R, 1, None, None, "", 0, []),  # D8: rejected the next working day: a response in time
    (P, 1, None, None, UNS, 1, [("ours", WIP)]),  # D9: rated 不满意, reopened
]
THEIRS = [(C, 0, 3, True, SAT, 0, [("theirs", DONE)])] * 3


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _submitted(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9, 30), tzinfo=timezone.get_current_timezone())


def _build(
    personas: Personas,
    enterprise: Enterprise,
    chain: Chain,
    spec: list[Any],
    actor: User,
    day: dt.date = START,
    rebuild: bool = True,
) -> list[Demand]:
    departments = {"ours": personas.ours.department, "theirs": personas.theirs.department}
    category = Category.objects.get(code="land")
    made = []
    for i, (status, resp, close, on_time, rating, reopen, tasks) in enumerate(spec):
        submitted = _submitted(day + dt.timedelta(days=i % 20))
        demand = Demand.objects.create(
            enterprise=enterprise,
            title=f"指标测试诉求{i + 1}",
            description="手工构造的指标测试数据",
            category=category,
            channel=Channel.TEAM,
            chain=chain,
            region=enterprise.region,
            liaison=enterprise.liaison,
            status=status,
            submitted_by=actor,
            submitted_at=submitted,
            accepted_at=submitted if resp is not None and status not in metrics.DECIDED else None,
            response_days=resp,
            closed_at=submitted + dt.timedelta(days=30) if status == C else None,
            close_days=close,
            closed_on_time=on_time,
            rating=rating,
            reopen_count=reopen,
        )
        for department, task_status in tasks:
            Task.objects.create(
                demand=demand,
                lead_department=departments[department],
                instructions="办理",
                working_days=10,
                deadline=day + dt.timedelta(days=20),
                status=task_status,
                assigned_by=actor,
            )
        made.append(demand)
    # Built past the services (stored figures set by hand), as a bulk load is: the rollup is rebuilt after it.
    if rebuild:
        rollup_engine.rebuild(["demand_days"])
    return made


def _theirs_without_liaison(personas: Personas) -> Enterprise:
    """A second enterprise of 测试乙链 in 测试乙区, registered by its chief and served by nobody yet."""
    region = personas.theirs.region
    return enterprise_services.enterprise_create(
        actor=personas.x_chief,
        name="测试乙二号企业有限公司",
        uscc=make_uscc("测试乙二号企业有限公司", region.code),
        region=region,
        address="测试乙区测试路2号",
        founded_on=dt.date(2012, 3, 1),
        business="测试产品的生产。",
        nodes=[personas.theirs.node],
    )


@pytest.fixture(scope="module")
def dataset(_module_world: Any) -> dict[str, Any]:
    """Built once for the module (built per test, it cost seven seconds a test), the rollup rebuilt once after it."""
    personas = _module_world.personas
    ours = personas.ours

    def make() -> dict[str, Any]:
        demands = _build(personas, ours.enterprise, ours.chain, OURS, personas.chief, rebuild=False)
        # outside the period on both sides: never counted
        _build(personas, ours.enterprise, ours.chain, OURS[:1], personas.chief, day=dt.date(2020, 4, 30), rebuild=False)
        _build(personas, ours.enterprise, ours.chain, OURS[:1], personas.chief, day=dt.date(2020, 6, 1), rebuild=False)
        other = _theirs_without_liaison(personas)
        assert other.liaison is None
        _build(personas, other, personas.theirs.chain, THEIRS, personas.x_chief, rebuild=False)
        rollup_engine.rebuild(["demand_days"])
        return {"demands": demands}

    return _module_world.build(make)


def _table(user: Any, dimension: str, **kwargs: Any) -> metrics.MetricTable:
    """The table as the page computes it (from the rollup for a chain's team and a district administrator), after
    checking that it equals the table computed from the demands themselves, row for row."""
    table = metrics.metric_table(user, dimension=dimension, start=START, end=END, **kwargs)
    with override_settings(CHAINDESK_ROLLUPS=False):
        live = metrics.metric_table(user, dimension=dimension, start=START, end=END, **kwargs)
    assert dataclasses.asdict(table) == dataclasses.asdict(live)
    return table


def _by_label(table: metrics.MetricTable) -> dict[str, metrics.MetricRow]:
    return {r.label: r for r in table.rows}


def _flow(row: metrics.MetricRow) -> tuple[int, ...]:
    """received, accepted, responded, closed, closed on time."""
    return (row.received, row.accepted, row.responded, row.closed, row.closed_on_time)


def test_every_rate_and_the_median_per_chain(dataset: dict[str, Any], personas: Personas) -> None:
    table = _table(personas.chief, "chain")
    assert [r.label for r in table.rows] == [OURS_CHAIN]  # the 测试乙链 demands are out of the chief's scope
    row = table.rows[0]
    # received D1-D9; accepted all but D7, D8; responded within 1 day D1, D2, D4, D6, D8 (rejected), D9; closed D1-D4
    assert (row.received, row.accepted, row.responded, row.closed) == (9, 7, 6, 4)
    # D7 still waits for triage years after its response deadline: due for a response, not responded; D8 was
    # answered by its rejection
    assert (row.late_waiting, row.decided, row.due) == (1, 1, 9)
    # on time D1, D2; rated D1-D4, D9; satisfied D1-D4; reopened and closed D2
    assert (row.closed_on_time, row.rated, row.satisfied, row.reopened) == (2, 5, 4, 1)
    assert row.rates == {
        "response": Decimal("0.6667"),  # 6 / 9: the 7 accepted, D8 rejected and D7, waiting
        "closure": Decimal("0.5714"),  # 4 / 7
        "on_time": Decimal("0.5000"),  # 2 / 4
        "satisfaction": Decimal("0.8000"),  # 4 / 5 (不满意 counts among the rated)
        "reopen": Decimal("0.2500"),  # 1 / 4
    }
    assert row.percents == {
        "response": Decimal("66.7"),
        "closure": Decimal("57.1"),
        "on_time": Decimal("50.0"),
        "satisfaction": Decimal("80.0"),
        "reopen": Decimal("25.0"),
    }
    assert row.median_close_days == Decimal("10.0")  # median of 5, 8, 12, 20
    assert table.total.received == 9 and table.total.median_close_days == Decimal("10.0")


def test_region_and_liaison_group_the_same_demands(dataset: dict[str, Any], personas: Personas) -> None:
    # our enterprise lies in 测试甲区 and is served by 测试专员 (the liaison persona)
    for dimension, label in (("region", "测试甲区"), ("liaison", "测试专员")):
        rows = _by_label(_table(personas.chief, dimension))
        assert set(rows) == {label}
        assert rows[label].received == 9 and rows[label].median_close_days == Decimal("10.0")


def test_departments_count_distinct_demands_without_returned_tasks(dataset: dict[str, Any], personas: Personas) -> None:
    rows = _by_label(_table(personas.chief, "department"))
    ours, theirs = rows[OURS_DEPT], rows[THEIRS_DEPT]
    # ours leads D1, D2 (twice), D3, D6, D9; its returned task on D5 does not count
    assert _flow(ours) == (5, 5, 4, 3, 2)
    assert (ours.rated, ours.satisfied) == (4, 3)
    # the reopen rate counts tasks: ours has 4 done lead tasks (D1, D2 twice, D3), none reopened (D2's 不满意
    # reopened the demand, not a task of ours); the open ones: D6 (申请办结) and D9
    assert (ours.reopened, ours.reopen_base, ours.open_tasks) == (0, 4, 2)
    assert ours.rates["on_time"] == Decimal("0.6667") and ours.rates["satisfaction"] == Decimal("0.7500")
    assert ours.percents["on_time"] == Decimal("66.7")  # 2 of the 3 closed
    assert ours.median_close_days == Decimal("8.0")  # 5, 8, 12: D2 counted once
    # theirs leads D3, D4, D5
    assert _flow(theirs) == (3, 3, 1, 2, 0)
    assert theirs.rates["response"] == Decimal("0.3333") and theirs.rates["satisfaction"] == Decimal("1.0000")
    assert theirs.median_close_days == Decimal("16.0")  # 12, 20
    assert set(rows) == {OURS_DEPT, THEIRS_DEPT}


def test_ranking_needs_the_minimum_number_of_cases(dataset: dict[str, Any], personas: Personas) -> None:
    chief = personas.chief
    # on_time is counted among the closed: ours 3, theirs 2
    rows = _table(chief, "department", rank_by="on_time", minimum=3).rows
    assert [(r.label, r.rank) for r in rows] == [(OURS_DEPT, 1), (THEIRS_DEPT, None)]
    # theirs has the better satisfaction (100%) but only 2 rated cases: listed after, unranked
    rows = _table(chief, "department", rank_by="satisfaction", minimum=3).rows
    assert [(r.label, r.rank) for r in rows] == [(OURS_DEPT, 1), (THEIRS_DEPT, None)]
    rows = _table(chief, "department", rank_by="satisfaction", minimum=2).rows
    assert [(r.label, r.rank) for r in rows] == [(THEIRS_DEPT, 1), (OURS_DEPT, 2)]
    assert rows[0].rates["satisfaction"] == Decimal("1.0000")
    # the reopen rate ranks lower first, per task: theirs 0 of 2 done tasks, ours 1 of 4 (one task reopened)
    first_of_d2 = dataset["demands"][1].tasks.order_by("pk").values_list("pk", flat=True)[0]
    Task.objects.filter(pk=first_of_d2).update(reopen_count=1)
    rollup_engine.rebuild(["demand_days"])  # written past the services
    rows = _table(chief, "department", rank_by="reopen", minimum=2).rows
    assert [(r.label, r.rank) for r in rows] == [(THEIRS_DEPT, 1), (OURS_DEPT, 2)]
    assert rows[0].rates["reopen"] == Decimal("0.0000")
    # the default minimum (5) leaves the chain's 4 closed demands unranked
    assert metrics.min_cases() == 5
    assert _table(chief, "chain").rows[0].rank is None


def test_equal_rates_share_a_rank() -> None:
    rows = [metrics.MetricRow(key=i, label=f"g{i}", closed=5, closed_on_time=n) for i, n in enumerate((5, 4, 5))]
    for r in rows:
        r.fill_rates()
    assert [(r.label, r.rank) for r in metrics.rank(rows, "on_time", 5)] == [("g0", 1), ("g2", 1), ("g1", 3)]


def test_scope_per_persona(dataset: dict[str, Any], personas: Personas) -> None:
    theirs = _table(personas.x_chief, "chain")
    assert [r.label for r in theirs.rows] == [THEIRS_CHAIN] and theirs.rows[0].received == 3
    # the handler (测试甲局) sees the demands with a task for her department: D1, D2, D3, D5, D6, D9
    rows = _by_label(_table(personas.handler, "chain"))
    assert set(rows) == {OURS_CHAIN} and rows[OURS_CHAIN].received == 6
    dept = _by_label(_table(personas.handler, "department"))
    assert dept[OURS_DEPT].received == 5
    assert dept[THEIRS_DEPT].received == 2  # D3 and D5, not D4 or 测试乙链's
    # the district admin of 测试甲区 sees our enterprise's nine, not 测试乙区's
    assert [(r.label, r.received) for r in _table(personas.district, "chain").rows] == [(OURS_CHAIN, 9)]
    # the other liaison serves neither enterprise
    assert _table(personas.x_liaison, "chain").rows == []


def test_period_is_inclusive_of_both_days(dataset: dict[str, Any], personas: Personas) -> None:
    chief = personas.chief
    one_day = metrics.metric_table(chief, dimension="chain", start=dt.date(2020, 4, 30), end=dt.date(2020, 4, 30))
    assert one_day.rows[0].received == 1
    june = metrics.metric_table(chief, dimension="chain", start=dt.date(2020, 6, 1), end=dt.date(2020, 6, 1))
    assert june.rows[0].received == 1


def test_rates_of_demands_walked_through_the_services(personas: Personas) -> None:
    """Today, through the services: the world's demand of ours (accepted, its task open), one closed 满意, one
    closed 基本满意 after a 不满意 reopened it, and one rejected. Each accepted or rejected at once: 4 of 4
    responded (the rejection stores its response time as an acceptance does); 2 of the 3 accepted closed
    (66.7%), both on time, both satisfied, 1 of 2 reopened; 0 working days each."""
    world = DemandWorld(personas)
    world.demand(status=DemandStatus.CLOSED, title="已办结诉求")
    reopened = world.demand(status=DemandStatus.AWAITING_CONFIRMATION, title="重办后办结诉求")
    services.demand_confirm(demand=reopened, actor=personas.ent_user, rating=Rating.UNSATISFIED, comment="未落实")
    task = reopened.tasks.get()
    services.task_request_completion(task=task, actor=personas.handler, result="已落实")
    services.task_accept_completion(task=task, actor=personas.chief)
    reopened.refresh_from_db()
    services.demand_confirm(demand=reopened, actor=personas.ent_user, rating=Rating.BASICALLY)
    rejected = world.demand(status=DemandStatus.REJECTED, title="不予受理诉求")
    assert rejected.response_days == 0 and rejected.accepted_at is None

    today = clock.today()
    table = metrics.metric_table(personas.chief, dimension="chain", start=today, end=today)
    [row] = table.rows
    assert row.label == OURS_CHAIN
    assert (row.received, row.accepted, row.decided, row.responded, row.closed) == (4, 3, 1, 4, 2)
    assert (row.closed_on_time, row.rated, row.satisfied, row.reopened) == (2, 2, 2, 1)
    assert row.percents == {
        "response": Decimal("100.0"),
        "closure": Decimal("66.7"),
        "on_time": Decimal("100.0"),
        "satisfaction": Decimal("100.0"),
        "reopen": Decimal("50.0"),
    }
    assert row.median_close_days == Decimal("0.0")


def test_page_anonymous_and_wrong_role(client: Client, personas: Personas) -> None:
    url = reverse(URL)
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    assert _client(personas.ent_user).get(url).status_code == 403
    assert _client(personas.sysadmin).get(url).status_code == 403


def test_page_shows_tables_chart_definitions(dataset: dict[str, Any], personas: Personas) -> None:
    response = _client(personas.chief).get(reverse(URL) + Q + "&rank_by=satisfaction")
    assert response.status_code == 200
    html = response.content.decode()
    for dimension in metrics.DIMENSIONS:
        assert f'data-testid="metrics-table-{dimension}"' in html
    assert "metrics-chart-data" in html and "demands/metrics.js" in html
    assert "不少于 5 件" in html  # the minimum is shown
    assert "66.7%" in html and "10.0" in html and THEIRS_CHAIN not in html
    assert "1个工作日内受理、不予受理或合并的诉求" in html  # definitions printed
    tables = response.context["tables"]
    assert [t.dimension for t in tables] == list(metrics.DIMENSIONS)


def test_page_in_and_out_of_scope(dataset: dict[str, Any], personas: Personas) -> None:
    html = _client(personas.x_chief).get(reverse(URL) + Q).content.decode()
    assert THEIRS_CHAIN in html and OURS_CHAIN not in html.split("metrics-table-chain")[1]
    html = _client(personas.handler).get(reverse(URL) + Q + "&dimension=department").content.decode()
    assert OURS_DEPT in html
    empty = _client(personas.x_liaison).get(reverse(URL) + Q)
    assert empty.status_code == 200 and "统计期内没有可查看的诉求" in empty.content.decode()


def test_bad_input_falls_back_to_defaults(dataset: dict[str, Any], personas: Personas) -> None:
    response = _client(personas.chief).get(reverse(URL) + "?start=2020-06-01&end=2020-05-01&dimension=nope")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="metrics-errors"' in html
    assert response.context["dimension"] == "chain" and response.context["end"] == clock.today()


def test_a_date_past_2100_is_refused_in_chinese_not_a_server_error(dataset: dict[str, Any], personas: Personas) -> None:
    """Found by the parameter fuzz: 9999-12-31 overflowed the working-day count."""
    client = _client(personas.chief)
    for query in ("?end=9999-12-31", "?start=9999-12-31"):
        response = client.get(reverse(URL) + query)
        assert response.status_code == 200, query
        assert "日期不能晚于 2100 年。" in response.content.decode(), query


def test_page_query_count(dataset: dict[str, Any], personas: Personas, django_assert_max_num_queries: Any) -> None:
    client = _client(personas.chief)
    client.get(reverse(URL) + Q)  # warm-up
    # session, user, the triage backlog (the rollup's count and first month, the first day, the oldest of that
    # day), the chief's chains, then per dimension the rollup's rows and the groups' names (2 × 4), and the
    # departments' open tasks
    with django_assert_max_num_queries(15):
        assert client.get(reverse(URL) + Q).status_code == 200
    with django_assert_max_num_queries(8):  # one dimension (and the backlog, as above)
        assert client.get(reverse(URL) + f"?start={START}&end={END}").status_code == 200


def _expected(values: list[int]) -> Decimal:
    """The figure shown before the histogram: statistics.median of the list, rounded to 0.1."""
    return Decimal(str(statistics.median(values))).quantize(Decimal("0.1"), ROUND_HALF_UP)


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=80))
@example(values=[7])  # one element
@example(values=[3, 3])  # even, duplicates
@example(values=[5, 8, 12, 20])  # even, averaged to a .0
@example(values=[5, 10])  # even, averaged to a .5
@example(values=[2, 9, 9, 9, 1, 30])  # the middle pair inside one value
def test_histogram_median_equals_statistics_median(values: list[int]) -> None:
    got = metrics.median_of_histogram(Counter(values))
    want = statistics.median(values)
    assert got == want and type(got) is type(want)  # int for an odd count, float for an even one
    assert metrics._median(Counter(values)) == _expected(values)


def test_histogram_median_on_random_lists_and_empty() -> None:
    rng = random.Random(20200501)
    for size in list(range(1, 41)) * 25 + [999, 1000, 5001]:
        values = [rng.choice((rng.randint(0, 10), rng.randint(0, 400))) for _ in range(size)]
        assert metrics.median_of_histogram(Counter(values)) == statistics.median(values), values
    assert metrics.median_of_histogram(Counter()) is None and metrics._median({}) is None
    assert metrics.median_of_histogram({4: 0, 9: 1}) == 9  # an empty bucket is no value


# July 2020: (status, response_days, close_days, closed_on_time, rating, reopen_count, tasks)
TWICE = [
    (C, 0, 5, True, SAT, 0, [("ours", DONE), ("ours", DONE)]),  # ours leads two of its tasks: once
    (C, 0, 10, True, SAT, 0, [("ours", DONE), ("theirs", DONE)]),  # split: once for each
    (C, 1, 30, False, BAS, 0, [("ours", RET), ("theirs", DONE)]),  # the returned task of ours does not count
]
JULY = dt.date(2020, 7, 1)


def test_department_median_counts_a_demand_led_twice_once(personas: Personas) -> None:
    chief = personas.chief
    _build(personas, personas.ours.enterprise, personas.ours.chain, TWICE, chief, day=JULY)
    ours, theirs = personas.ours.department, personas.theirs.department
    lo, hi = metrics.period_bounds(JULY, dt.date(2020, 7, 31))
    demands = Demand.objects.visible_to(chief).filter(submitted_at__gte=lo, submitted_at__lt=hi)
    _rows, histograms = metrics._grouped(demands, "department")
    assert histograms == {ours.pk: Counter({5: 1, 10: 1}), theirs.pk: Counter({10: 1, 30: 1})}
    table = metrics.metric_table(chief, dimension="department", start=JULY, end=dt.date(2020, 7, 31))
    rows = {r.key: r for r in table.rows}
    assert rows[ours.pk].closed == 2 and rows[ours.pk].median_close_days == Decimal("7.5")  # not 5 (5, 5, 10)
    assert rows[theirs.pk].closed == 2 and rows[theirs.pk].median_close_days == Decimal("20.0")
    assert table.total.closed == 4 and table.total.median_close_days == Decimal("10.0")  # 5, 10, 10, 30
    chain = metrics.metric_table(chief, dimension="chain", start=JULY, end=dt.date(2020, 7, 31))
    assert chain.total.closed == 3 and chain.total.median_close_days == Decimal("10.0")  # 5, 10, 30


@pytest.mark.parametrize("dimension", list(metrics.DIMENSIONS))
def test_one_query_per_dimension(
    dimension: str, dataset: dict[str, Any], personas: Personas, django_assert_num_queries: Any
) -> None:
    chief = personas.chief
    with override_settings(CHAINDESK_ROLLUPS=False), django_assert_num_queries(1):
        # from the demands: GROUP BY (group, close_days), the counts and the histogram
        table = metrics.metric_table(chief, dimension=dimension, start=START, end=END)
    # closed: 5, 8, 12, 20 per demand; per department ours 5, 8, 12 and theirs 12, 20
    assert table.rows and table.total.median_close_days == Decimal("10.0" if dimension != "department" else "12.0")
    # From the rollup: the chief's chains (once: the scope keeps them for the request), the rollup's rows (whole
    # months and the days left, one UNION), the groups' names; the departments' open tasks are in the rows too.
    chief = User.objects.get(pk=chief.pk)  # a fresh scope
    with django_assert_num_queries(3):
        rolled = metrics.metric_table(chief, dimension=dimension, start=START, end=END)
    assert dataclasses.asdict(rolled) == dataclasses.asdict(table)
