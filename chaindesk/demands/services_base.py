"""What the demand services share: the timeline event, input checks, and the compare-and-set moves of a
demand and a task (audit line and timeline or task history in the same transaction).

Used by chaindesk/demands/services.py (intake, triage, confirmation) and services_tasks.py (department tasks);
see services.py for the rules every write follows."""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from chaindesk.core.actors import Actor, person, person_or_none
from chaindesk.core.transitions import compare_and_set

from . import permissions
from .choices import (
    DEMAND_TRANSITIONS,
    TASK_TRANSITIONS,
    DemandStatus,
    TaskStatus,
)
from .models import Demand, DemandEvent, Task, TaskUpdate

NOTE_MAX = 300


def demand_status_label(status: str) -> str:
    return str(DemandStatus(status).label) if status in DemandStatus.values else status


def task_status_label(status: str) -> str:
    return str(TaskStatus(status).label) if status in TaskStatus.values else status


def _local(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment)


def _required(value: str, field: str, message: str, max_length: int | None = None) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message}, code="required")
    if max_length is not None and len(value) > max_length:
        raise ValidationError(
            {field: _("内容请控制在%(n)s字以内。") % {"n": max_length}},
            code="too_long",
        )
    return value


def _event(
    *, demand: Demand, kind: str, actor: Actor, from_status: str = "", to_status: str = "", note: str = ""
) -> None:
    DemandEvent.objects.create(
        demand=demand,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        note=note,
        actor=person_or_none(actor),
    )


# --- compare-and-set ---------------------------------------------------------------------------------------


def demand_stale(now: str, seen: str) -> str:
    """The 409 message when the demand left the state the page showed."""
    return _("该诉求已被他人变更为“%(now)s”（您看到的是“%(seen)s”），请刷新页面后再操作。") % {
        "now": demand_status_label(now),
        "seen": demand_status_label(seen),
    }


def task_stale(now: str, seen: str) -> str:
    """The 409 message when the task left the state the page showed."""
    return _("该任务已被他人变更为“%(now)s”（您看到的是“%(seen)s”），请刷新页面后再操作。") % {
        "now": task_status_label(now),
        "seen": task_status_label(seen),
    }


def _demand_move(
    *,
    demand: Demand,
    expected: str,
    to_status: str,
    actor: Actor,
    kind: str,
    note: str = "",
    sources: frozenset[str] | None = None,
    **extra: Any,
) -> None:
    """Move `demand` from `expected` to `to_status` in one conditional UPDATE, then record the audit line and
    the timeline event and apply the written fields to the instance. `sources` narrows the states the action
    starts from (a move the table allows may belong to another action: 已受理 → 办理中 is the first task's)."""
    if to_status not in DEMAND_TRANSITIONS.get(expected, frozenset()) or (
        sources is not None and expected not in sources
    ):
        raise ValidationError(
            _("诉求当前为“%(from)s”，不能变更为“%(to)s”。")
            % {"from": demand_status_label(expected), "to": demand_status_label(to_status)},
            code="illegal_transition",
        )
    fields = {"status": to_status, **extra}
    compare_and_set(
        demand,
        field="status",
        expected=expected,
        fields=fields,
        actor=actor,
        stale=lambda now: demand_stale(now, expected),
        message=note,
        unaudited=("reopen_count",),
    )
    _event(demand=demand, kind=kind, actor=actor, from_status=expected, to_status=to_status, note=note)
    for name, value in fields.items():
        if name != "reopen_count":
            setattr(demand, name, value)
    if "reopen_count" in extra:
        demand.reopen_count = Demand.objects.values_list("reopen_count", flat=True).get(pk=demand.pk)


def _task_move(
    *,
    task: Task,
    expected: str,
    to_status: str,
    actor: Actor,
    kind: str,
    note: str = "",
    extra_days: int | None = None,
    sources: frozenset[str],
    **extra: Any,
) -> TaskUpdate:
    """Move `task` from `expected` to `to_status` (conditional UPDATE), audit it and add the TaskUpdate row.
    `sources`: the states this action starts from (several actions share a target state)."""
    if to_status not in TASK_TRANSITIONS.get(expected, frozenset()) or expected not in sources:
        raise ValidationError(
            _("任务当前为“%(from)s”，不能变更为“%(to)s”。")
            % {"from": task_status_label(expected), "to": task_status_label(to_status)},
            code="illegal_transition",
        )
    fields = {"status": to_status, **extra}
    compare_and_set(
        task,
        field="status",
        expected=expected,
        fields=fields,
        actor=actor,
        stale=lambda now: task_stale(now, expected),
        message=note,
    )
    for name, value in fields.items():
        setattr(task, name, value)
    return TaskUpdate.objects.create(task=task, kind=kind, note=note, extra_days=extra_days, actor=person(actor))


def _lock_demand(demand_id: int) -> Demand:
    """Serialise the task moves that may change the demand's state (PostgreSQL row lock; SQLite serialises)."""
    return Demand.objects.select_for_update().get(pk=demand_id)


def _all_tasks_done(demand_id: int) -> bool:
    statuses = set(Task.objects.filter(demand_id=demand_id).values_list("status", flat=True))
    statuses.discard(TaskStatus.RETURNED)
    return statuses == {TaskStatus.DONE}


def _sync_after_tasks(*, demand: Demand, actor: Actor) -> None:
    """办理中 → 待企业确认 when every task that was not returned is done (at least one)."""
    if demand.status == DemandStatus.IN_PROGRESS and _all_tasks_done(demand.pk):
        _demand_move(
            demand=demand,
            expected=DemandStatus.IN_PROGRESS,
            to_status=DemandStatus.AWAITING_CONFIRMATION,
            actor=actor,
            kind="awaiting_confirmation",
        )


def _need_triage(actor: Actor, demand: Demand) -> None:
    if not permissions.can_triage(actor, demand):
        raise PermissionDenied(_("您无权处理该诉求：只有该企业所在产业链的服务团队可以受理和交办。"))
