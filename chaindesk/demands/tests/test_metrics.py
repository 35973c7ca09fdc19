"""Service metrics on a hand-built data set: every rate and the median exactly, the department dimension
(distinct demands, returned tasks excluded), the minimum-cases rule, scope per persona, the page per persona
and its query count. The median from the close_days histogram is checked against ``statistics.median``.

The data set lives in May 2020, a period the demo city leaves empty, and sets the stored figures
(response_days, close_days, closed_on_time, rating, reopen_count) directly."""

import datetime as dt
import random
import statistics
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import example, given, settings
from hypothesis import strategies as st

from chaindesk.accounts.models import Department
from chaindesk.chains.models import Chain
from chaindesk.demands import metrics
from chaindesk.demands.choices import Channel, DemandStatus, Rating, TaskStatus
from chaindesk.demands.models import Category, Demand, Task
from chaindesk.enterprises.models import Enterprise

pytestmark = pytest.mark.clock  # depends on today: CI runs it under other clocks too

START, END = dt.date(2020, 5, 1), dt.date(2020, 5, 31)
URL = "demands:metrics"
Q = f"?dimension=all&start={START}&end={END}"

C, S, P, A, R = (
    DemandStatus.CLOSED,
    DemandStatus.SUBMITTED,
    DemandStatus.IN_PROGRESS,
    DemandStatus.AWAITING_CONFIRMATION,
    DemandStatus.REJECTED,
)
SAT, BAS, UNS = Rating.SATISFIED, Rating.BASICALLY, Rating.UNSATISFIED
DONE, RET, WIP = TaskStatus.DONE, TaskStatus.RETURNED, TaskStatus.IN_PROGRESS

# (status, response_days, close_days, closed_on_time, rating, reopen_count, [(department code, task status)])
BIOMED = [
    (C, 0, 5, True, SAT, 0, [("zrzy", DONE)]),  # D1
    (C, 1, 8, True, BAS, 1, [("zrzy", DONE), ("zrzy", DONE)]),  # D2: two zrzy tasks, counted once
    (C, 2, 12, False, SAT, 0, [("zrzy", DONE), ("fgw", DONE)]),  # D3: split between two departments
    (C, 1, 20, False, BAS, 0, [("fgw", DONE)]),  # D4
    (P, 3, None, None, "", 0, [("zrzy", RET), ("fgw", WIP)]),  # D5: the returned zrzy task does not count
    (A, 0, None, None, "", 0, [("zrzy", TaskStatus.COMPLETION_REQUESTED)]),  # D6
    (S, None, None, None, "", 0, []),  # D7: not accepted yet
    (R, None, None, None, "", 0, []),  # D8: rejected
    (P, 1, None, None, UNS, 1, [("zrzy", WIP)]),  # D9: rated 不满意, reopened
]
EQUIP = [(C, 0, 3, True, SAT, 0, [("fgw", DONE)])] * 3


def _submitted(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9, 30), tzinfo=timezone.get_current_timezone())


def _build(enterprise: Enterprise, chain: Chain, spec: list[Any], actor: Any, day: dt.date = START) -> list[Demand]:
    category = Category.objects.first()
    assert category is not None
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
            accepted_at=submitted if resp is not None else None,
            response_days=resp,
            closed_at=submitted + dt.timedelta(days=30) if status == C else None,
            close_days=close,
            closed_on_time=on_time,
            rating=rating,
            reopen_count=reopen,
        )
        for code, task_status in tasks:
            Task.objects.create(
                demand=demand,
                lead_department=Department.objects.get(code=code),
                instructions="办理",
                working_days=10,
                deadline=day + dt.timedelta(days=20),
                status=task_status,
                assigned_by=actor,
            )
        made.append(demand)
    return made


