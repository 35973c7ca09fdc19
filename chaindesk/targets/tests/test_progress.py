"""The arithmetic of targets: 序时进度 on the year's edges and a leap day, points behind, the lights at their
thresholds, the working days left on the Chinese calendar and the weekly pace they call for."""

import datetime as dt
from decimal import Decimal as D

import pytest

from chaindesk.targets import progress
from chaindesk.targets.choices import Light


@pytest.mark.parametrize(
    ("year", "today", "expected"),
    [
        (2026, dt.date(2026, 1, 1), D("0.3")),  # 1/365
        (2028, dt.date(2028, 2, 29), D("16.4")),  # leap day: 60/366
        (2028, dt.date(2028, 12, 31), D("100.0")),  # 366/366
        (2026, dt.date(2026, 12, 31), D("100.0")),
        (2026, dt.date(2026, 7, 2), D("50.1")),  # 183/365
        (2027, dt.date(2026, 12, 31), D("0")),  # before the year
        (2025, dt.date(2026, 1, 1), D("100")),  # after it
    ],
)
def test_time_progress(year: int, today: dt.date, expected: D) -> None:
    assert progress.time_progress(year, today) == expected


def test_days_in_year() -> None:
    assert [progress.days_in_year(y) for y in (2026, 2028, 2100, 2000)] == [365, 366, 365, 366]


def test_completion_and_behind() -> None:
    assert progress.completion(D("45"), D("60")) == D("75.0")
    assert progress.completion(D("1"), D("0")) is None  # a target of 0 has no completion
    # accumulating: 序时进度 91.8, done 75.0 → 16.8 points behind; ahead is negative
    assert progress.behind(actual=D("45"), target=D("60"), is_rate=False, elapsed=D("91.8")) == D("16.8")
    assert progress.behind(actual=D("66"), target=D("60"), is_rate=False, elapsed=D("91.8")) == D("-18.2")
    # rates: the target rate minus the actual rate, whatever the date
    assert progress.behind(actual=D("92.5"), target=D("95"), is_rate=True, elapsed=D("3")) == D("2.5")
    assert progress.behind(actual=None, target=D("95"), is_rate=True, elapsed=D("50")) is None
    assert progress.behind(actual=D("3"), target=D("0"), is_rate=False, elapsed=D("50")) is None


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        (None, Light.NONE),
        (D("-5"), Light.GREEN),
        (D("9.9"), Light.GREEN),
        (D("10"), Light.YELLOW),  # the yellow threshold is yellow
        (D("30"), Light.YELLOW),  # the red threshold itself is still yellow ("10–30")
        (D("30.1"), Light.RED),  # beyond it, red
    ],
)
def test_light_at_thresholds(points: D | None, expected: str) -> None:
    assert progress.light(points, yellow=D("10"), red=D("30")) == expected


@pytest.mark.django_db  # the official schedules entered in 系统 → 节假日日历 are read from the database
def test_workdays_left_on_the_chinese_calendar() -> None:
    # December 2025 has no holiday: Mon 1 … Wed 31 December, today included.
    assert progress.workdays_left(2025, dt.date(2025, 12, 1)) == 23
    assert progress.workdays_left(2025, dt.date(2025, 12, 31)) == 1
    assert progress.workdays_left(2025, dt.date(2025, 12, 27)) == 3  # a Saturday: 29, 30, 31
    # Saturday 11 October 2025 is a make-up workday (国庆/中秋): it counts; 13–31 Oct 15, Nov 20, Dec 23.
    assert progress.workdays_left(2025, dt.date(2025, 10, 11)) == 1 + 15 + 20 + 23
    assert progress.workdays_left(2025, dt.date(2026, 1, 5)) == 0  # the year is over


def test_pace() -> None:
    assert progress.pace(actual=D("14"), target=D("60"), days_left=23) == progress.Pace(D("46"), D("10.00"), True)
    assert progress.pace(actual=D("70"), target=D("60"), days_left=23) == progress.Pace(D("0"), D("0"), True)
    no_time = progress.pace(actual=D("10"), target=D("60"), days_left=0)
    assert no_time.gap == D("50") and no_time.weekly is None and not no_time.reachable
