"""Writes on a demand's department tasks: creation (交办), signing, progress, extensions, return and completion.

Same rules as chaindesk/demands/services.py (keyword-only, atomic, audited, compare-and-set moves); callers
use them through `services.task_*`, which re-exports them."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import Department, User
from chaindesk.core import audit, clock
from chaindesk.core.actors import Actor, person
from chaindesk.core.exceptions import InvalidTransition
from chaindesk.core.models import AuditAction
from chaindesk.core.services import audited_create

from . import notices, permissions
from .choices import (
    DemandStatus,
    TaskStatus,
)
from .models import Demand, Task, TaskUpdate
from .services_base import (
    NOTE_MAX,
    DemandMoves,
    TaskMoves,
    _demand_move,
    _event,
    _lock_demand,
    _need_triage,
    _required,
    _sync_after_tasks,
    _task_move,
    demand_stale,
    demand_status_label,
    task_status_label,
)
from .workdays import CalendarNotCovered, add_workdays, day_label

# --- tasks -------------------------------------------------------------------------------------------------

# The counts of working days the services take, by argument: the most allowed and the two refusals (not a whole
# number, out of range).
DAY_COUNTS: dict[str, tuple[int, Promise, Promise]] = {
    "working_days": (
        365,
        gettext_lazy("办理时限须为正整数（工作日）。"),
        gettext_lazy("办理时限须在1至365个工作日之间。"),
    ),
    "extra_days": (
        180,
        gettext_lazy("延期天数须为正整数（工作日）。"),
        gettext_lazy("延期天数须在1至180个工作日之间。"),
    ),
}


def _day_count(value: Any, field: str) -> int:
    """`value` as a whole number of working days from 1 to the most `field` allows (DAY_COUNTS)."""
    maximum, not_whole, out_of_range = DAY_COUNTS[field]
    try:
        days = int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError({field: str(not_whole)}, code=field) from exc
    if days < 1 or days > maximum:
        raise ValidationError({field: str(out_of_range)}, code=field)
    return days


def _notify_assigned(task: Task, actor: Actor) -> None:
    """In-app notices for the lead department's handlers (sent on by chaindesk.core.notify)."""
    handlers = User.objects.filter(is_active=True, role=Role.DEPT_HANDLER, department_id=task.lead_department_id)
    demand = task.demand
    notice = notices.Notice(
        kind="task_assigned",
        title=_("新交办任务：%(title)s") % {"title": demand.title},
        body=_("%(owner)s；办结期限：%(deadline)s。%(instructions)s")
        % {
            "owner": notices.what_for(demand),
            "deadline": day_label(task.deadline),
            "instructions": task.instructions[:200],
        },
        url=notices.task_url(task),
        key=f"task:{task.pk}:assigned",
    )
    notices.send(notice, handlers, actor=actor)


def _task_input(
    demand: Demand,
    actor: Actor,
    lead_department: Department,
    co_departments: Iterable[Department],
    instructions: str,
    working_days: int,
    start: dt.date | None,
) -> tuple[str, list[Department], int, dt.date]:
    """The checked instructions, co-departments, working days and deadline of a task (refusals in Chinese)."""
    _need_triage(actor, demand)
    instructions = _required(instructions, "instructions", _("请填写办理要求。"))
    if lead_department is None or not lead_department.is_active:
        raise ValidationError({"lead_department": _("请选择启用中的主办部门。")}, code="lead_department")
    co = [d for d in co_departments if d.pk != lead_department.pk]
    if any(not d.is_active for d in co):
        raise ValidationError({"co_departments": _("协办部门须为启用中的部门。")}, code="co_departments")
    working_days = _day_count(working_days, "working_days")
    try:
        deadline = add_workdays(start or clock.today(), working_days)
    except CalendarNotCovered as exc:
        raise ValidationError({"working_days": str(exc)}, code="calendar") from exc
    return instructions, co, working_days, deadline


