"""The escalation ladder (临期提醒 → 预警 → 督办) as idempotent, set-based jobs.

Each rule is ONE UPDATE over the open tasks that claims the rows it escalates with a compare-and-set on the
rule's stamp (`… SET warned_at = now WHERE warned_at IS NULL …`): two workers running at once claim disjoint
rows, and a second run finds nothing left to claim. The notifications for the rows claimed in this run are
then written with ONE `INSERT … SELECT … ON CONFLICT (dedupe_key) DO NOTHING` per recipient rule, so even a
row claimed twice could not notify twice. The key names the task, the level, the deadline and the recipient
(`task:12:warned:2025-10-09:34`): an approved extension (which clears the stamps and moves the deadline) lets
the ladder start again with new notices, while the same deadline never notifies the same person twice.
Working-day thresholds are turned into boundary DATES once, in Python, with the official calendar
(chaindesk.demands.workdays); the database only compares dates.

Rules, for `today`:
- 临期提醒: not overdue (deadline >= today) and at most 2 working days left (working days in (today, deadline]
  <= 2) → the handler who signed the task, or every handler of the lead department while it is unsigned.
- 预警: overdue (deadline < today) → the lead department's heads (is_department_head).
- 督办: overdue by more than N working days (working days in (deadline, today] > N, N from the setting
  CHAINDESK_SUPERVISE_AFTER_WORKDAYS, default 3) → the chief of the demand's chain, into the 督办 queue.
"""

import logging
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import CharField, DateTimeField, F, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from chaindesk.accounts.choices import Role
from chaindesk.core.models import Notification

from .choices import OPEN_TASK, Escalation
from .models import Task
from .workdays import add_workdays, is_workday

log = logging.getLogger(__name__)

REMIND_WITHIN_WORKDAYS = 2
DEFAULT_SUPERVISE_AFTER_WORKDAYS = 3

KIND_REMINDED = "task_reminded"
KIND_WARNED = "task_warned"
KIND_SUPERVISED = "task_supervised"


def supervise_after_workdays() -> int:
    return int(getattr(settings, "CHAINDESK_SUPERVISE_AFTER_WORKDAYS", DEFAULT_SUPERVISE_AFTER_WORKDAYS))


def remind_before(today: date) -> date:
    """Deadlines strictly before this date have at most REMIND_WITHIN_WORKDAYS working days left."""
    return add_workdays(today, REMIND_WITHIN_WORKDAYS + 1)


def supervise_before(today: date, n: int) -> date:
    """Deadlines strictly before this date are overdue by more than `n` working days (working days in
    (deadline, today] > n): the (n+1)-th working day counting back from `today`, `today` included."""
    anchor = today if is_workday(today) else add_workdays(today, -1)
    return add_workdays(anchor, -n)


def _task_url() -> tuple[str, str, str]:
    """The task's page as (head, pk field, tail), to build the link in SQL; the demand page if there is none."""
    for name, field in (("demands:task_detail", "pk"), ("demands:detail", "demand_id")):
        try:
            url = reverse(name, args=[987654321])
        except NoReverseMatch:
            continue
        head, _sep, tail = url.partition("987654321")
        return head, field, tail
    return "/demands/", "demand_id", "/"


def _notification_rows(tasks: QuerySet[Task], *, recipient: Any, kind: str, label: str, now: datetime) -> QuerySet[Any]:
    """One SELECT producing core_notification rows (in `_COLUMNS` order) for `tasks` and `recipient`."""
    head, link_field, tail = _task_url()
    text = CharField()
    return (
        tasks.order_by()
        .annotate(
            n_recipient=recipient,
            n_kind=Value(kind, output_field=text),
            n_title=Concat(Value(f"【{label}】"), F("demand__title"), output_field=text),
            n_body=Concat(
                Value(str(label) + "：「"),
                F("demand__title"),
                Value("」主办部门 "),
                F("lead_department__name"),
                Value("，办结期限 "),
                Cast("deadline", output_field=text),
                Value("。"),
                output_field=text,
            ),
            n_url=Concat(Value(head), Cast(link_field, output_field=text), Value(tail), output_field=text),
            n_dedupe=Concat(
                Value("task:"),
                Cast("pk", output_field=text),
                Value(f":{kind.removeprefix('task_')}:"),
                Cast("deadline", output_field=text),
                Value(":"),
                Cast(recipient, output_field=text),
                output_field=text,
            ),
            n_created=Value(now, output_field=DateTimeField()),
        )
        .values_list("n_recipient", "n_kind", "n_title", "n_body", "n_url", "n_dedupe", "n_created")
    )


