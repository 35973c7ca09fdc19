"""The arithmetic of a target's progress: 序时进度, how far behind, the light, and the pace the year's last
stretch (最后赛段) needs. Pure functions of numbers and dates; the calendar of working days is the demands'
(chinese-calendar with the official schedules entered in 系统 → 节假日日历).

- 序时进度 of a year on `today`: the days gone, today included, over the year's days (1 January: 1/365;
  29 February of a leap year: 60/366; 31 December: 100%); 0 before the year, 100% after it.
- An accumulating target (项目个数, 金额, 家数) is behind by `序时进度 − 完成率` percentage points; a rate target
  (办结率, 满意率) by `目标比率 − 实际比率` points.
- The light: green below the yellow threshold, yellow from it up to and including the red threshold, red
  beyond it; no light without data (a target of 0, a rate without cases).
- The pace: the gap (target − actual, never negative) over the weeks left, a week being five working days of
  those left this year, today included."""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from chaindesk.demands.workdays import CalendarNotCovered, is_workday, workdays_between

from .choices import Light

HUNDRED = Decimal(100)
POINT = Decimal("0.1")


def days_in_year(year: int) -> int:
    return (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days


def time_progress(year: int, today: dt.date) -> Decimal:
    """序时进度 in percent (one decimal)."""
    if today.year < year:
        return Decimal(0)
    if today.year > year:
        return HUNDRED
    gone = today.timetuple().tm_yday
    return (Decimal(gone) * HUNDRED / Decimal(days_in_year(year))).quantize(POINT, ROUND_HALF_UP)


def completion(actual: Decimal, target: Decimal) -> Decimal | None:
    """完成率 in percent (one decimal); None for a target of 0."""
    if target <= 0:
        return None
    return (actual * HUNDRED / target).quantize(POINT, ROUND_HALF_UP)


def behind(*, actual: Decimal | None, target: Decimal, is_rate: bool, elapsed: Decimal) -> Decimal | None:
    """Percentage points behind: behind 序时进度 (accumulating) or below the target rate (rates); negative when
    ahead; None when there is nothing to compare (no rate yet, a target of 0)."""
    if actual is None:
        return None
    if is_rate:
        return (target - actual).quantize(POINT, ROUND_HALF_UP)
    done = completion(actual, target)
    if done is None:
        return None
    return (elapsed - done).quantize(POINT, ROUND_HALF_UP)


def light(points_behind: Decimal | None, *, yellow: Decimal, red: Decimal) -> str:
    """红黄绿灯: yellow from `yellow` points behind up to `red` included, red beyond."""
    if points_behind is None:
        return Light.NONE
    if points_behind > red:
        return Light.RED
    if points_behind >= yellow:
        return Light.YELLOW
    return Light.GREEN


def workdays_left(year: int, today: dt.date) -> int | None:
    """Working days from today (included) to 31 December; 0 after the year, the whole year before it; None
    when the calendar does not cover the year."""
    last = dt.date(year, 12, 31)
    if today > last:
        return 0
    start = max(today, dt.date(year, 1, 1))
    try:
        return workdays_between(start, last) + (1 if is_workday(start) else 0)
    except CalendarNotCovered:
        return None


@dataclass(frozen=True)
class Pace:
    """What closing an accumulating target's gap takes: the gap, and per week of working days left."""

    gap: Decimal
    weekly: Decimal | None  # None when no working day is left (or the calendar does not cover the year)
    reachable: bool  # False when a gap remains and no working day is left


def pace(*, actual: Decimal, target: Decimal, days_left: int | None) -> Pace:
    """The weekly pace needed from today to close the gap by 31 December."""
    gap = max(target - actual, Decimal(0))
    if gap == 0:
        return Pace(gap=gap, weekly=Decimal(0), reachable=True)
    if not days_left:
        return Pace(gap=gap, weekly=None, reachable=False)
    weekly = (gap * 5 / Decimal(days_left)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return Pace(gap=gap, weekly=weekly, reachable=True)
