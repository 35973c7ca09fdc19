"""Which days of a year are rest days, and how sure we are: the calendar that working-day deadlines count on.

A year's holidays come, first match wins, from:
1. **official** (官方安排): the schedule a system administrator entered from the State Council's notice
   (OfficialYear / OfficialDay, chaindesk/core/models_calendar.py). It overrides even the package below;
2. **published** (chinese_calendar): the package's built-in official data, up to its last year (`LAST_YEAR`);
3. **estimated** (预估): for a later year, the statutory holidays of the 2024 revision of 全国年节及纪念日放假办法
   are rest days: 元旦 1 day, 春节 4 (除夕 to 初三), 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3, with lunar
   dates and the 清明 solar term from `lunar_python` (pure Python, maintained, solar terms included). No
   make-up workday (调休) is guessed and a holiday on a weekend is not moved to a weekday: the estimate only
   knows the statutory days, so a deadline there may come a day or two earlier than the official one.
   Every such date is marked 预估 wherever it is shown;
4. before the package's first year (2004) nothing is known (the arithmetic refuses).

The official schedules are cached per process (`official_days`): the saving process drops its copy at once
(`invalidate`), and every other process (gunicorn workers, the job worker) notices a version stamp in the
shared cache (Redis in production) at most `RECHECK_SECONDS` later, so the arithmetic never queries per day.
Where the cache is not shared (LocMemCache), each process also reloads every `CHAINDESK_CALENDAR_MAX_AGE`
seconds (default 600; the test settings turn it off, since a reload adds a query to a pinned count).

`CHAINDESK_CALENDAR_PUBLISHED_UNTIL` (a setting, default: the package's last year) pretends the package stops
earlier: tests use it to count 2027 as estimated even with a chinese_calendar that publishes 2027.

Core names no domain app: the demands app registers a listener (`register_calendar_listener`) that re-dates
its open deadlines when a year's official schedule is saved."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from chinese_calendar.constants import holidays as _published_holidays
from chinese_calendar.constants import workdays as _published_workdays
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

FIRST_YEAR: int = min(d.year for d in _published_holidays)
LAST_YEAR: int = max(d.year for d in _published_holidays)

OFFICIAL, PUBLISHED, ESTIMATED, UNCOVERED = "official", "published", "estimated", "uncovered"
BASIS_LABELS = {
    OFFICIAL: _("官方安排（已录入）"),
    PUBLISHED: _("官方安排（内置日历）"),
    ESTIMATED: _("预估（按法定节假日）"),
    UNCOVERED: _("无日历数据"),
}

# The statutory holidays' names, shown on the pages and prefilled on the administrator's form.
NEW_YEAR, SPRING, QINGMING, LABOUR, DRAGON_BOAT, MID_AUTUMN, NATIONAL = (
    _("元旦"),
    _("春节"),
    _("清明节"),
    _("劳动节"),
    _("端午节"),
    _("中秋节"),
    _("国庆节"),
)
# chinese_calendar's English holiday names, for the administrator's form prefilled from a published year.
_PUBLISHED_NAMES = {
    "New Year's Day": NEW_YEAR,
    "Spring Festival": SPRING,
    "Tomb-sweeping Day": QINGMING,
    "Labour Day": LABOUR,
    "Dragon Boat Festival": DRAGON_BOAT,
    "Mid-autumn Festival": MID_AUTUMN,
    "National Day": NATIONAL,
    "Anti-Fascist 70th Day": _("抗战胜利纪念日"),
}


def published_until() -> int:
    """The last year the chinese_calendar data is trusted for (the setting may only make it earlier)."""
    until = getattr(settings, "CHAINDESK_CALENDAR_PUBLISHED_UNTIL", None)
    return LAST_YEAR if until is None else min(int(until), LAST_YEAR)


# --- the estimate ------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def estimated_holidays(year: int) -> Mapping[dt.date, Any]:
    """{day: name} of the statutory rest days of `year` (2024 rules), lunar dates from lunar_python."""
    from lunar_python import Lunar, Solar  # imported when first needed: 50 ms that most processes never pay

    new_year = Lunar.fromYmd(year, 1, 1)
    days: dict[dt.date, Any] = {dt.date(year, 1, 1): NEW_YEAR}
    # 春节: 除夕 (the last day of the 12th month, the 29th or the 30th) to 初三
    for offset in range(-1, 3):
        days[_solar(new_year.next(offset).getSolar())] = SPRING
    qingming = Solar.fromYmd(year, 4, 1).getLunar().getJieQiTable()["清明"]
    days[_solar(qingming)] = QINGMING
    days[dt.date(year, 5, 1)] = days[dt.date(year, 5, 2)] = LABOUR
    days[_solar(Lunar.fromYmd(year, 5, 5).getSolar())] = DRAGON_BOAT
    days[_solar(Lunar.fromYmd(year, 8, 15).getSolar())] = MID_AUTUMN
    for day in (1, 2, 3):  # 国庆 wins a day it shares with 中秋 (2028-10-03): the day rests once either way
        days[dt.date(year, 10, day)] = NATIONAL
    return days


def _solar(solar: Any) -> dt.date:
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def published_schedule(year: int) -> tuple[dict[dt.date, Any], list[dt.date]]:
    """({holiday: name}, make-up workdays) of a year the chinese_calendar package publishes."""
    holidays = {d: _PUBLISHED_NAMES.get(name, name) for d, name in _published_holidays.items() if d.year == year}
    workdays = sorted(d for d in _published_workdays if d.year == year)
    return dict(sorted(holidays.items())), workdays


def ranges(days: Mapping[dt.date, Any]) -> list[tuple[str, dt.date, dt.date]]:
    """{day: name} as (name, first day, last day) runs of consecutive days with the same name, in date order."""
    runs: list[tuple[str, dt.date, dt.date]] = []
    for day in sorted(days):
        name = str(days[day])
        if runs and runs[-1][0] == name and runs[-1][2] + dt.timedelta(days=1) == day:
            runs[-1] = (name, runs[-1][1], day)
        else:
            runs.append((name, day, day))
    return runs


# --- the official schedules, cached per process ------------------------------------------------------------

# {year: {day: True for a make-up workday, False for a holiday}}; a year present is official even when empty.
OfficialDays = Mapping[int, Mapping[dt.date, bool]]
RECHECK_SECONDS = 30.0
# Reloaded at least this often (seconds) even when no version stamp says so: a deployment whose cache is not
# shared between processes (LocMemCache) still sees a schedule saved by another process. None: never.
DEFAULT_MAX_AGE = 600.0
VERSION_KEY = "chaindesk:official-calendar:version"


@dataclass
class _Cache:
    days: OfficialDays | None = None
    version: Any = None
    checked: float = float("-inf")
    loaded: float = float("-inf")


_cache = _Cache()
_lock = threading.Lock()


def _load() -> OfficialDays:
    """Every official schedule in one query."""
    from .models_calendar import OfficialDay, OfficialYear  # noqa: PLC0415 - models load after the app registry

    loaded: dict[int, dict[dt.date, bool]] = {}
    for year, day, kind in OfficialYear.objects.values_list("year", "days__day", "days__kind"):
        days = loaded.setdefault(year, {})
        if day is not None:
            days[day] = kind == OfficialDay.Kind.WORKDAY
    return loaded


def official_days() -> OfficialDays:
    """The entered official schedules. The same object comes back until a schedule is saved, so callers may
    key their own caches on its identity."""
    now = time.monotonic()
    current = _cache
    if current.days is not None and now - current.checked < RECHECK_SECONDS:
        return current.days
    with _lock:
        version = _shared_version(current.version)
        max_age = getattr(settings, "CHAINDESK_CALENDAR_MAX_AGE", DEFAULT_MAX_AGE)
        stale = max_age is not None and now - current.loaded >= max_age
        if current.days is None or version != current.version or stale:
            current.days, current.version, current.loaded = _load(), version, now
        current.checked = now
        return current.days


def _shared_version(fallback: Any) -> Any:
    """The version stamp in the shared cache; `fallback` (keep this copy) when the cache does not answer: an
    unreachable Redis must not stop every deadline computation."""
    try:
        return cache.get(VERSION_KEY)
    except Exception:  # noqa: BLE001 - any cache backend's error; the copy is rechecked RECHECK_SECONDS later
        return fallback


def invalidate() -> None:
    """Drop this process's copy now and tell the others through the shared version stamp. Called when a
    schedule is saved, again when its transaction commits, and by tests after a rolled-back save."""
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:  # noqa: BLE001 - the other processes then reload at MAX_AGE, this one now
        logger.warning("official calendar: the shared cache did not take the new version stamp", exc_info=True)
    with _lock:
        _cache.days, _cache.checked = None, float("-inf")


def cache_state() -> tuple[Any, Any, Any]:
    """This process's cached schedules and the shared version stamp, for `restore_cache_state`."""
    return _cache.days, _cache.version, cache.get(VERSION_KEY)