def _on_the_timeline(demand: Demand, task: Task, *, first: bool, actor: Actor) -> None:
    """The demand's 交办任务 event; the first task moves it 已受理 → 办理中."""
    note = _("交办%(department)s，办理时限%(days)s个工作日（%(deadline)s前）") % {
        "department": task.lead_department.name,
        "days": task.working_days,
        "deadline": day_label(task.deadline),
    }
    if first:
        _demand_move(demand=demand, move=DemandMoves.FIRST_TASK, actor=actor, note=note)
    else:
        _event(demand=demand, kind="task_created", actor=actor, note=note)


@transaction.atomic
def task_create(
    *,
    demand: Demand,
    actor: Actor,
    lead_department: Department,
    co_departments: Iterable[Department] = (),
    instructions: str,
    working_days: int,
    start: dt.date | None = None,
) -> Task:
    """交办: cut a task for a lead department (主办) with optional co-departments (协办) and a deadline in working
    days from `start` (today unless said: a meeting's 交办事项 counts from the meeting's day). Call several times
    to split a demand; the first task moves 已受理 → 办理中. The lead department's handlers are told; a
    department without an active handler has its 部门收件人 or head told instead and the team warned
    (`task.unstaffed_alerts`: what was told whom, for the page)."""
    instructions, co, working_days, deadline = _task_input(
        demand, actor, lead_department, co_departments, instructions, working_days, start
    )
    current = _lock_demand(demand.pk)
    if demand.status != current.status:
        raise InvalidTransition(demand_stale(current.status, demand.status))
    if current.status not in (DemandStatus.ACCEPTED, DemandStatus.IN_PROGRESS):
        raise ValidationError(
            _("诉求当前为“%(status)s”，不能交办任务；请先受理。") % {"status": demand_status_label(current.status)},
            code="illegal_transition",
        )
    task = audited_create(
        model=Task,
        actor=actor,
        demand=demand,
        lead_department=lead_department,
        co_departments=co,
        instructions=instructions,
        working_days=working_days,
        deadline=deadline,
        assigned_by=actor,
    )
    _on_the_timeline(demand, task, first=current.status == DemandStatus.ACCEPTED, actor=actor)
    _notify_assigned(task, actor)
    # Read by the split view to warn the actor on the page (not a model field).
    task.unstaffed_alerts = notices.alert_unstaffed(  # type: ignore[attr-defined]
        task=task, departments=[lead_department, *co], actor=actor
    )
    return task


def _need_handler(actor: Actor, task: Task) -> None:
    if not permissions.can_handle(actor, task):
        raise PermissionDenied(_("您无权办理该任务：只有主办部门的经办人可以操作。"))


def _need_manager(actor: Actor, task: Task) -> None:
    if not permissions.can_manage_task(actor, task):
        raise PermissionDenied(_("您无权审批该任务：只有该产业链的服务团队可以审批。"))


@transaction.atomic
def task_sign(*, task: Task, actor: Actor) -> Task:
    """签收: 待签收 → 办理中; the signer becomes the task's handler."""
    _need_handler(actor, task)
    _task_move(task=task, move=TaskMoves.SIGN, actor=actor, handler=actor, signed_at=clock.now())
    return task


@transaction.atomic
def task_progress(*, task: Task, actor: Actor, note: str) -> TaskUpdate:
    """A progress note on a task being worked on (no change of status)."""
    _need_handler(actor, task)
    note = _required(note, "note", _("请填写办理进展。"))
    current = Task.objects.select_for_update().get(pk=task.pk)
    if current.status not in (TaskStatus.IN_PROGRESS, TaskStatus.EXTENSION_REQUESTED):
        raise ValidationError(
            _("任务当前为“%(status)s”，不能填报进展。") % {"status": task_status_label(current.status)},
            code="illegal_transition",
        )
    update = TaskUpdate.objects.create(task=task, kind=TaskUpdate.Kind.PROGRESS, note=note, actor=person(actor))
    audit.record(action=AuditAction.UPDATE, actor=actor, obj=task, after={"progress": note}, message=note)
    return update