_COLUMNS = ("recipient_id", "kind", "title", "body", "url", "dedupe_key", "created_at")


def _insert_notifications(rows: QuerySet[Any]) -> int:
    """INSERT … SELECT … ON CONFLICT (dedupe_key) DO NOTHING (SQLite >= 3.24 and PostgreSQL)."""
    select_sql, params = rows.query.get_compiler(connection=connection).as_sql()
    table = connection.ops.quote_name(Notification._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _COLUMNS)
    key = connection.ops.quote_name("dedupe_key")
    sql = f"INSERT INTO {table} ({columns}) {select_sql} ON CONFLICT ({key}) DO NOTHING"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def run_escalation(*, today: date, now: datetime | None = None) -> dict[str, int]:
    """Escalate the open tasks for `today`; returns how many tasks each rule claimed and how many
    notifications were written. Idempotent: a second run claims nothing and writes nothing."""
    now = now or timezone.now()
    n = supervise_after_workdays()
    remind_limit = remind_before(today)
    supervise_limit = supervise_before(today, n)
    open_tasks = Task.objects.filter(status__in=OPEN_TASK)
    counts: dict[str, int] = {}
    with transaction.atomic():
        # Order matters only within one run: the highest level claimed last wins the `escalation` column.
        counts["reminded"] = open_tasks.filter(reminded_at=None, deadline__gte=today, deadline__lt=remind_limit).update(
            reminded_at=now, escalation=Escalation.REMINDED
        )
        counts["warned"] = open_tasks.filter(warned_at=None, deadline__lt=today).update(
            warned_at=now, escalation=Escalation.WARNED
        )
        counts["supervised"] = open_tasks.filter(supervised_at=None, deadline__lt=supervise_limit).update(
            supervised_at=now, escalation=Escalation.SUPERVISED
        )

        # The rows this run claimed carry its `now` (the run token) in the rule's stamp; the rule's own
        # conditions are repeated so the (status, deadline) index finds them without scanning every task.
        reminded = open_tasks.filter(reminded_at=now, deadline__gte=today, deadline__lt=remind_limit)
        warned = open_tasks.filter(warned_at=now, deadline__lt=today)
        supervised = open_tasks.filter(supervised_at=now, deadline__lt=supervise_limit, demand__chain__isnull=False)
        notified = 0
        if counts["reminded"]:
            notified += _insert_notifications(
                _notification_rows(
                    reminded.filter(handler__isnull=False),
                    recipient=F("handler_id"),
                    kind=KIND_REMINDED,
                    label="临期提醒",
                    now=now,
                )
            )
            notified += _insert_notifications(
                _notification_rows(
                    reminded.filter(
                        handler__isnull=True,
                        lead_department__users__role=Role.DEPT_HANDLER,
                        lead_department__users__is_active=True,
                    ),
                    recipient=F("lead_department__users__id"),
                    kind=KIND_REMINDED,
                    label="临期提醒",
                    now=now,
                )
            )
        if counts["warned"]:
            notified += _insert_notifications(
                _notification_rows(
                    warned.filter(
                        lead_department__users__is_department_head=True,
                        lead_department__users__is_active=True,
                    ),
                    recipient=F("lead_department__users__id"),
                    kind=KIND_WARNED,
                    label="预警",
                    now=now,
                )
            )
        if counts["supervised"]:
            notified += _insert_notifications(
                _notification_rows(
                    supervised.filter(Q(demand__chain__chief__is_active=True)),
                    recipient=F("demand__chain__chief_id"),
                    kind=KIND_SUPERVISED,
                    label="督办",
                    now=now,
                )
            )
        counts["notifications"] = notified
    log.info("escalation for %s: %s", today, counts)
    return counts


__all__ = [
    "KIND_REMINDED",
    "KIND_SUPERVISED",
    "KIND_WARNED",
    "remind_before",
    "run_escalation",
    "supervise_after_workdays",
    "supervise_before",
]
