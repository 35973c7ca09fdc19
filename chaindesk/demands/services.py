"""Writes on demands and their department tasks: intake, triage, tasks, completion and the enterprise's
confirmation.

Keyword-only, atomic, audited in the same transaction (chaindesk.core.audit), each step also a DemandEvent
row (the demand's timeline) or a TaskUpdate row (the task's history). Refusals: PermissionDenied for an actor
without the right (chaindesk.demands.permissions), ValidationError with a Chinese message for bad input or
an illegal move, InvalidTransition (HTTP 409) when someone else changed the status first: every status change
is a compare-and-set `filter(pk=…, status=expected).update(…)` where `expected` is the status of the instance
the caller holds (what the user saw).

A demand's state follows from its tasks: the first task moves 已受理 → 办理中; when every task that was not
returned is 已办结 (at least one), the demand moves to 待企业确认; it closes only on the enterprise's
confirmation (满意/基本满意), 不满意 reopens it and its done tasks.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import Department, User
from chaindesk.core import audit, clock
from chaindesk.core.actors import Actor, is_system, person, person_or_none
from chaindesk.core.exceptions import InvalidTransition
from chaindesk.core.models import AuditAction, Notification
from chaindesk.core.services import audited_create
from chaindesk.enterprises.models import Enterprise
from chaindesk.liaison.models import VisitIssue
from chaindesk.projects.models import Project

from . import attachments, permissions
from .choices import (
    DEMAND_TRANSITIONS,
    OPEN_DEMAND,
    TASK_TRANSITIONS,
    Channel,
    DemandStatus,
    Rating,
    TaskStatus,
    Urgency,
)
from .models import Category, Demand, DemandEvent, Task, TaskUpdate
from .workdays import CalendarNotCovered, add_workdays, workdays_between

# Timeline event kinds (DemandEvent.kind) and their labels, for the demand page.
EVENT_LABELS = {
    "submitted": gettext_lazy("提交诉求"),
    "accepted": gettext_lazy("受理"),
    "rejected": gettext_lazy("不予受理"),
    "merged": gettext_lazy("合并至其他诉求"),
    "merged_from": gettext_lazy("合并重复诉求"),
    "info_requested": gettext_lazy("要求补充材料"),
    "info_supplied": gettext_lazy("补充材料"),
    "task_created": gettext_lazy("交办部门"),
    "task_returned": gettext_lazy("部门退回"),
    "task_done": gettext_lazy("任务办结"),
    "awaiting_confirmation": gettext_lazy("待企业确认"),
    "confirmed": gettext_lazy("企业确认办结"),
    "reopened": gettext_lazy("不满意，重新办理"),
}

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
    rows = Demand.objects.filter(pk=demand.pk, status=expected).update(**fields)
    if rows == 0:
        now = Demand.objects.filter(pk=demand.pk).values_list("status", flat=True).first()
        raise InvalidTransition(
            _("该诉求已被他人变更为“%(now)s”（您看到的是“%(seen)s”），请刷新页面后再操作。")
            % {"now": demand_status_label(now or ""), "seen": demand_status_label(expected)}
        )
    before = {"status": expected, **{k: audit._json_value(getattr(demand, k)) for k in extra if k != "reopen_count"}}
    after = {k: audit._json_value(v) for k, v in fields.items() if k != "reopen_count"}
    audit.record(action=AuditAction.TRANSITION, actor=actor, obj=demand, before=before, after=after, message=note)
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
    rows = Task.objects.filter(pk=task.pk, status=expected).update(**fields)
    if rows == 0:
        now = Task.objects.filter(pk=task.pk).values_list("status", flat=True).first()
        raise InvalidTransition(
            _("该任务已被他人变更为“%(now)s”（您看到的是“%(seen)s”），请刷新页面后再操作。")
            % {"now": task_status_label(now or ""), "seen": task_status_label(expected)}
        )
    before = {"status": expected, **{k: audit._json_value(getattr(task, k)) for k in extra}}
    after = {k: audit._json_value(v) for k, v in fields.items()}
    audit.record(action=AuditAction.TRANSITION, actor=actor, obj=task, before=before, after=after, message=note)
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


# --- intake ------------------------------------------------------------------------------------------------


# The channels each role records demands through: an enterprise through its portal, a liaison from their visits,
# the team directly, from a meeting decision or through the API; a city-wide system actor anything but the portal.
ROLE_CHANNELS: dict[str, frozenset[str]] = {
    Role.ENTERPRISE: frozenset({Channel.ENTERPRISE}),
    Role.LIAISON: frozenset({Channel.LIAISON}),
    Role.CITY_LEADER: frozenset({Channel.TEAM, Channel.MEETING, Channel.API}),
    Role.TEAM_MEMBER: frozenset({Channel.TEAM, Channel.MEETING, Channel.API}),
}


def _check_channel(actor: Actor, channel: str) -> None:
    if channel not in Channel.values:
        raise ValidationError({"channel": _("请选择来源渠道。")}, code="channel")
    allowed = (
        frozenset(Channel.values) - {Channel.ENTERPRISE}
        if is_system(actor)
        else ROLE_CHANNELS.get(actor.role, frozenset())
    )
    if channel not in allowed:
        raise ValidationError(
            {
                "channel": _("您的角色不能通过“%(channel)s”渠道录入诉求，可用渠道：%(allowed)s。")
                % {
                    "channel": Channel(channel).label,
                    "allowed": "、".join(str(c.label) for c in Channel if c in allowed) or _("无"),
                }
            },
            code="channel",
        )


@transaction.atomic
def demand_submit(
    *,
    actor: Actor,
    enterprise: Enterprise,
    title: str,
    description: str,
    category: Category,
    urgency: str = Urgency.NORMAL,
    channel: str,
    project: Project | None = None,
    visit_issue: VisitIssue | None = None,
    files: Sequence[Any] = (),
    source_label: str = "",
    source_url: str = "",
) -> Demand:
    """Record a new demand (已提交) for `enterprise`, from any channel. The enterprise's own users submit only
    for their enterprise; its liaison and the team of its chains for it. Chain (the enterprise's first chain),
    region and liaison are copied from the enterprise for the metrics. Files are checked by content first: one
    bad file refuses the whole demand."""
    if not permissions.can_submit(actor, enterprise):
        raise PermissionDenied(_("您无权为该企业提交诉求。"))
    title = _required(title, "title", _("请填写诉求事项。"), Demand._meta.get_field("title").max_length)
    description = _required(description, "description", _("请填写诉求的具体内容。"))
    if category is None:
        raise ValidationError({"category": _("请选择诉求类别。")}, code="category")
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": _("请选择紧急程度。")}, code="urgency")
    _check_channel(actor, channel)
    if project is not None and project.enterprise_id != enterprise.pk:
        raise ValidationError({"project": _("关联项目须为该企业的项目。")}, code="project")
    if visit_issue is not None:
        if visit_issue.visit.enterprise_id != enterprise.pk:
            raise ValidationError({"visit_issue": _("走访反映问题须来自该企业的走访记录。")}, code="visit_issue")
        if Demand.objects.filter(visit_issue=visit_issue).exists():
            raise ValidationError({"visit_issue": _("该走访反映问题已转为诉求。")}, code="visit_issue")
    checked = attachments.check_uploads(files)
    submitter = enterprise.liaison if is_system(actor) else actor
    if submitter is None:
        raise ValidationError(_("系统录入的诉求须有挂钩服务专员作为提交人。"), code="no_submitter")
    demand = audited_create(
        model=Demand,
        actor=actor,
        enterprise=enterprise,
        title=title,
        description=description,
        category=category,
        urgency=urgency,
        channel=channel,
        project=project,
        visit_issue=visit_issue,
        source_label=(source_label or "").strip()[: Demand._meta.get_field("source_label").max_length],
        source_url=source_url if (source_url or "").startswith("/") and not source_url.startswith("//") else "",
        chain=enterprise.chains.order_by("sort_order", "code").first(),
        region_id=enterprise.region_id,
        liaison_id=enterprise.liaison_id,
        submitted_by=submitter,
        submitted_at=clock.now(),
    )
    for upload, content_type in checked:
        attachments.store(demand=demand, upload=upload, content_type=content_type, actor=submitter)
    _event(demand=demand, kind="submitted", actor=actor, to_status=DemandStatus.SUBMITTED)
    return demand


# --- triage ------------------------------------------------------------------------------------------------


def _need_triage(actor: Actor, demand: Demand) -> None:
    if not permissions.can_triage(actor, demand):
        raise PermissionDenied(_("您无权处理该诉求：只有该企业所在产业链的服务团队可以受理和交办。"))


@transaction.atomic
def demand_accept(*, demand: Demand, actor: Actor, note: str = "") -> Demand:
    """受理: 已提交 → 已受理, with the response time in working days from submission."""
    _need_triage(actor, demand)
    now = clock.now()
    try:
        days = max(workdays_between(_local(demand.submitted_at), _local(now)), 0)
    except CalendarNotCovered as exc:
        raise ValidationError(str(exc), code="calendar") from exc
    _demand_move(
        demand=demand,
        expected=demand.status,
        to_status=DemandStatus.ACCEPTED,
        actor=actor,
        kind="accepted",
        note=(note or "").strip()[:NOTE_MAX],
        accepted_at=now,
        response_days=days,
    )
    return demand


@transaction.atomic
def demand_reject(*, demand: Demand, actor: Actor, reason: str) -> Demand:
    """不予受理, with the reason (required) kept on the demand."""
    _need_triage(actor, demand)
    reason = _required(reason, "reason", _("不予受理须填写理由。"), NOTE_MAX)
    _demand_move(
        demand=demand,
        expected=demand.status,
        to_status=DemandStatus.REJECTED,
        actor=actor,
        kind="rejected",
        note=reason,
        status_note=reason,
    )
    return demand


@transaction.atomic
def demand_merge(*, demand: Demand, into: Demand, actor: Actor, note: str = "") -> Demand:
    """Merge a duplicate into another open demand of the same enterprise; both timelines record it."""
    _need_triage(actor, demand)
    if into.pk == demand.pk:
        raise ValidationError({"into": _("不能将诉求合并到其自身。")}, code="merge_self")
    if into.enterprise_id != demand.enterprise_id:
        raise ValidationError({"into": _("只能合并到同一企业的诉求。")}, code="merge_enterprise")
    into = Demand.objects.select_for_update().get(pk=into.pk)
    if into.status not in OPEN_DEMAND:
        raise ValidationError(
            {"into": _("目标诉求已%(status)s，不能合并。") % {"status": demand_status_label(into.status)}},
            code="merge_closed",
        )
    note = (note or "").strip()[:NOTE_MAX]
    message = _("合并至诉求“%(title)s”（编号 %(pk)s）") % {"title": into.title, "pk": into.pk}
    _demand_move(
        demand=demand,
        expected=demand.status,
        to_status=DemandStatus.MERGED,
        actor=actor,
        kind="merged",
        note=f"{message} {note}".strip(),
        merged_into=into,
        status_note=(f"{message} {note}".strip())[:NOTE_MAX],
    )
    _event(
        demand=into,
        kind="merged_from",
        actor=actor,
        note=_("合并重复诉求“%(title)s”（编号 %(pk)s）") % {"title": demand.title, "pk": demand.pk},
    )
    audit.record(
        action=AuditAction.UPDATE,
        actor=actor,
        obj=into,
        after={"merged_from": demand.pk},
        message=_("合并重复诉求 %(pk)s") % {"pk": demand.pk},
    )
    return demand


@transaction.atomic
def demand_request_info(*, demand: Demand, actor: Actor, note: str) -> Demand:
    """要求补充: 已提交 → 待补充, saying what is missing."""
    _need_triage(actor, demand)
    note = _required(note, "note", _("请说明需要补充的内容。"), NOTE_MAX)
    _demand_move(
        demand=demand,
        expected=demand.status,
        to_status=DemandStatus.NEEDS_INFO,
        actor=actor,
        kind="info_requested",
        note=note,
        status_note=note,
    )
    return demand


@transaction.atomic
def demand_supply_info(*, demand: Demand, actor: Actor, note: str, files: Sequence[Any] = ()) -> Demand:
    """补充材料: 待补充 → 已提交, by whoever may submit for the enterprise."""
    if not permissions.can_supply_info(actor, demand):
        raise PermissionDenied(_("您无权为该诉求补充材料。"))
    note = _required(note, "note", _("请填写补充说明。"))
    checked = attachments.check_uploads(files)
    _demand_move(
        demand=demand,
        expected=demand.status,
        to_status=DemandStatus.SUBMITTED,
        actor=actor,
        kind="info_supplied",
        note=note,
        status_note="",
    )
    uploader = demand.submitted_by if is_system(actor) else actor
    for upload, content_type in checked:
        attachments.store(demand=demand, upload=upload, content_type=content_type, actor=uploader)
    return demand


# --- tasks -------------------------------------------------------------------------------------------------


def _notify_assigned(task: Task) -> None:
    """In-app notices for the lead department's handlers (sent by the escalation engineer's deliver job)."""
    handlers = User.objects.filter(is_active=True, role=Role.DEPT_HANDLER, department_id=task.lead_department_id)
    demand = task.demand
    title = _("新交办任务：%(title)s") % {"title": demand.title}
    body = _("企业：%(enterprise)s；办结期限：%(deadline)s。%(instructions)s") % {
        "enterprise": demand.enterprise.name,
        "deadline": f"{task.deadline:%Y-%m-%d}",
        "instructions": task.instructions[:200],
    }
    try:
        url = reverse("demands:task_detail", args=[task.pk])
    except NoReverseMatch:
        url = ""
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                kind="task_assigned",
                title=title[:200],
                body=body,
                url=url,
                dedupe_key=f"task:{task.pk}:assigned:{user.pk}",
            )
            for user in handlers
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def task_create(
    *,
    demand: Demand,
    actor: Actor,
    lead_department: Department,
    co_departments: Iterable[Department] = (),
    instructions: str,
    working_days: int,
) -> Task:
    """交办: cut a task for a lead department (主办) with optional co-departments (协办) and a deadline in working
    days from today. Call several times to split a demand; the first task moves 已受理 → 办理中."""
    _need_triage(actor, demand)
    instructions = _required(instructions, "instructions", _("请填写办理要求。"))
    if lead_department is None or not lead_department.is_active:
        raise ValidationError({"lead_department": _("请选择启用中的主办部门。")}, code="lead_department")
    co = [d for d in co_departments if d.pk != lead_department.pk]
    if any(not d.is_active for d in co):
        raise ValidationError({"co_departments": _("协办部门须为启用中的部门。")}, code="co_departments")
    try:
        working_days = int(working_days)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"working_days": _("办理时限须为正整数（工作日）。")}, code="working_days") from exc
    if working_days < 1 or working_days > 365:
        raise ValidationError({"working_days": _("办理时限须在1至365个工作日之间。")}, code="working_days")
    try:
        deadline = add_workdays(clock.today(), working_days)
    except CalendarNotCovered as exc:
        raise ValidationError({"working_days": str(exc)}, code="calendar") from exc
    current = _lock_demand(demand.pk)
    if demand.status != current.status:
        raise InvalidTransition(
            _("该诉求已被他人变更为“%(now)s”（您看到的是“%(seen)s”），请刷新页面后再操作。")
            % {"now": demand_status_label(current.status), "seen": demand_status_label(demand.status)}
        )
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
    note = _("交办%(department)s，办理时限%(days)s个工作日（%(deadline)s前）") % {
        "department": lead_department.name,
        "days": working_days,
        "deadline": f"{deadline:%Y-%m-%d}",
    }
    if current.status == DemandStatus.ACCEPTED:
        _demand_move(
            demand=demand,
            expected=DemandStatus.ACCEPTED,
            to_status=DemandStatus.IN_PROGRESS,
            actor=actor,
            kind="task_created",
            note=note,
        )
    else:
        _event(demand=demand, kind="task_created", actor=actor, note=note)
    _notify_assigned(task)
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
    _task_move(
        task=task,
        expected=task.status,
        to_status=TaskStatus.IN_PROGRESS,
        sources=frozenset({TaskStatus.PENDING}),
        actor=actor,
        kind=TaskUpdate.Kind.SIGN,
        handler=actor,
        signed_at=clock.now(),
    )
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
    try:
        extra_days = int(extra_days)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"extra_days": _("延期天数须为正整数（工作日）。")}, code="extra_days") from exc
    if extra_days < 1 or extra_days > 180:
        raise ValidationError({"extra_days": _("延期天数须在1至180个工作日之间。")}, code="extra_days")
    _task_move(
        task=task,
        expected=task.status,
        to_status=TaskStatus.EXTENSION_REQUESTED,
        sources=frozenset({TaskStatus.IN_PROGRESS}),
        actor=actor,
        kind=TaskUpdate.Kind.EXTENSION,
        note=reason,
        extra_days=extra_days,
        status_note=reason,
    )
    return task


@transaction.atomic
def task_decide_extension(*, task: Task, actor: Actor, approve: bool, note: str = "") -> Task:
    """The team approves (the deadline moves by the working days asked; the escalation marks restart) or
    refuses an extension request: back to 办理中 either way."""
    _need_manager(actor, task)
    note = (note or "").strip()[:NOTE_MAX]
    extra: dict[str, Any] = {"status_note": note}
    kind = TaskUpdate.Kind.EXTENSION_REFUSED
    days: int | None = None
    if approve:
        request = task.updates.filter(kind=TaskUpdate.Kind.EXTENSION).order_by("-created_at", "-pk").first()
        days = request.extra_days if request is not None and request.extra_days else 0
        if days < 1:
            raise ValidationError(_("找不到延期申请的天数。"), code="extension")
        try:
            extra["deadline"] = add_workdays(task.deadline, days)
        except CalendarNotCovered as exc:
            raise ValidationError(str(exc), code="calendar") from exc
        extra.update(escalation="", reminded_at=None, warned_at=None, supervised_at=None)
        kind = TaskUpdate.Kind.EXTENSION_APPROVED
    _task_move(
        task=task,
        expected=task.status,
        to_status=TaskStatus.IN_PROGRESS,
        sources=frozenset({TaskStatus.EXTENSION_REQUESTED}),
        actor=actor,
        kind=kind,
        note=note,
        extra_days=days,
        **extra,
    )
    return task


@transaction.atomic
def task_return(*, task: Task, actor: Actor, reason: str) -> Task:
    """退回 (wrong department), with the reason; the team then assigns the right department."""
    _need_handler(actor, task)
    reason = _required(reason, "reason", _("退回须填写理由。"), NOTE_MAX)
    demand = _lock_demand(task.demand_id)
    _task_move(
        task=task,
        expected=task.status,
        to_status=TaskStatus.RETURNED,
        sources=frozenset({TaskStatus.PENDING, TaskStatus.IN_PROGRESS}),
        actor=actor,
        kind=TaskUpdate.Kind.RETURN,
        note=reason,
        status_note=reason,
    )
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
    """申请办结: 办理中 → 申请办结, with the result."""
    _need_handler(actor, task)
    result = _required(result, "result", _("请填写办理结果。"))
    _task_move(
        task=task,
        expected=task.status,
        to_status=TaskStatus.COMPLETION_REQUESTED,
        sources=frozenset({TaskStatus.IN_PROGRESS}),
        actor=actor,
        kind=TaskUpdate.Kind.COMPLETION,
        note=result,
        result=result,
    )
    return task


@transaction.atomic
def task_accept_completion(*, task: Task, actor: Actor, note: str = "") -> Task:
    """The team accepts the result: 已办结. When it was the last open task, the demand awaits confirmation."""
    _need_manager(actor, task)
    demand = _lock_demand(task.demand_id)
    note = (note or "").strip()[:NOTE_MAX]
    _task_move(
        task=task,
        expected=task.status,
        to_status=TaskStatus.DONE,
        sources=frozenset({TaskStatus.COMPLETION_REQUESTED}),
        actor=actor,
        kind=TaskUpdate.Kind.COMPLETION_ACCEPTED,
        note=note,
        completed_at=clock.now(),
    )
    _event(demand=demand, kind="task_done", actor=actor, note=task.lead_department.name)
    _sync_after_tasks(demand=demand, actor=actor)
    return task


@transaction.atomic
def task_reject_completion(*, task: Task, actor: Actor, note: str) -> Task:
    """The team sends the result back: 申请办结 → 办理中, saying why."""
    _need_manager(actor, task)
    note = _required(note, "note", _("退回重办须说明理由。"), NOTE_MAX)
    _task_move(
        task=task,
        expected=task.status,
        to_status=TaskStatus.IN_PROGRESS,
        sources=frozenset({TaskStatus.COMPLETION_REQUESTED}),
        actor=actor,
        kind=TaskUpdate.Kind.COMPLETION_REJECTED,
        note=note,
        status_note=note,
    )
    return task


# --- confirmation ------------------------------------------------------------------------------------------


def closed_on_time(demand_id: int) -> bool:
    """Every done task of the demand was completed on or before its deadline (local dates)."""
    for completed_at, deadline in Task.objects.filter(demand_id=demand_id, status=TaskStatus.DONE).values_list(
        "completed_at", "deadline"
    ):
        if completed_at is None or _local(completed_at) > deadline:
            return False
    return True


@transaction.atomic
def demand_confirm(*, demand: Demand, actor: Actor, rating: str, comment: str = "", proxy_note: str = "") -> Demand:
    """The enterprise's confirmation with a rating (销号). 满意/基本满意 close the demand (closure time in
    working days, on-time flag); 不满意 reopens it (办理中) and sends its done tasks back to work. A liaison
    may confirm on the enterprise's behalf only with a recorded note."""
    if not permissions.can_confirm(actor, demand):
        raise PermissionDenied(_("只有该企业的用户或其挂钩服务专员可以确认办结。"))
    proxy_note = (proxy_note or "").strip()
    if permissions.is_proxy(actor, demand):
        if not proxy_note:
            raise ValidationError({"proxy_note": _("服务专员代企业确认须填写代为确认说明。")}, code="proxy_note")
        if len(proxy_note) > NOTE_MAX:
            raise ValidationError({"proxy_note": _("代为确认说明请控制在300字以内。")}, code="too_long")
    else:
        proxy_note = ""
    if rating not in Rating.values:
        raise ValidationError({"rating": _("请选择评价：满意、基本满意或不满意。")}, code="rating")
    comment = (comment or "").strip()
    if rating == Rating.UNSATISFIED and not comment:
        raise ValidationError({"comment": _("不满意时请填写意见，以便重新办理。")}, code="comment")
    if len(comment) > NOTE_MAX:
        raise ValidationError({"comment": _("评价意见请控制在300字以内。")}, code="too_long")
    current = _lock_demand(demand.pk)
    if current.status == DemandStatus.AWAITING_CONFIRMATION and not _all_tasks_done(demand.pk):
        raise ValidationError(_("诉求尚有任务未办结，不能确认办结。"), code="tasks_open")
    label = str(Rating(rating).label)
    note = f"{label}：{comment}" if comment else label
    if proxy_note:
        note = _("%(note)s（服务专员代为确认：%(proxy)s）") % {"note": note, "proxy": proxy_note}
    common: dict[str, Any] = {
        "rating": rating,
        "rating_comment": comment,
        "confirmed_by": actor,
        "proxy_note": proxy_note,
    }
    if rating == Rating.UNSATISFIED:
        expected = demand.status
        _demand_move(
            demand=demand,
            expected=expected,
            to_status=DemandStatus.IN_PROGRESS,
            sources=frozenset({DemandStatus.AWAITING_CONFIRMATION}),
            actor=actor,
            kind="reopened",
            note=note,
            reopen_count=F("reopen_count") + 1,
            **common,
        )
        for task in Task.objects.filter(demand_id=demand.pk, status=TaskStatus.DONE):
            _task_move(
                task=task,
                expected=TaskStatus.DONE,
                to_status=TaskStatus.IN_PROGRESS,
                sources=frozenset({TaskStatus.DONE}),
                actor=actor,
                kind=TaskUpdate.Kind.REOPEN,
                note=comment,
                completed_at=None,
            )
        return demand
    now = clock.now()
    try:
        days = max(workdays_between(_local(demand.submitted_at), _local(now)), 0)
    except CalendarNotCovered as exc:
        raise ValidationError(str(exc), code="calendar") from exc
    _demand_move(
        demand=demand,
        expected=demand.status,
        to_status=DemandStatus.CLOSED,
        sources=frozenset({DemandStatus.AWAITING_CONFIRMATION}),
        actor=actor,
        kind="confirmed",
        note=note,
        closed_at=now,
        close_days=days,
        closed_on_time=closed_on_time(demand.pk),
        **common,
    )
    return demand