@transaction.atomic
def task_request_extension(*, task: Task, actor: Actor, extra_days: int, reason: str) -> Task:
    """申请延期: 办理中 → 延期申请中, with the extra working days asked for and the reason."""
    _need_handler(actor, task)
    reason = _required(reason, "reason", _("申请延期须填写理由。"), NOTE_MAX)
    extra_days = _day_count(extra_days, "extra_days")
    _task_move(
        task=task,
        move=TaskMoves.REQUEST_EXTENSION,
        actor=actor,
        note=reason,
        extra_days=extra_days,
        status_note=reason,
    )
    return task


@transaction.atomic
def task_decide_extension(*, task: Task, actor: Actor, approve: bool, note: str = "") -> Task:
    """The team approves (the deadline moves by the working days asked; the escalation marks restart) or
    refuses an extension request: back to 办理中 either way. The handler who asked is told."""
    _need_manager(actor, task)
    note = (note or "").strip()[:NOTE_MAX]
    extra: dict[str, Any] = {"status_note": note}
    move = TaskMoves.REFUSE_EXTENSION
    request = task.updates.filter(kind=TaskUpdate.Kind.EXTENSION).order_by("-created_at", "-pk").first()
    days: int | None = None
    if approve:
        days = request.extra_days if request is not None and request.extra_days else 0
        if days < 1:
            raise ValidationError(_("找不到延期申请的天数。"), code="extension")
        try:
            extra["deadline"] = add_workdays(task.deadline, days)
        except CalendarNotCovered as exc:
            raise ValidationError(str(exc), code="calendar") from exc
        extra.update(escalation="", reminded_at=None, warned_at=None, supervised_at=None)
        move = TaskMoves.APPROVE_EXTENSION
    update = _task_move(task=task, move=move, actor=actor, note=note, extra_days=days, **extra)
    asker = request.actor if request is not None else None
    notices.extension_decided(task=task, event_pk=update.pk, approved=approve, asker=asker, actor=actor)
    return task


@transaction.atomic
def task_return(*, task: Task, actor: Actor, reason: str) -> Task:
    """退回 (wrong department), with the reason; the team then assigns the right department."""
    _need_handler(actor, task)
    reason = _required(reason, "reason", _("退回须填写理由。"), NOTE_MAX)
    demand = _lock_demand(task.demand_id)
    _task_move(task=task, move=TaskMoves.RETURN, actor=actor, note=reason, status_note=reason)
    _event(
        demand=demand,
        kind="task_returned",
        actor=actor,
        note=_("%(department)s退回：%(reason)s") % {"department": task.lead_department.name, "reason": reason},
    )
    _sync_after_tasks(demand=demand, actor=actor)
    return task


@transaction.atomic
def task_request_completion(*, task: Task, actor: Actor, result: str) -> Task:
    """申请办结: 办理中 → 申请办结, with the result; the team who decide are told."""
    _need_handler(actor, task)
    result = _required(result, "result", _("请填写办理结果。"))
    update = _task_move(task=task, move=TaskMoves.REQUEST_COMPLETION, actor=actor, note=result, result=result)
    notices.completion_requested(task=task, event_pk=update.pk, actor=actor)
    return task


@transaction.atomic
def task_accept_completion(*, task: Task, actor: Actor, note: str = "") -> Task:
    """The team accepts the result: 已办结. When it was the last open task, the demand awaits confirmation."""
    _need_manager(actor, task)
    demand = _lock_demand(task.demand_id)
    note = (note or "").strip()[:NOTE_MAX]
    _task_move(task=task, move=TaskMoves.ACCEPT_COMPLETION, actor=actor, note=note, completed_at=clock.now())
    _event(demand=demand, kind="task_done", actor=actor, note=task.lead_department.name)
    _sync_after_tasks(demand=demand, actor=actor)
    return task


@transaction.atomic
def task_reject_completion(*, task: Task, actor: Actor, note: str) -> Task:
    """The team sends the result back: 申请办结 → 办理中, saying why; the department is told."""
    _need_manager(actor, task)
    note = _required(note, "note", _("退回重办须说明理由。"), NOTE_MAX)
    update = _task_move(task=task, move=TaskMoves.REJECT_COMPLETION, actor=actor, note=note, status_note=note)
    notices.completion_rejected(task=task, event_pk=update.pk, note=note, actor=actor)
    return task
