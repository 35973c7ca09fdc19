"""Working days in a year the calendar package does not publish: the statutory holidays (2024 rules) rest,
weekends rest, no make-up workday is guessed, and every such date says 预估 (pages, messages, exports).

2027 is pretended unpublished (`pretend_published_until(settings, 2026)`), so these stay true once a later
chinese_calendar publishes 2027. Exact dates: 2027-01-01 元旦 (Friday); 春节 2027-02-05 (除夕, Friday) to
2027-02-08 (初三, Monday); 清明 2027-04-05; 端午 2027-06-09; 中秋 2027-09-15; 国庆 2027-10-01..03."""

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from io import BytesIO

import chinese_calendar
import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from chaindesk.core import holidays
from chaindesk.core.models import Notification
from chaindesk.demands.choices import DemandStatus
from chaindesk.demands.models import DemandEvent, Task
from chaindesk.demands.tests.factories import DemandWorld
from chaindesk.demands.workdays import (
    FIRST_YEAR,
    LAST_YEAR,
    Calendar,
    add_workdays,
    day_label,
    is_provisional,
    is_workday,
    workdays_between,
)
from chaindesk.testkit.calendar import isolated_official_calendar, pretend_published_until
from chaindesk.testkit.personas import Personas

pytestmark = pytest.mark.clock  # written for any day: CI runs it under other clocks too

ESTIMATED_2027 = {
    date(2027, 1, 1): "元旦",
    date(2027, 2, 5): "春节",
    date(2027, 2, 6): "春节",
    date(2027, 2, 7): "春节",
    date(2027, 2, 8): "春节",
    date(2027, 4, 5): "清明节",
    date(2027, 5, 1): "劳动节",
    date(2027, 5, 2): "劳动节",
    date(2027, 6, 9): "端午节",
    date(2027, 9, 15): "中秋节",
    date(2027, 10, 1): "国庆节",
    date(2027, 10, 2): "国庆节",
    date(2027, 10, 3): "国庆节",
}


@pytest.fixture(autouse=True)
def _estimated_2027(settings) -> Iterator[None]:  # noqa: ANN001
    pretend_published_until(settings, 2026)
    with isolated_official_calendar():
        yield


def test_the_estimate_of_2027_is_the_statutory_days() -> None:
    assert {d: str(n) for d, n in holidays.estimated_holidays(2027).items()} == ESTIMATED_2027
    assert sum(1 for _ in ESTIMATED_2027) == 1 + 4 + 1 + 2 + 1 + 1 + 3


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_estimate_agrees_with_the_published_years(year: int) -> None:
    """Under the 2024 rules (from 2025), every estimated day is a holiday of the official schedule."""
    published, _workdays = holidays.published_schedule(year)
    assert set(holidays.estimated_holidays(year)) <= set(published)


def test_the_published_years_count_as_the_package_does() -> None:
    """The calendar reads chinese_calendar's tables directly (its is_workday is slow): the same answer every day."""
    calendar = Calendar(official={}, until=LAST_YEAR)
    day = date(FIRST_YEAR, 1, 1)
    while day.year <= LAST_YEAR:
        assert calendar.is_workday(day) is chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_new_year_2027_is_a_rest_day() -> None:
    """The issue's case: 20 working days from 2026-12-04 landed on 2027-01-01 (元旦)."""
    assert not is_workday(date(2027, 1, 1))
    assert add_workdays(date(2026, 12, 4), 20) == date(2027, 1, 4)
    assert workdays_between(date(2026, 12, 31), date(2027, 1, 4)) == 1
    assert add_workdays(date(2027, 1, 4), -1) == date(2026, 12, 31)


def test_spring_festival_2027_skips_four_days_and_guesses_no_make_up_day() -> None:
    assert [is_workday(date(2027, 2, d)) for d in range(4, 10)] == [True, False, False, False, False, True]
    assert add_workdays(date(2027, 2, 4), 1) == date(2027, 2, 9)
    assert add_workdays(date(2027, 2, 4), 5) == date(2027, 2, 15)
    assert workdays_between(date(2027, 2, 4), date(2027, 2, 15)) == 5
    assert not is_workday(date(2027, 2, 20)) and not is_workday(date(2027, 2, 21))  # weekends stay rest days


def test_the_other_2027_holidays_rest() -> None:
    for day in (date(2027, 4, 5), date(2027, 6, 9), date(2027, 9, 15), date(2027, 10, 1)):
        assert day.weekday() < 5 and not is_workday(day), day
    assert add_workdays(date(2027, 9, 30), 1) == date(2027, 10, 4)


