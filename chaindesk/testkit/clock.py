"""The clock every test runs under.

The whole test session travels (time-machine, ticking) to one instant: 2026-11-25 10:00 in Beijing by default,
or the instant named by `CHAINDESK_TEST_CLOCK` (ISO 8601, e.g. `2027-02-08T09:30:00+08:00`). The demo city is
loaded for that day. Tests marked `clock` are written for any day; CI runs them again under three other clocks
(inside the 2027 Spring Festival, 2027-01-04 after the calendar package's last published year, and 2028-02-29).
Tests without the mark may rely on the default day's known facts (a Wednesday; 2026-11-20 is the Friday before)."""

import datetime as dt
import os
import zoneinfo

import time_machine

ENV = "CHAINDESK_TEST_CLOCK"
BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
DEFAULT_NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=BEIJING)
OTHER_CLOCKS = ("2027-02-08T09:30:00+08:00", "2027-01-04T09:30:00+08:00", "2028-02-29T09:30:00+08:00")


def test_now() -> dt.datetime:
    """The instant the test session starts at (aware)."""
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return DEFAULT_NOW
    moment = dt.datetime.fromisoformat(raw)
    return moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)


TEST_NOW = test_now()
TEST_TODAY = TEST_NOW.astimezone(BEIJING).date()
IS_DEFAULT_CLOCK = TEST_NOW == DEFAULT_NOW


def start() -> time_machine.travel:
    """Start travelling for the whole session; time flows on from TEST_NOW (a test may travel further)."""
    traveller = time_machine.travel(TEST_NOW, tick=True)
    traveller.start()
    return traveller
