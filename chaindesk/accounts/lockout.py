"""Login lock-out, counted from the audit trail: N failures in the window lock an account or an address."""

import datetime as dt

from django.conf import settings
from django.db.models import Max

from chaindesk.core import clock
from chaindesk.core.models import AuditAction, AuditLog


def _window_start() -> dt.datetime:
    return clock.now() - dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def normalise(username: str) -> str:
    return (username or "").strip().lower()[:150]


def account_failures(username: str) -> int:
    """Failures for this account in the window, since its last successful login."""
    name = normalise(username)
    since = _window_start()
    last_ok = AuditLog.objects.filter(action=AuditAction.LOGIN, actor_name=name, created_at__gte=since).aggregate(
        last=Max("created_at")
    )["last"]
    if last_ok is not None:
        since = last_ok
    return AuditLog.objects.filter(action=AuditAction.LOGIN_FAILED, actor_name=name, created_at__gt=since).count()


def address_failures(ip: str | None) -> int:
    if not ip:
        return 0
    return AuditLog.objects.filter(action=AuditAction.LOGIN_FAILED, ip=ip, created_at__gte=_window_start()).count()


def is_locked(*, username: str, ip: str | None) -> bool:
    limit = settings.LOGIN_FAILURE_LIMIT
    return account_failures(username) >= limit or address_failures(ip) >= limit