def test_estimated_dates_are_provisional_and_say_so() -> None:
    assert is_provisional(date(2027, 1, 4)) and not is_provisional(date(2026, 12, 31))
    assert day_label(date(2027, 1, 4)) == "2027-01-04（预估）"
    assert day_label(date(2026, 12, 31)) == "2026-12-31"


def test_a_year_after_the_estimate_rule_works_for_any_later_year() -> None:
    """2028: 中秋 falls on 10-03, inside 国庆; the three 国庆 days rest once."""
    assert sum(1 for d in holidays.estimated_holidays(2028) if d.month == 10) == 3
    assert add_workdays(date(2028, 9, 29), 1) == date(2028, 10, 4)


# --- where an estimated deadline shows ------------------------------------------------------------------------


@pytest.fixture
def estimated_task(personas: Personas) -> Task:
    """An open task of our department whose deadline is 2027-01-04 (estimated)."""
    w = DemandWorld(personas)
    task = w.task(w.demand(status=DemandStatus.ACCEPTED), working_days=5)
    Task.objects.filter(pk=task.pk).update(deadline=date(2027, 1, 4))
    task.refresh_from_db()
    return task


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def test_task_and_demand_pages_mark_the_estimated_deadline(personas: Personas, estimated_task: Task) -> None:
    for user, url in (
        (personas.handler, reverse("demands:task_detail", args=[estimated_task.pk])),
        (personas.chief, reverse("demands:detail", args=[estimated_task.demand_id])),
    ):
        body = _client(user).get(url).content.decode()
        assert "2027-01-04" in body and "预估" in body and "暂按法定节假日预估" in body, url


def test_the_assignment_notice_quotes_the_estimated_deadline(personas: Personas) -> None:
    """A task given from 2026-12-04 for 20 working days: its notice and its timeline quote 2027-01-04（预估）."""
    w = DemandWorld(personas)
    demand = w.demand(status=DemandStatus.ACCEPTED)
    days = workdays_between(_today(), date(2027, 1, 4))
    if days < 1:
        pytest.skip("the clock is already past 2027-01-04")
    task = w.task(demand, working_days=days)
    assert task.deadline == date(2027, 1, 4)
    notice = Notification.objects.get(recipient=personas.handler, kind="task_assigned", url__contains=f"/{task.pk}/")
    assert "2027-01-04（预估）" in notice.body
    assert DemandEvent.objects.filter(demand=demand, note__contains="2027-01-04（预估）").exists()


def _today() -> date:
    from chaindesk.core import clock

    return clock.today()


def test_the_department_ledger_has_a_deadline_basis_column(personas: Personas, estimated_task: Task) -> None:
    response = _client(personas.handler).get(reverse("demands:tasks_export"), {"status": "all"})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content)), read_only=True).active  # type: ignore[attr-defined]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = next(r for r in rows if "办结期限" in r)
    at, basis = header.index("办结期限"), header.index("期限依据")
    ours = [r for r in rows[rows.index(header) + 1 :] if r[at] is not None]
    assert any(_as_date(r[at]) == date(2027, 1, 4) and r[basis] == "预估" for r in ours), ours


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10]) if value else None


def test_the_api_says_which_deadlines_are_estimated(personas: Personas, estimated_task: Task) -> None:
    """Beside every deadline the demand and task API returns, `deadline_estimated`: true exactly where the pages
    print 预估 (2027 here), false for a deadline in a published year."""
    w = DemandWorld(personas)
    published = w.task(estimated_task.demand, department="theirs")
    Task.objects.filter(pk=published.pk).update(deadline=date(2026, 12, 31))
    detail = _client(personas.chief).get(f"/api/demands/{estimated_task.demand_id}").json()
    flags = {t["id"]: (t["deadline"], t["deadline_estimated"]) for t in detail["tasks"]}
    assert flags == {estimated_task.pk: ("2027-01-04", True), published.pk: ("2026-12-31", False)}
    ours = _client(personas.ent_user).get(f"/api/demands/{estimated_task.demand_id}").json()["tasks"]
    assert {t["id"]: t["deadline_estimated"] for t in ours} == {estimated_task.pk: True, published.pk: False}
    rows = _client(personas.handler).get("/api/tasks/", {"status": "all"}).json()["items"]
    row = next(r for r in rows if r["id"] == estimated_task.pk)
    assert row["deadline"] == "2027-01-04" and row["deadline_estimated"] is True and row["deadline_basis"] == "预估"
    schema = _client(personas.chief).get("/api/openapi.json").json()["components"]["schemas"]
    assert schema["TaskOut"]["properties"]["deadline_estimated"]["type"] == "boolean"
    assert "deadline_estimated" in schema["TasksRow"]["properties"]
