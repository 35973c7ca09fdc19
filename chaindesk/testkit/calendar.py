"""Tests that enter an official holiday schedule, or pretend chinese_calendar stops at an earlier year.

`pretend_published_until(settings, 2026)` counts 2027 as an estimated year (预估) even once the installed
chinese_calendar publishes 2027, so the tests about 2027's estimated 元旦 and 春节 keep their meaning.
`isolated_official_calendar()` keeps this process's cache of the schedules as it was before the test: a schedule
saved inside a rolled-back test transaction must not stay cached for the next test. `workdays_overdue(today, n)`
gives a deadline exactly n working days past, whatever day the clock says."""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from chaindesk.core import holidays
from chaindesk.demands.workdays import add_workdays, is_workday


def pretend_published_until(settings: Any, year: int) -> None:
    """Trust chinese_calendar only up to `year` (pytest-django's `settings` fixture undoes it after the test)."""
    settings.CHAINDESK_CALENDAR_PUBLISHED_UNTIL = year


@contextmanager
def isolated_official_calendar() -> Iterator[None]:
    state = holidays.cache_state()
    try:
        yield
    finally:
        holidays.restore_cache_state(state)


@contextmanager
def no_official_schedule() -> Iterator[None]:
    """Count as if no official schedule were entered, without asking the database (pure arithmetic tests)."""
    with isolated_official_calendar():
        holidays.restore_cache_state(({}, None, None))
        yield


def workdays_overdue(today: dt.date, n: int) -> dt.date:
    """A deadline that is exactly `n` working days past on `today` (0: due today), also when `today` itself is a
    rest day (a weekend or a holiday, e.g. an estimated 春节 under a CI clock): counted from the last working day
    on or before `today`, since the rest days after it add no working day."""
    anchor = today if is_workday(today) else add_workdays(today, -1)
    return add_workdays(anchor, -n)
