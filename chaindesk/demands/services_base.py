"""What the demand services share: the timeline event, input checks, the move each action makes (DemandMoves,
TaskMoves) and the one way a move is made (StatusMachine: the transition table, the compare-and-set with its
audit line, then the timeline event or the task's history row in the same transaction).

Used by chaindesk/demands/services.py (intake, triage, confirmation) and services_tasks.py (department tasks);
see services.py for the rules every write follows."""

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chaindesk.core import clock
from chaindesk.core.actors import Actor, person, person_or_none
from chaindesk.core.transitions import compare_and_set

from . import notices, permissions
from .choices import (
    ASSIGNMENT_TRANSITIONS,
    DEMAND_TRANSITIONS,
    TASK_TRANSITIONS,
    DemandKind,
    DemandStatus,
    TaskStatus,
)
from .models import Demand, DemandEvent, Task, TaskUpdate
from .workdays import CalendarNotCovered, workdays_between

NOTE_MAX = 300


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
) -> DemandEvent:
    return DemandEvent.objects.create(
        demand=demand,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        note=note,
        actor=person_or_none(actor),
    )


# --- the moves ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """One action's status change: the state it leads to, the kind of the history row it writes (DemandEvent.kind
    or TaskUpdate.Kind) and the states the action starts from (None: every state the transition table allows).
    `sources` matters where several actions share a target: 已受理 → 办理中 is the first task's, 待企业确认 →
    办理中 the enterprise's 不满意."""

    to_status: str
    kind: str
    sources: frozenset[str] | None = None


# The moves of the services in services.py and services_tasks.py, by action.
class DemandMoves:
    ACCEPT = Move(DemandStatus.ACCEPTED, "accepted")
    REJECT = Move(DemandStatus.REJECTED, "rejected")
    MERGE = Move(DemandStatus.MERGED, "merged")
    REQUEST_INFO = Move(DemandStatus.NEEDS_INFO, "info_requested")
    SUPPLY_INFO = Move(DemandStatus.SUBMITTED, "info_supplied")
    FIRST_TASK = Move(DemandStatus.IN_PROGRESS, "task_created", frozenset({DemandStatus.ACCEPTED}))
    TASKS_DONE = Move(DemandStatus.AWAITING_CONFIRMATION, "awaiting_confirmation")
    REOPEN = Move(DemandStatus.IN_PROGRESS, "reopened", frozenset({DemandStatus.AWAITING_CONFIRMATION}))
    CLOSE = Move(DemandStatus.CLOSED, "confirmed", frozenset({DemandStatus.AWAITING_CONFIRMATION}))
    # A 交办事项 has no enterprise to confirm: its last task done closes it.
    ASSIGNMENT_DONE = Move(DemandStatus.CLOSED, "assignment_closed", frozenset({DemandStatus.IN_PROGRESS}))


class TaskMoves:
    SIGN = Move(TaskStatus.IN_PROGRESS, TaskUpdate.Kind.SIGN, frozenset({TaskStatus.PENDING}))
    REQUEST_EXTENSION = Move(
        TaskStatus.EXTENSION_REQUESTED, TaskUpdate.Kind.EXTENSION, frozenset({TaskStatus.IN_PROGRESS})
    )
    APPROVE_EXTENSION = Move(
        TaskStatus.IN_PROGRESS, TaskUpdate.Kind.EXTENSION_APPROVED, frozenset({TaskStatus.EXTENSION_REQUESTED})
    )
    REFUSE_EXTENSION = Move(
        TaskStatus.IN_PROGRESS, TaskUpdate.Kind.EXTENSION_REFUSED, frozenset({TaskStatus.EXTENSION_REQUESTED})
    )
    RETURN = Move(TaskStatus.RETURNED, TaskUpdate.Kind.RETURN, frozenset({TaskStatus.PENDING, TaskStatus.IN_PROGRESS}))
    REQUEST_COMPLETION = Move(
        TaskStatus.COMPLETION_REQUESTED, TaskUpdate.Kind.COMPLETION, frozenset({TaskStatus.IN_PROGRESS})
    )
    ACCEPT_COMPLETION = Move(
        TaskStatus.DONE, TaskUpdate.Kind.COMPLETION_ACCEPTED, frozenset({TaskStatus.COMPLETION_REQUESTED})
    )
    REJECT_COMPLETION = Move(
        TaskStatus.IN_PROGRESS, TaskUpdate.Kind.COMPLETION_REJECTED, frozenset({TaskStatus.COMPLETION_REQUESTED})
    )
    REOPEN = Move(TaskStatus.IN_PROGRESS, TaskUpdate.Kind.REOPEN, frozenset({TaskStatus.DONE}))