@pytest.fixture
def dataset(persona: Any) -> dict[str, Any]:
    biomed, equip = Chain.objects.get(code="biomed"), Chain.objects.get(code="equip")
    boshen = Enterprise.objects.get(name="江苏博生医用新材料股份有限公司")
    other = Enterprise.objects.filter(chains=equip).exclude(chains=biomed).first()
    assert other is not None
    chief = persona("jiangdd")
    demands = _build(boshen, biomed, BIOMED, chief)
    # outside the period on both sides: never counted
    _build(boshen, biomed, BIOMED[:1], chief, day=dt.date(2020, 4, 30))
    _build(boshen, biomed, BIOMED[:1], chief, day=dt.date(2020, 6, 1))
    _build(other, equip, EQUIP, persona("lead_equip"))
    return {"biomed": biomed, "equip": equip, "demands": demands}


def _table(user: Any, dimension: str, **kwargs: Any) -> metrics.MetricTable:
    return metrics.metric_table(user, dimension=dimension, start=START, end=END, **kwargs)


def _by_label(table: metrics.MetricTable) -> dict[str, metrics.MetricRow]:
    return {r.label: r for r in table.rows}


def test_every_rate_and_the_median_per_chain(dataset: dict[str, Any], persona: Any) -> None:
    table = _table(persona("jiangdd"), "chain")
    assert [r.label for r in table.rows] == ["生物医药"]  # the 高端装备 demands are out of jiangdd's scope
    row = table.rows[0]
    assert (row.received, row.accepted, row.responded, row.closed) == (9, 7, 5, 4)
    assert (row.closed_on_time, row.rated, row.satisfied, row.reopened) == (2, 5, 4, 1)
    assert row.rates == {
        "response": Decimal("0.7143"),  # 5 / 7
        "closure": Decimal("0.5714"),  # 4 / 7
        "on_time": Decimal("0.5000"),  # 2 / 4
        "satisfaction": Decimal("0.8000"),  # 4 / 5 (不满意 counts among the rated)
        "reopen": Decimal("0.2500"),  # 1 / 4
    }
    assert row.median_close_days == Decimal("10.0")  # median of 5, 8, 12, 20
    assert row.percents["response"] == Decimal("71.4")
    assert table.total.received == 9 and table.total.median_close_days == Decimal("10.0")


def test_region_and_liaison_group_the_same_demands(dataset: dict[str, Any], persona: Any) -> None:
    boshen = dataset["demands"][0].enterprise
    for dimension, label in (("region", boshen.region.name), ("liaison", str(boshen.liaison.display_name))):
        rows = _by_label(_table(persona("jiangdd"), dimension))
        assert rows[label].received == 9 and rows[label].median_close_days == Decimal("10.0")


def test_departments_count_distinct_demands_without_returned_tasks(dataset: dict[str, Any], persona: Any) -> None:
    rows = _by_label(_table(persona("jiangdd"), "department"))
    zrzy, fgw = rows["泰州市自然资源和规划局"], rows[Department.objects.get(code="fgw").name]
    # zrzy leads D1, D2 (twice), D3, D6, D9; its returned task on D5 does not count
    assert (zrzy.received, zrzy.accepted, zrzy.responded, zrzy.closed, zrzy.closed_on_time) == (5, 5, 4, 3, 2)
    assert (zrzy.rated, zrzy.satisfied, zrzy.reopened) == (4, 3, 1)
    assert zrzy.rates["on_time"] == Decimal("0.6667") and zrzy.rates["satisfaction"] == Decimal("0.7500")
    assert zrzy.median_close_days == Decimal("8.0")  # 5, 8, 12: D2 counted once
    assert (fgw.received, fgw.accepted, fgw.responded, fgw.closed, fgw.closed_on_time) == (3, 3, 1, 2, 0)
    assert fgw.rates["response"] == Decimal("0.3333") and fgw.rates["satisfaction"] == Decimal("1.0000")
    assert fgw.median_close_days == Decimal("16.0")  # 12, 20
    assert set(rows) == {zrzy.label, fgw.label}


