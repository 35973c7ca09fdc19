"""The one clock of ChainDesk: everything that depends on "now" or "today" asks here.

Production reads the system clock (timezone-aware, Asia/Shanghai for local dates). Tests fix it in one
place (`chaindesk/conftest.py`, with time-machine), and CI re-runs the date-sensitive tests under other
clocks by setting `CHAINDESK_TEST_CLOCK`; code never calls `timezone.now()` or `date.today()` itself."""

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    """The current instant, timezone-aware (UTC inside, like `timezone.now()`)."""
    return timezone.now()


def localnow() -> dt.datetime:
    """The current instant in the site's time zone (Asia/Shanghai)."""
    return timezone.localtime(now())


def today() -> dt.date:
    """Today's date in the site's time zone: what a deadline, 序时进度 or an overdue mark is counted from."""
    return localnow().date()
