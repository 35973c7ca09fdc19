"""Working-day arithmetic on the official Chinese calendar (chinese_calendar): public holidays are skipped and
make-up workdays (调休上班, often a Saturday or Sunday) count as working days.

Stated behaviour for years the calendar does not cover: chinese_calendar only knows the years the State
Council has published (the next year's holidays appear in November or December).
- After the last published year, Monday to Friday count as working days: deadlines there are provisional
  (预估, `is_provisional`) and the pages say so. Refusing them instead would stop every task longer than a
  month from December on. Updating the chinese_calendar package makes later computations exact; deadlines
  already stored are not recomputed.
- Before the first published year (2004) nothing is computed: CalendarNotCovered, with a Chinese message.
"""

from datetime import date, timedelta

import chinese_calendar
from chinese_calendar.constants import holidays as _published
from django.utils.translation import gettext as _

__all__ = ["CalendarNotCovered", "add_workdays", "is_provisional", "is_workday", "workdays_between"]

FIRST_YEAR = min(d.year for d in _published)
LAST_YEAR = max(d.year for d in _published)


class CalendarNotCovered(Exception):
    """The date lies in a year chinese_calendar has no official holiday data for."""

    def __init__(self, day: date) -> None:
        self.day = day
        super().__init__(
            _("节假日日历尚未覆盖 %(year)s 年（%(day)s），无法计算工作日，请更新 chinese_calendar 节假日数据。")
            % {"year": day.year, "day": day.isoformat()}
        )


def is_provisional(d: date) -> bool:
    """True when `d` lies after the calendar's last published year, where only weekends are known."""
    return d.year > LAST_YEAR


def is_workday(d: date) -> bool:
    """True when `d` is a working day (weekday that is not a holiday, or a make-up workday); after the last
    published year, Monday to Friday (provisional)."""
    if d.year > LAST_YEAR:
        return d.weekday() < 5
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError as exc:
        raise CalendarNotCovered(d) from exc


def add_workdays(start: date, n: int) -> date:
    """The n-th working day after `start` (`start` itself not counted); n <= 0 counts backwards, n == 0 is
    `start`. Raises CalendarNotCovered when the walk reaches an uncovered year."""
    if n == 0:
        return start
    step = timedelta(days=1 if n > 0 else -1)
    remaining = abs(n)
    day = start
    while remaining:
        day += step
        if is_workday(day):
            remaining -= 1
    return day


def workdays_between(a: date, b: date) -> int:
    """Working days in (a, b]: 0 when a == b; negative (the count in (b, a]) when b < a."""
    if a == b:
        return 0
    if b < a:
        return -workdays_between(b, a)
    count = 0
    day = a
    one = timedelta(days=1)
    while day < b:
        day += one
        if is_workday(day):
            count += 1
    return count