def test_ranking_needs_the_minimum_number_of_cases(dataset: dict[str, Any], persona: Any) -> None:
    chief = persona("jiangdd")
    # on_time is counted among the closed: zrzy 3, fgw 2
    rows = _table(chief, "department", rank_by="on_time", minimum=3).rows
    assert [(r.label, r.rank) for r in rows] == [("泰州市自然资源和规划局", 1), (rows[1].label, None)]
    # fgw has the better satisfaction (100%) but only 2 rated cases: listed after, unranked
    rows = _table(chief, "department", rank_by="satisfaction", minimum=3).rows
    assert rows[0].rank == 1 and rows[0].label == "泰州市自然资源和规划局" and rows[1].rank is None
    rows = _table(chief, "department", rank_by="satisfaction", minimum=2).rows
    assert [r.rank for r in rows] == [1, 2] and rows[0].rates["satisfaction"] == Decimal("1.0000")
    # the reopen rate ranks lower first
    rows = _table(chief, "department", rank_by="reopen", minimum=2).rows
    assert rows[0].rates["reopen"] == Decimal("0.0000") and rows[0].rank == 1
    # the default minimum (5) leaves the chain's 4 closed demands unranked
    assert metrics.min_cases() == 5
    assert _table(chief, "chain").rows[0].rank is None


def test_equal_rates_share_a_rank() -> None:
    rows = [metrics.MetricRow(key=i, label=f"g{i}", closed=5, closed_on_time=n) for i, n in enumerate((5, 4, 5))]
    for r in rows:
        r.fill_rates()
    assert [(r.label, r.rank) for r in metrics.rank(rows, "on_time", 5)] == [("g0", 1), ("g2", 1), ("g1", 3)]


def test_scope_per_persona(dataset: dict[str, Any], persona: Any) -> None:
    assert [r.label for r in _table(persona("lead_equip"), "chain").rows] == ["高端装备"]
    assert _table(persona("lead_equip"), "chain").rows[0].received == 3
    # chenjing (zrzy) sees the demands with a task for her department: D1, D2, D3, D5, D6, D9
    rows = _by_label(_table(persona("chenjing"), "chain"))
    assert rows["生物医药"].received == 6
    dept = _by_label(_table(persona("chenjing"), "department"))
    assert dept["泰州市自然资源和规划局"].received == 5
    assert dept[Department.objects.get(code="fgw").name].received == 2  # D3 and D5, not D4 or 高端装备's
    assert _table(persona("lz_321282"), "chain").rows == []  # 靖江 liaison: 博生 is in 兴化


def test_period_is_inclusive_of_both_days(dataset: dict[str, Any], persona: Any) -> None:
    chief = persona("jiangdd")
    one_day = metrics.metric_table(chief, dimension="chain", start=dt.date(2020, 4, 30), end=dt.date(2020, 4, 30))
    assert one_day.rows[0].received == 1
    june = metrics.metric_table(chief, dimension="chain", start=dt.date(2020, 6, 1), end=dt.date(2020, 6, 1))
    assert june.rows[0].received == 1


def test_page_anonymous_and_wrong_role(client: Any, client_as: Any) -> None:
    url = reverse(URL)
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    assert client_as("liuyang").get(url).status_code == 403
    assert client_as("sysadmin").get(url).status_code == 403


def test_page_shows_tables_chart_definitions(dataset: dict[str, Any], client_as: Any) -> None:
    response = client_as("jiangdd").get(reverse(URL) + Q + "&rank_by=satisfaction")
    assert response.status_code == 200
    html = response.content.decode()
    for dimension in metrics.DIMENSIONS:
        assert f'data-testid="metrics-table-{dimension}"' in html
    assert "metrics-chart-data" in html and "demands/metrics.js" in html
    assert "不少于 5 件" in html  # the minimum is shown
    assert "71.4%" in html and "10.0" in html and "高端装备" not in html
    assert "1个工作日内受理的诉求" in html  # definitions printed
    tables = response.context["tables"]
    assert [t.dimension for t in tables] == list(metrics.DIMENSIONS)


def test_page_in_and_out_of_scope(dataset: dict[str, Any], client_as: Any) -> None:
    html = client_as("lead_equip").get(reverse(URL) + Q).content.decode()
    assert "高端装备" in html and "生物医药" not in html.split("metrics-table-chain")[1]
    html = client_as("chenjing").get(reverse(URL) + Q + "&dimension=department").content.decode()
    assert "泰州市自然资源和规划局" in html
    empty = client_as("lz_321282").get(reverse(URL) + Q)
    assert empty.status_code == 200 and "统计期内没有可查看的诉求" in empty.content.decode()