@dataclass(frozen=True)
class StatusMachine:
    """What a demand's and a task's moves share: the check against the transition table and the action's
    sources, and the compare-and-set from the status of the instance the caller holds (what the user saw)."""

    states: type[models.TextChoices]
    transitions: Mapping[str, frozenset[str]]
    illegal: Promise  # the refusal of a move the table or the action does not allow (%(from)s, %(to)s)
    stale: Promise  # the 409 message when the row left the state the page showed (%(now)s, %(seen)s)

    def label(self, status: str) -> str:
        return str(self.states(status).label) if status in self.states.values else status

    def stale_message(self, now: str, seen: str) -> str:
        return str(self.stale) % {"now": self.label(now), "seen": self.label(seen)}

    def set(
        self,
        obj: Demand | Task,
        *,
        move: Move,
        actor: Actor,
        note: str,
        fields: dict[str, Any],
        unaudited: Collection[str] = (),
    ) -> None:
        """Write `fields` (the new status among them) if `obj`'s row is still in `obj.status`, audited with
        `note` (fields in `unaudited` stay out of the audit line, and `status_since`: the move's own time, which the
        audit row holds)."""
        expected = obj.status
        if move.to_status not in self.transitions.get(expected, frozenset()) or (
            move.sources is not None and expected not in move.sources
        ):
            raise ValidationError(
                str(self.illegal) % {"from": self.label(expected), "to": self.label(move.to_status)},
                code="illegal_transition",
            )
        compare_and_set(
            obj,
            field="status",
            expected=expected,
            fields=fields,
            actor=actor,
            stale=lambda now: self.stale_message(now, expected),
            message=note,
            unaudited=(*unaudited, "status_since"),
        )


DEMANDS = StatusMachine(
    DemandStatus,
    DEMAND_TRANSITIONS,
    gettext_lazy("诉求当前为“%(from)s”，不能变更为“%(to)s”。"),
    gettext_lazy("该诉求已被他人变更为“%(now)s”（您看到的是“%(seen)s”），请刷新页面后再操作。"),
)
ASSIGNMENTS = StatusMachine(
    DemandStatus,
    ASSIGNMENT_TRANSITIONS,
    gettext_lazy("交办事项当前为“%(from)s”，不能变更为“%(to)s”。"),
    gettext_lazy("该交办事项已被他人变更为“%(now)s”（您看到的是“%(seen)s”），请刷新页面后再操作。"),
)
TASKS = StatusMachine(
    TaskStatus,
    TASK_TRANSITIONS,
    gettext_lazy("任务当前为“%(from)s”，不能变更为“%(to)s”。"),
    gettext_lazy("该任务已被他人变更为“%(now)s”（您看到的是“%(seen)s”），请刷新页面后再操作。"),
)
demand_status_label = DEMANDS.label
task_status_label = TASKS.label
demand_stale = DEMANDS.stale_message


def _expressions(fields: dict[str, Any]) -> set[str]:
    """The written fields computed by the database (F("reopen_count") + 1): out of the audit line, re-read after."""
    return {name for name, value in fields.items() if hasattr(value, "resolve_expression")}


def _move_fields(move: Move, extra: dict[str, Any]) -> dict[str, Any]:
    """What a move writes: the new status, when it was entered (`status_since`: the 待我处理 queue's order) and the
    move's other fields."""
    return {"status": move.to_status, "status_since": clock.now(), **extra}


