"""The escalation ladder (临期提醒 → 预警 → 督办) as an idempotent, set-based job.

ONE UPDATE over the open tasks claims every row a rule escalates, with a compare-and-set on the rule's stamp
(`… SET warned_at = CASE WHEN warned_at IS NULL AND deadline < today THEN now … END WHERE …`): two workers
running at once claim disjoint rows (the second waits for the first's row locks and then finds the stamps
set), and a second run finds nothing left to claim. A row crossing two rungs at once (a backlog overdue by
weeks) is written once, not once per rule.

Notices are digests: each recipient gets ONE notice per rung per run naming how many tasks it concerns, the
three nearest deadlines and a link (the task itself when there is one, else the queue filtered on that rung),
instead of one per task: a department head whose department has forty overdue tasks gets one 预警, not forty.
Each notice is computed in SQL from the rows this run claimed (their stamp equals the run's `now`), so a task
is announced exactly once whatever the number of runs or workers; the notice's key names the rung, the
recipient and the run (`escalation:warned:34:20251010T060000000000`).

Working-day thresholds are turned into boundary DATES once, in Python, with the official calendar
(chaindesk.demands.workdays); the database only compares dates.

Rules, for `today`:
- 临期提醒: not overdue (deadline >= today) and at most 2 working days left (working days in (today, deadline]
  <= 2) → the handler who signed the task, or every handler of the lead department while it is unsigned.
- 预警: overdue (deadline < today) → the lead department's heads (is_department_head); a department without an
  active head → its handlers.
- 督办: overdue by more than N working days (working days in (deadline, today] > N, N from the setting
  CHAINDESK_SUPERVISE_AFTER_WORKDAYS, default 3) → the chief of the demand's chain, into the 督办 queue.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber
from django.urls import reverse

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import Department, User
from chaindesk.core import clock
from chaindesk.core.models import Notification

from .choices import OPEN_TASK, Escalation
from .models import Task
from .workdays import add_workdays, day_label, is_workday

log = logging.getLogger(__name__)

REMIND_WITHIN_WORKDAYS = 2
DEFAULT_SUPERVISE_AFTER_WORKDAYS = 3
SAMPLE_TASKS = 3  # tasks named in a digest; the link leads to the rest
BATCH_WORK_MEM = "64MB"  # PostgreSQL sort memory for this job's transaction only

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


@dataclass(frozen=True)
class Rung:
    """One rung of the ladder: its mark, the notice kind and wording, and who is told."""

    level: str
    stamp: str
    kind: str
    label: str
    many: str  # title of a digest over several tasks, with {n}
    queue: str  # URL name of the list the digest links to
    # (recipient expression, condition selecting the rows that recipient is told about)
    recipients: tuple[tuple[Any, Q], ...] = field(default_factory=tuple)


RUNGS = (
    Rung(
        Escalation.REMINDED.value,
        "reminded_at",
        KIND_REMINDED,
        "临期提醒",
        "{n} 项任务 2 个工作日内到期",
        "demands:tasks",
        (
            (F("handler_id"), Q(handler__isnull=False)),
            (
                F("lead_department__users__id"),
                Q(
                    handler__isnull=True,
                    lead_department__users__role=Role.DEPT_HANDLER,
                    lead_department__users__is_active=True,
                ),
            ),
        ),
    ),
    Rung(
        Escalation.WARNED.value,
        "warned_at",
        KIND_WARNED,
        "预警",
        "{n} 项任务已逾期",
        "demands:tasks",
        (
            (
                F("lead_department__users__id"),
                Q(lead_department__users__is_department_head=True, lead_department__users__is_active=True),
            ),
        ),
    ),
    Rung(
        Escalation.SUPERVISED.value,
        "supervised_at",
        KIND_SUPERVISED,
        "督办",
        "{n} 项逾期任务转入督办",
        "demands:supervision",
        ((F("demand__chain__chief_id"), Q(demand__chain__isnull=False, demand__chain__chief__is_active=True)),),
    ),
)


def run_token(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S%f")


def _headless_departments() -> list[int]:
    """Departments without an active head: their 预警 goes to their handlers, so it reaches someone."""
    heads = User.objects.filter(department=OuterRef("pk"), is_department_head=True, is_active=True)
    return list(Department.objects.filter(~Exists(heads)).values_list("pk", flat=True))


def _sources(rung: Rung, headless: list[int]) -> list[tuple[Any, Q]]:
    sources = list(rung.recipients)
    if rung.level == Escalation.WARNED and headless:
        sources.append(
            (
                F("lead_department__users__id"),
                Q(
                    lead_department_id__in=headless,
                    lead_department__users__role=Role.DEPT_HANDLER,
                    lead_department__users__is_active=True,
                ),
            )
        )
    return sources


def _sample_rows(claimed: QuerySet[Task], recipient: Any) -> list[tuple[Any, ...]]:
    """Per recipient: how many claimed tasks, and the SAMPLE_TASKS nearest deadlines among them (window
    functions, one statement; the tasks' titles are read afterwards for the few rows kept)."""
    by_recipient = [recipient]
    return list(
        claimed.order_by()
        .annotate(
            r=recipient,
            n=Window(Count("pk"), partition_by=by_recipient),
            rn=Window(RowNumber(), partition_by=by_recipient, order_by=[F("deadline").asc(), F("pk").asc()]),
        )
        .filter(rn__lte=SAMPLE_TASKS)
        .values_list("r", "n", "pk", "deadline")
    )


@dataclass
class Digest:
    rung: Rung
    recipient: int
    n: int = 0
    samples: list[tuple[int, date]] = field(default_factory=list)  # (task pk, deadline)


def _digests(rung: Rung, claimed: QuerySet[Task], headless: list[int]) -> list[Digest]:
    """One digest per recipient for the rows of `claimed` (this run's claims on `rung`)."""
    digests: dict[int, Digest] = {}
    for recipient, condition in _sources(rung, headless):
        seen: set[int] = set()
        for r, n, pk, deadline in _sample_rows(claimed.filter(condition), recipient):
            digest = digests.setdefault(r, Digest(rung, r))
            if r not in seen:  # the sources of one recipient are disjoint sets of tasks
                digest.n += n
                seen.add(r)
            digest.samples.append((pk, deadline))
    return [digests[r] for r in sorted(digests)]


def _notice(digest: Digest, about: dict[int, tuple[str, str]], token: str) -> Notification:
    """The notice of a digest; `about` maps a task to its demand's title and lead department's name."""
    rung, n = digest.rung, digest.n
    samples = sorted(digest.samples, key=lambda row: (row[1], row[0]))[:SAMPLE_TASKS]
    key = f"escalation:{rung.level}:{digest.recipient}:{token}"
    if n == 1:
        pk, deadline = samples[0]
        title, department = about[pk]
        return Notification(
            recipient_id=digest.recipient,
            kind=rung.kind,
            title=f"【{rung.label}】{title}"[:200],
            body=f"{rung.label}：「{title}」主办部门 {department}，办结期限 {day_label(deadline)}。",
            url=reverse("demands:task_detail", args=[pk]),
            dedupe_key=key,
        )
    named = "；".join(f"「{about[pk][0]}」（{about[pk][1]}，期限 {day_label(deadline)}）" for pk, deadline in samples)
    more = f"等 {n} 项" if n > len(samples) else f"共 {n} 项"
    query = f"?escalation={rung.level}" if rung.queue == "demands:tasks" else ""
    return Notification(
        recipient_id=digest.recipient,
        kind=rung.kind,
        title=f"【{rung.label}】" + rung.many.format(n=n),
        body=f"{rung.label}：{named}{more}。",
        url=reverse(rung.queue) + query,
        dedupe_key=key,
    )


def _notify(digests: list[Digest], now: datetime) -> int:
    """Write the digests' notices: the sampled tasks' titles in one query, the notices in one INSERT."""
    if not digests:
        return 0
    pks = {pk for digest in digests for pk, _deadline in digest.samples}
    about = {
        pk: (title, department)
        for pk, title, department in Task.objects.filter(pk__in=pks).values_list(
            "pk", "demand__title", "lead_department__name"
        )
    }
    token = run_token(now)
    notices = [_notice(digest, about, token) for digest in digests]
    for notice in notices:
        notice.created_at = now
    Notification.objects.bulk_create(notices, ignore_conflicts=True)
    return len(notices)


def run_escalation(*, today: date, now: datetime | None = None) -> dict[str, int]:
    """Escalate the open tasks for `today`; returns how many tasks each rule claimed and how many notices
    (digests) were written. Idempotent: a second run claims nothing and writes nothing."""
    now = now or clock.now()
    remind_limit = remind_before(today)
    supervise_limit = supervise_before(today, supervise_after_workdays())
    # Every rung needs a deadline before remind_limit: the (status, deadline) index bounds every statement.
    candidates = Task.objects.filter(status__in=OPEN_TASK, deadline__lt=remind_limit)
    rules = {
        Escalation.REMINDED.value: Q(reminded_at=None, deadline__gte=today),
        Escalation.WARNED.value: Q(warned_at=None, deadline__lt=today),
        Escalation.SUPERVISED.value: Q(supervised_at=None, deadline__lt=supervise_limit),
    }
    # This run's claims on each rung: the stamp holds this run's `now`, and the rung's date condition.
    mine = {rung.level: Q(**{rung.stamp: now}) & rules_after(rung.level, today, supervise_limit) for rung in RUNGS}
    counts: dict[str, int] = {}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The digests sort the claimed rows per recipient (window functions): in memory, not on disk.
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL work_mem = '{BATCH_WORK_MEM}'")
        candidates.filter(rules["reminded"] | rules["warned"] | rules["supervised"]).update(
            **{rung.stamp: Case(When(rules[rung.level], then=Value(now)), default=F(rung.stamp)) for rung in RUNGS},
            # The highest rung claimed in this run becomes the task's mark.
            escalation=Case(
                *(When(rules[rung.level], then=Value(rung.level)) for rung in reversed(RUNGS)),
                default=F("escalation"),
            ),
        )
        counts.update(candidates.aggregate(**{rung.level: Count("pk", filter=mine[rung.level]) for rung in RUNGS}))
        digests: list[Digest] = []
        headless = _headless_departments() if counts[Escalation.WARNED.value] else []
        for rung in RUNGS:
            if counts[rung.level]:
                digests += _digests(rung, candidates.filter(mine[rung.level]), headless)
        notified = _notify(digests, now)
        counts["notifications"] = notified
    log.info("escalation for %s: %s", today, counts)
    return counts


def rules_after(level: str, today: date, supervise_limit: date) -> Q:
    """A rung's date condition (its stamp no longer NULL once claimed), to find this run's claims."""
    if level == Escalation.REMINDED:
        return Q(deadline__gte=today)
    if level == Escalation.WARNED:
        return Q(deadline__lt=today)
    return Q(deadline__lt=supervise_limit)


__all__ = [
    "KIND_REMINDED",
    "KIND_SUPERVISED",
    "KIND_WARNED",
    "RUNGS",
    "remind_before",
    "run_escalation",
    "supervise_after_workdays",
    "supervise_before",
]