def test_bad_input_falls_back_to_defaults(dataset: dict[str, Any], client_as: Any) -> None:
    response = client_as("jiangdd").get(reverse(URL) + "?start=2020-06-01&end=2020-05-01&dimension=nope")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="metrics-errors"' in html
    assert response.context["dimension"] == "chain" and response.context["end"] == timezone.localdate()


def test_a_date_past_2100_is_refused_in_chinese_not_a_server_error(dataset: dict[str, Any], client_as: Any) -> None:
    """Found by the parameter fuzz: 9999-12-31 overflowed the working-day count."""
    for query in ("?end=9999-12-31", "?start=9999-12-31"):
        response = client_as("jiangdd").get(reverse(URL) + query)
        assert response.status_code == 200, query
        assert "日期不能晚于 2100 年。" in response.content.decode(), query


def test_page_query_count(dataset: dict[str, Any], client_as: Any, django_assert_max_num_queries: Any) -> None:
    client = client_as("jiangdd")
    client.get(reverse(URL) + Q)  # warm-up
    with django_assert_max_num_queries(6):  # session, user, then 1 per dimension (4 dimensions)
        assert client.get(reverse(URL) + Q).status_code == 200
    with django_assert_max_num_queries(3):  # one dimension
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
    (C, 0, 5, True, SAT, 0, [("zrzy", DONE), ("zrzy", DONE)]),  # zrzy leads two of its tasks: once
    (C, 0, 10, True, SAT, 0, [("zrzy", DONE), ("fgw", DONE)]),  # split: once for each
    (C, 1, 30, False, BAS, 0, [("zrzy", RET), ("fgw", DONE)]),  # the returned zrzy task does not count
]
JULY = dt.date(2020, 7, 1)


def test_department_median_counts_a_demand_led_twice_once(persona: Any) -> None:
    chief = persona("jiangdd")
    boshen = Enterprise.objects.get(name="江苏博生医用新材料股份有限公司")
    _build(boshen, Chain.objects.get(code="biomed"), TWICE, chief, day=JULY)
    zrzy, fgw = Department.objects.get(code="zrzy"), Department.objects.get(code="fgw")
    lo, hi = metrics.period_bounds(JULY, dt.date(2020, 7, 31))
    demands = Demand.objects.visible_to(chief).filter(submitted_at__gte=lo, submitted_at__lt=hi)
    _rows, histograms = metrics._grouped(demands, "department")
    assert histograms == {zrzy.pk: Counter({5: 1, 10: 1}), fgw.pk: Counter({10: 1, 30: 1})}
    table = metrics.metric_table(chief, dimension="department", start=JULY, end=dt.date(2020, 7, 31))
    rows = {r.key: r for r in table.rows}
    assert rows[zrzy.pk].closed == 2 and rows[zrzy.pk].median_close_days == Decimal("7.5")  # not 5 (5, 5, 10)
    assert rows[fgw.pk].closed == 2 and rows[fgw.pk].median_close_days == Decimal("20.0")
    assert table.total.closed == 4 and table.total.median_close_days == Decimal("10.0")  # 5, 10, 10, 30
    chain = metrics.metric_table(chief, dimension="chain", start=JULY, end=dt.date(2020, 7, 31))
    assert chain.total.closed == 3 and chain.total.median_close_days == Decimal("10.0")  # 5, 10, 30


@pytest.mark.parametrize("dimension", list(metrics.DIMENSIONS))
def test_one_query_per_dimension(
    dimension: str, dataset: dict[str, Any], persona: Any, django_assert_num_queries: Any
) -> None:
    chief = persona("jiangdd")
    with django_assert_num_queries(1):  # GROUP BY (group, close_days): the counts and the histogram
        table = _table(chief, dimension)
    assert table.rows and table.total.median_close_days == Decimal("10.0" if dimension != "department" else "12.0")