def restore_cache_state(state: tuple[Any, Any, Any]) -> None:
    """Put back what `cache_state` saw: a test that saved a schedule in a transaction it rolls back must not
    leave that schedule cached (nor a cold cache whose reload would add a query to the next test's count)."""
    days, version, shared = state
    if shared is None:
        cache.delete(VERSION_KEY)
    else:
        cache.set(VERSION_KEY, shared, timeout=None)
    with _lock:
        _cache.days, _cache.version = days, version
        _cache.checked = _cache.loaded = time.monotonic() if days is not None else float("-inf")


def year_basis(year: int, official: OfficialDays | None = None) -> str:
    """Where `year`'s holidays come from: OFFICIAL, PUBLISHED, ESTIMATED or UNCOVERED."""
    if year in (official_days() if official is None else official):
        return OFFICIAL
    if year > published_until():
        return ESTIMATED
    return PUBLISHED if year >= FIRST_YEAR else UNCOVERED


# --- who reacts to a saved schedule ------------------------------------------------------------------------

# (year, the year's official days before the save or None when it was not official, actor) → how many records
# the listener changed. Called inside the saving transaction, after the new schedule is readable.
CalendarListener = Callable[..., int]
_LISTENERS: dict[str, CalendarListener] = {}


def register_calendar_listener(key: str, listener: CalendarListener) -> None:
    """Add (or replace) the listener `key`: a later app re-dates its deadlines when a schedule is saved."""
    _LISTENERS[key] = listener


def calendar_listeners() -> list[tuple[str, CalendarListener]]:
    return list(_LISTENERS.items())
