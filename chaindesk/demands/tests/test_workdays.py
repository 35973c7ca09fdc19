"""Working-day arithmetic across 国庆 2025 and 春节 2026, make-up workdays, weekends and uncovered years."""

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from chaindesk.demands.workdays import (
    LAST_YEAR,
    CalendarNotCovered,
    add_workdays,
    is_provisional,
    is_workday,
    workdays_between,
)
from chaindesk.testkit.calendar import no_official_schedule

pytestmark = pytest.mark.clock  # depends on today: CI runs it under other clocks too


@pytest.fixture(autouse=True)
def _no_official_schedule() -> Iterator[None]:
    """Pure arithmetic, no database: as if no official schedule were entered (系统 → 节假日日历)."""
    with no_official_schedule():
        yield


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 9, 26), True),  # Friday
        (date(2025, 9, 27), False),  # Saturday
        (date(2025, 9, 28), True),  # Sunday, make-up workday for 国庆
        (date(2025, 10, 1), False),  # 国庆
        (date(2025, 10, 8), False),  # last day of the 国庆/中秋 holiday
        (date(2025, 10, 9), True),
        (date(2025, 10, 11), True),  # Saturday, make-up workday
        (date(2025, 10, 12), False),  # Sunday
        (date(2026, 2, 14), True),  # Saturday, make-up workday before 春节
        (date(2026, 2, 17), False),  # 春节
        (date(2026, 2, 23), False),  # last day of 春节
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),  # Saturday, make-up workday after 春节
    ],
)
def test_is_workday(day: date, expected: bool) -> None:
    assert is_workday(day) is expected


def test_add_workdays_across_national_day() -> None:
    # Tue 30 Sep 2025 + 1 working day: 1-8 Oct are holidays, so Thu 9 Oct.
    assert add_workdays(date(2025, 9, 30), 1) == date(2025, 10, 9)
    # 9 Oct (Thu), 10 Oct (Fri), 11 Oct (Sat, make-up) count: the third working day is Saturday 11 Oct.
    assert add_workdays(date(2025, 9, 30), 3) == date(2025, 10, 11)
    # Friday 26 Sep + 1: Saturday skipped, Sunday 28 Sep is a make-up workday.
    assert add_workdays(date(2025, 9, 26), 1) == date(2025, 9, 28)


def test_add_workdays_across_spring_festival() -> None:
    # Fri 13 Feb 2026 + 1: Saturday 14 Feb is a make-up workday.
    assert add_workdays(date(2026, 2, 13), 1) == date(2026, 2, 14)
    # + 2: 15-23 Feb are holidays, so Tue 24 Feb.
    assert add_workdays(date(2026, 2, 13), 2) == date(2026, 2, 24)
    # 24, 25, 26, 27 Feb and Saturday 28 Feb (make-up) → the sixth working day is 28 Feb.
    assert add_workdays(date(2026, 2, 13), 6) == date(2026, 2, 28)


def test_add_workdays_skips_weekends_and_zero_and_backwards() -> None:
    assert add_workdays(date(2026, 11, 20), 1) == date(2026, 11, 23)  # Friday → Monday
    assert add_workdays(date(2026, 11, 25), 0) == date(2026, 11, 25)
    assert add_workdays(date(2026, 11, 23), -1) == date(2026, 11, 20)


def test_workdays_between() -> None:
    assert workdays_between(date(2025, 9, 30), date(2025, 10, 9)) == 1
    # 28 (Sunday, make-up), 29, 30 Sep; 9, 10 and 11 (Saturday, make-up) Oct
    assert workdays_between(date(2025, 9, 26), date(2025, 10, 12)) == 6
    assert workdays_between(date(2026, 2, 13), date(2026, 2, 28)) == 6
    assert workdays_between(date(2026, 11, 25), date(2026, 11, 25)) == 0
    assert workdays_between(date(2025, 10, 9), date(2025, 9, 30)) == -1
    # (a, b] excludes a: a Friday to the following Monday is one working day.
    assert workdays_between(date(2026, 11, 20), date(2026, 11, 23)) == 1


def test_add_and_between_agree() -> None:
    start = date(2025, 9, 20)
    for n in range(1, 40):
        assert workdays_between(start, add_workdays(start, n)) == n


def test_a_year_before_the_calendar_raises() -> None:
    day = date(2003, 6, 2)
    with pytest.raises(CalendarNotCovered) as excinfo:
        is_workday(day)
    assert "2003" in str(excinfo.value) and "节假日日历尚未覆盖" in str(excinfo.value)
    with pytest.raises(CalendarNotCovered):
        add_workdays(day, 1)


def test_after_the_last_published_year_weekdays_count_and_are_provisional() -> None:
    """The stated behaviour: Monday to Friday less the statutory holidays (chaindesk/core/holidays.py; exact
    dates in test_workdays_estimated.py), flagged 预估, instead of refusing every deadline in December. March
    has no statutory holiday, so its weeks count five days each."""
    first_unpublished = date(LAST_YEAR + 1, 1, 1)
    assert is_provisional(first_unpublished) and not is_provisional(date(LAST_YEAR, 12, 31))
    assert not is_workday(first_unpublished)  # 元旦
    march = date(LAST_YEAR + 1, 3, 1)
    monday = march + timedelta(days=(7 - march.weekday()) % 7)
    assert is_workday(monday) and not is_workday(monday + timedelta(days=5))  # Saturday
    assert add_workdays(monday, 5) == monday + timedelta(days=7)
    assert workdays_between(monday, monday + timedelta(days=14)) == 10
    # a walk from the last published year into the next one uses both calendars
    assert workdays_between(date(LAST_YEAR, 12, 30), monday + timedelta(days=7)) >= 5
