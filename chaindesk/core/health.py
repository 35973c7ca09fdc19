"""Readiness: whether this web process can serve now (`/api/ready`, chaindesk/api/api.py).

Liveness (`/api/health`) only says the process answers. Readiness checks what a request needs besides the process:

- `database`: a trivial query on the default database;
- `redis`: a PING with a short timeout (settings.CHAINDESK_READY_REDIS_TIMEOUT seconds), only when
  settings.REDIS_URL is set (the cache and sessions shared by every web process live there);
- `queue`: how long the oldest due task of the database queue (django-tasks' database backend) has waited, at most
  settings.CHAINDESK_READY_MAX_QUEUE_AGE seconds: an older one means no worker is taking tasks;
- `disk`: the free space where attachments are written (settings.MEDIA_ROOT), at least
  settings.CHAINDESK_READY_MIN_FREE_BYTES.

Each check answers a `Check` and never raises: a failure is a check that is not ok, with a short Chinese detail that
names no host, address or password (the endpoint answers anyone); the exception itself goes to the log."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import shutil
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection
from django.db.models import Case, Count, F, Min, Q, When
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max
from redis.backoff import NoBackoff
from redis.retry import Retry

from . import clock

logger = logging.getLogger(__name__)

DEFAULT_MAX_QUEUE_AGE = 600  # seconds
DEFAULT_MIN_FREE_BYTES = 1024**3
DEFAULT_REDIS_TIMEOUT = 0.5  # seconds


@dataclasses.dataclass(frozen=True)
class Check:
    """One readiness check: its name, whether it passed, a short Chinese detail, and the measured value against its
    limit where it has them (seconds for the queue, bytes for the disk, seconds of round trip for Redis)."""

    name: str
    ok: bool
    detail: str
    value: float | None = None
    limit: float | None = None


@dataclasses.dataclass(frozen=True)
class QueueState:
    """The database queue's due tasks: how many, and since when the oldest has waited (None when there is none)."""

    due: int
    waiting_since: dt.datetime | None

    def age(self, now: dt.datetime) -> float:
        """Seconds the oldest due task has waited (0 without one)."""
        return max(0.0, (now - self.waiting_since).total_seconds()) if self.waiting_since else 0.0


def queue_state() -> QueueState:
    """One query: the tasks that a worker should be running now (READY, their `run_after` passed or unset), and the
    moment the oldest became due (enqueued, or its `run_after` when that is later). A task scheduled for later is
    not waiting yet."""
    never = get_date_max()  # django-tasks' "run as soon as possible"
    due = DBTaskResult.objects.filter(status=TaskResultStatus.READY).filter(
        Q(run_after=never) | Q(run_after__lte=clock.now())
    )
    since = Case(When(run_after=never, then=F("enqueued_at")), default=Greatest(F("enqueued_at"), F("run_after")))
    found = due.aggregate(due=Count("pk"), since=Min(since))
    return QueueState(due=found["due"], waiting_since=found["since"])


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.warning("readiness: the database did not answer", exc_info=True)
        return Check("database", False, _("数据库无法连接"))
    return Check("database", True, _("数据库正常"))


def check_redis() -> Check | None:
    """None when no Redis is configured (the cache is then per process, nothing to check)."""
    url = str(getattr(settings, "REDIS_URL", "") or "")
    if not url:
        return None
    timeout = float(getattr(settings, "CHAINDESK_READY_REDIS_TIMEOUT", DEFAULT_REDIS_TIMEOUT))
    # One attempt: redis-py retries a failed connection three times by default, which would multiply the timeout.
    once = Retry(NoBackoff(), 0)
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout, retry=once)
    started = clock.now()
    try:
        client.ping()
    except (redis.RedisError, OSError):
        logger.warning("readiness: Redis did not answer a PING", exc_info=True)
        return Check("redis", False, _("Redis 无法连接"), limit=timeout)
    finally:
        client.close()
    elapsed = (clock.now() - started).total_seconds()
    return Check("redis", True, _("Redis 正常"), value=round(elapsed, 4), limit=timeout)


def check_queue() -> Check:
    limit = int(getattr(settings, "CHAINDESK_READY_MAX_QUEUE_AGE", DEFAULT_MAX_QUEUE_AGE))
    try:
        state = queue_state()
    except Exception:
        logger.warning("readiness: the task queue could not be read", exc_info=True)
        return Check("queue", False, _("无法读取后台任务队列"), limit=limit)
    age = round(state.age(clock.now()), 1)
    if age > limit:
        detail = _("最早的待办后台任务已等待 %(age)d 秒（上限 %(limit)d 秒），后台任务进程可能未运行") % {
            "age": age,
            "limit": limit,
        }
        return Check("queue", False, detail, value=age, limit=limit)
    return Check("queue", True, _("待办后台任务 %(due)d 个") % {"due": state.due}, value=age, limit=limit)


def attachments_dir() -> Path:
    """Where attachments are written: MEDIA_ROOT, or its nearest existing parent before the first upload."""
    path = Path(settings.MEDIA_ROOT)
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def check_disk() -> Check:
    limit = int(getattr(settings, "CHAINDESK_READY_MIN_FREE_BYTES", DEFAULT_MIN_FREE_BYTES))
    try:
        free = shutil.disk_usage(attachments_dir()).free
    except OSError:
        logger.warning("readiness: the attachments' disk could not be measured", exc_info=True)
        return Check("disk", False, _("无法读取附件目录的磁盘空间"), limit=limit)
    if free < limit:
        detail = _("附件目录剩余空间不足：%(free)s，至少需要 %(limit)s") % {"free": _size(free), "limit": _size(limit)}
        return Check("disk", False, detail, value=free, limit=limit)
    return Check("disk", True, _("附件目录剩余空间 %(free)s") % {"free": _size(free)}, value=free, limit=limit)


def _size(count: int) -> str:
    """Bytes as GiB or MiB, for a detail a person reads."""
    return f"{count / 1024**3:.1f} GiB" if count >= 1024**3 else f"{count / 1024**2:.0f} MiB"


def run_checks() -> list[Check]:
    """Every readiness check, in a fixed order (Redis only when configured)."""
    found = [check_database(), check_redis(), check_queue(), check_disk()]
    return [check for check in found if check is not None]
