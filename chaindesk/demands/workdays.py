"""Working-day arithmetic on the Chinese calendar: public holidays are skipped and make-up workdays (调休上班,
often a Saturday or Sunday) count as working days.

Which days rest comes from chaindesk.core.holidays, year by year: the official schedule a system administrator
entered (系统 → 节假日日历), else the chinese_calendar package's published years, else (a later year) an
estimate: Monday to Friday less the statutory holidays (元旦, 春节 4 days, 清明, 劳动节 2, 端午, 中秋, 国庆 3).
- Estimated deadlines are provisional (预估, `is_provisional`) and every page, message and export that shows
  one says so. Refusing them instead would stop every task longer than a month from December on.
- When the official schedule of a year is entered, the open deadlines it changes are re-dated
  (chaindesk/demands/redate.py) and their departments told; updating the chinese_calendar package instead
  makes later computations exact but leaves stored deadlines as they are.
- Before the package's first year (2004) nothing is computed: CalendarNotCovered, with a Chinese message.

The calendar is one object per state of the official schedules (`current()`), rebuilt only when a schedule
is saved: `add_workdays` walks days with a dictionary lookup each and never queries the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from chinese_calendar.constants import holidays as PUBLISHED_HOLIDAYS
from chinese_calendar.constants import workdays as PUBLISHED_WORKDAYS
from django.utils.translation import gettext as _

from chaindesk.core import holidays
from chaindesk.core.holidays import FIRST_YEAR, LAST_YEAR, OfficialDays

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "Calendar",
    "CalendarNotCovered",
    "add_workdays",
    "current",
    "day_label",
    "is_provisional",
    "is_workday",
    "workdays_between",
]

ONE_DAY = timedelta(days=1)


class CalendarNotCovered(Exception):
    """The date lies in a year no calendar data covers (before chinese_calendar's first year)."""

    def __init__(self, day: date) -> None:
        self.day = day
        super().__init__(
            _("节假日日历尚未覆盖 %(year)s 年（%(day)s），无法计算工作日，请更新 chinese_calendar 节假日数据。")
            % {"year": day.year, "day": day.isoformat()}
        )


@dataclass(frozen=True)
class Calendar:
    """Rest and working days under one state of the official schedules (`official`: {year: {day: is make-up
    workday}}) with the package trusted up to `until`."""

    official: OfficialDays
    until: int

    def is_workday(self, d: date) -> bool:
        marked = self.official.get(d.year)
        if marked is not None:  # an entered official year: its days, else Monday to Friday
            listed = marked.get(d)
            return d.weekday() < 5 if listed is None else listed
        if d.year > self.until:
            return d.weekday() < 5 and d not in holidays.estimated_holidays(d.year)
        if d.year < FIRST_YEAR:
            raise CalendarNotCovered(d)
        # chinese_calendar.is_workday's own rule, on its tables: the function takes min/max over every key on
        # each call (25 µs a day), this is a dictionary lookup.
        return d in PUBLISHED_WORKDAYS or (d.weekday() < 5 and d not in PUBLISHED_HOLIDAYS)

    def is_provisional(self, d: date) -> bool:
        return d.year > self.until and d.year not in self.official

    def add_workdays(self, start: date, n: int) -> date:
        """The n-th working day after `start` (`start` itself not counted); n <= 0 counts backwards, n == 0 is
        `start`. Raises CalendarNotCovered when the walk reaches an uncovered year."""
        step = ONE_DAY if n > 0 else -ONE_DAY
        remaining = abs(n)
        day = start
        while remaining:
            day += step
            if self.is_workday(day):
                remaining -= 1
        return day

    def workdays_between(self, a: date, b: date) -> int:
        """Working days in (a, b]: 0 when a == b; negative (the count in (b, a]) when b < a."""
        if b < a:
            return -self.workdays_between(b, a)
        count = 0
        day = a
        while day < b:
            day += ONE_DAY
            if self.is_workday(day):
                count += 1
        return count

    def with_year(self, year: int, days: Mapping[date, bool] | None) -> Calendar:
        """This calendar with `year`'s official schedule replaced by `days` (None: not official)."""
        official = {y: v for y, v in self.official.items() if y != year}
        if days is not None:
            official[year] = days
        return Calendar(official=official, until=self.until)


_built: list[Calendar] = []  # the calendar of the last state seen (one per process)


def current() -> Calendar:
    """The calendar of the official schedules as saved now (cached per process, see core.holidays)."""
    official, until = holidays.official_days(), holidays.published_until()
    built = _built[0] if _built else None
    if built is None or built.official is not official or built.until != until:
        built = Calendar(official=official, until=until)
        _built[:] = [built]
    return built


def is_provisional(d: date) -> bool:
    """True when `d`'s year has neither published nor entered official holidays: the date is an estimate."""
    return current().is_provisional(d)


def is_workday(d: date) -> bool:
    """True when `d` is a working day (a weekday that is not a holiday, or a make-up workday)."""
    return current().is_workday(d)


def add_workdays(start: date, n: int) -> date:
    """The n-th working day after `start` (`start` itself not counted); n <= 0 counts backwards, n == 0 is
    `start`. Raises CalendarNotCovered when the walk reaches an uncovered year."""
    return current().add_workdays(start, n)


def workdays_between(a: date, b: date) -> int:
    """Working days in (a, b]: 0 when a == b; negative (the count in (b, a]) when b < a."""
    return current().workdays_between(a, b)


def day_label(d: date) -> str:
    """A deadline as messages and exports quote it: `2027-01-04`, or `2027-01-04（预估）` when estimated."""
    text = f"{d:%Y-%m-%d}"
    return _("%(day)s（预估）") % {"day": text} if is_provisional(d) else text