def _apply(obj: Demand | Task, fields: dict[str, Any]) -> None:
    """Put the written fields on the instance; those the database computed are read back."""
    computed = _expressions(fields)
    for name, value in fields.items():
        if name not in computed:
            setattr(obj, name, value)
    if computed:
        row = type(obj)._default_manager.filter(pk=obj.pk).values(*computed).get()
        for name, value in row.items():
            setattr(obj, name, value)


def _demand_move(*, demand: Demand, move: Move, actor: Actor, note: str = "", **extra: Any) -> DemandEvent:
    """Move `demand` from its status by `move` (one conditional UPDATE), then record the timeline event and
    apply the written fields to the instance; `extra`: the other fields the move writes. Returns the event."""
    expected = demand.status
    fields = _move_fields(move, extra)
    machine = ASSIGNMENTS if demand.kind == DemandKind.ASSIGNMENT else DEMANDS  # a 交办事项 has its own table
    machine.set(demand, move=move, actor=actor, note=note, fields=fields, unaudited=_expressions(fields))
    event = _event(
        demand=demand, kind=move.kind, actor=actor, from_status=expected, to_status=move.to_status, note=note
    )
    _apply(demand, fields)
    return event


def _task_move(
    *, task: Task, move: Move, actor: Actor, note: str = "", extra_days: int | None = None, **extra: Any
) -> TaskUpdate:
    """Move `task` from its status by `move` (conditional UPDATE), apply the written fields and add the
    TaskUpdate row (with `extra_days` where the move is about an extension)."""
    fields = _move_fields(move, extra)
    TASKS.set(task, move=move, actor=actor, note=note, fields=fields, unaudited=_expressions(fields))
    _apply(task, fields)
    return TaskUpdate.objects.create(task=task, kind=move.kind, note=note, extra_days=extra_days, actor=person(actor))


def _lock_demand(demand_id: int) -> Demand:
    """Serialise the task moves that may change the demand's state (PostgreSQL row lock; SQLite serialises)."""
    return Demand.objects.select_for_update().get(pk=demand_id)


def _all_tasks_done(demand_id: int) -> bool:
    statuses = set(Task.objects.filter(demand_id=demand_id).values_list("status", flat=True))
    statuses.discard(TaskStatus.RETURNED)
    return statuses == {TaskStatus.DONE}


def _workdays_since_submission(demand: Demand, now: dt.datetime) -> int:
    """The working days from the demand's submission to `now` (its response or closure time)."""
    try:
        return max(workdays_between(_local(demand.submitted_at), _local(now)), 0)
    except CalendarNotCovered as exc:
        raise ValidationError(str(exc), code="calendar") from exc


def closed_on_time(demand_id: int) -> bool:
    """Every done task of the demand was completed on or before its deadline (local dates)."""
    for completed_at, deadline in Task.objects.filter(demand_id=demand_id, status=TaskStatus.DONE).values_list(
        "completed_at", "deadline"
    ):
        if completed_at is None or _local(completed_at) > deadline:
            return False
    return True


def _sync_after_tasks(*, demand: Demand, actor: Actor) -> None:
    """When every task that was not returned is done (at least one): an enterprise's demand moves 办理中 → 待企业
    确认 and the enterprise is told to confirm and rate; a 交办事项 closes (已办结, with its closure time in
    working days and the on-time flag) and the team is told."""
    if demand.status != DemandStatus.IN_PROGRESS or not _all_tasks_done(demand.pk):
        return
    if demand.kind == DemandKind.ASSIGNMENT:
        now = clock.now()
        event = _demand_move(
            demand=demand,
            move=DemandMoves.ASSIGNMENT_DONE,
            actor=actor,
            closed_at=now,
            close_days=_workdays_since_submission(demand, now),
            closed_on_time=closed_on_time(demand.pk),
        )
        notices.assignment_closed(demand=demand, event_pk=event.pk, actor=actor)
        return
    event = _demand_move(demand=demand, move=DemandMoves.TASKS_DONE, actor=actor)
    notices.awaiting_confirmation(demand=demand, event_pk=event.pk, actor=actor)


def _need_triage(actor: Actor, demand: Demand) -> None:
    if not permissions.can_triage(actor, demand):
        raise PermissionDenied(_("您无权处理该诉求：只有该企业所在产业链的服务团队可以受理和交办。"))
