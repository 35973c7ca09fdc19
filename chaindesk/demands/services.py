"""Writes on demands and their department tasks: intake, triage, tasks, completion and the enterprise's
confirmation.

Keyword-only, atomic, audited in the same transaction (chaindesk.core.audit), each step also a DemandEvent
row (the demand's timeline) or a TaskUpdate row (the task's history). Refusals: PermissionDenied for an actor
without the right (chaindesk.demands.permissions), ValidationError with a Chinese message for bad input or
an illegal move, InvalidTransition (HTTP 409) when someone else changed the status first: every status change
is a compare-and-set (`chaindesk.core.transitions.compare_and_set`) where `expected` is the status of the
instance the caller holds (what the user saw).

A demand's state follows from its tasks: the first task moves 已受理 → 办理中; when every task that was not
returned is 已办结 (at least one), the demand moves to 待企业确认; it closes only on the enterprise's
confirmation (满意/基本满意), 不满意 reopens it and the done tasks the enterprise names (all by default).

This module holds intake, triage and confirmation; the tasks' writes are in services_tasks.py (re-exported
here as `services.task_*`), the shared compare-and-set moves in services_base.py.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from chaindesk.accounts.choices import Role
from chaindesk.core import audit, clock
from chaindesk.core.actors import Actor, is_system
from chaindesk.core.models import AuditAction
from chaindesk.core.services import audited_create
from chaindesk.enterprises.models import Enterprise
from chaindesk.liaison.models import VisitIssue
from chaindesk.projects.models import Project

from . import attachments, notices, permissions
from .choices import (
    OPEN_DEMAND,
    Channel,
    DemandStatus,
    Rating,
    TaskStatus,
    Urgency,
)
from .models import Category, Demand, Task
from .services_base import (  # noqa: F401 - the status labels are re-exported
    NOTE_MAX,
    DemandMoves,
    TaskMoves,
    _all_tasks_done,
    _demand_move,
    _event,
    _lock_demand,
    _need_triage,
    _required,
    _task_move,
    _workdays_since_submission,
    closed_on_time,
    demand_status_label,
    task_status_label,
)

# The department tasks' writes live in services_tasks.py; callers keep using `services.task_*`.
from .services_tasks import (  # noqa: F401 - re-exported
    task_accept_completion,
    task_create,
    task_decide_extension,
    task_progress,
    task_reject_completion,
    task_request_completion,
    task_request_extension,
    task_return,
    task_sign,
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


def check_channel(actor: Actor, channel: str) -> None:
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
    check_channel(actor, channel)
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


@transaction.atomic
def demand_accept(*, demand: Demand, actor: Actor, note: str = "") -> Demand:
    """受理: 已提交 → 已受理, with the response time in working days from submission."""
    _need_triage(actor, demand)
    now = clock.now()
    _demand_move(
        demand=demand,
        move=DemandMoves.ACCEPT,
        actor=actor,
        note=(note or "").strip()[:NOTE_MAX],
        accepted_at=now,
        response_days=_workdays_since_submission(demand, now),
    )
    return demand


@transaction.atomic
def demand_reject(*, demand: Demand, actor: Actor, reason: str) -> Demand:
    """不予受理, with the reason (required) kept on the demand and the response time in working days from
    submission (the decision answers the enterprise: the response rate counts it)."""
    _need_triage(actor, demand)
    reason = _required(reason, "reason", _("不予受理须填写理由。"), NOTE_MAX)
    _demand_move(
        demand=demand,
        move=DemandMoves.REJECT,
        actor=actor,
        note=reason,
        status_note=reason,
        response_days=_workdays_since_submission(demand, clock.now()),  # a rejection is a response (响应率)
    )
    return demand


@transaction.atomic
def demand_merge(*, demand: Demand, into: Demand, actor: Actor, note: str = "") -> Demand:
    """Merge a duplicate into another open demand of the same enterprise; both timelines record it. The merge
    answers the demand: its response time is stored as an acceptance's is."""
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
    note = f"{message} {note}".strip()
    _demand_move(
        demand=demand,
        move=DemandMoves.MERGE,
        actor=actor,
        note=note,
        merged_into=into,
        status_note=note[:NOTE_MAX],
        response_days=_workdays_since_submission(demand, clock.now()),  # a merge is a response (响应率)
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
    _demand_move(demand=demand, move=DemandMoves.REQUEST_INFO, actor=actor, note=note, status_note=note)
    return demand


@transaction.atomic
def demand_supply_info(*, demand: Demand, actor: Actor, note: str, files: Sequence[Any] = ()) -> Demand:
    """补充材料: 待补充 → 已提交, by whoever may submit for the enterprise."""
    if not permissions.can_supply_info(actor, demand):
        raise PermissionDenied(_("您无权为该诉求补充材料。"))
    note = _required(note, "note", _("请填写补充说明。"))
    checked = attachments.check_uploads(files)
    _demand_move(demand=demand, move=DemandMoves.SUPPLY_INFO, actor=actor, note=note, status_note="")
    uploader = demand.submitted_by if is_system(actor) else actor
    for upload, content_type in checked:
        attachments.store(demand=demand, upload=upload, content_type=content_type, actor=uploader)
    return demand


# --- confirmation ------------------------------------------------------------------------------------------


def _tasks_to_reopen(demand_id: int, chosen: Iterable[int] | None) -> list[Task]:
    """The done tasks 不满意 sends back: those `chosen` (ids, at least one, each a done task of the demand), or
    every done task when nothing was said."""
    done = list(
        Task.objects.select_related("lead_department", "handler", "assigned_by")
        .filter(demand_id=demand_id, status=TaskStatus.DONE)
        .order_by("pk")
    )
    if chosen is None:
        return done
    try:
        ids = {int(pk) for pk in chosen}
    except (TypeError, ValueError) as exc:
        raise ValidationError({"reopen_tasks": _("所选任务无效。")}, code="reopen_tasks") from exc
    if not ids:
        raise ValidationError({"reopen_tasks": _("请至少选择一项需要重新办理的任务。")}, code="reopen_tasks")
    if not ids <= {t.pk for t in done}:
        raise ValidationError({"reopen_tasks": _("只能选择本诉求中已办结的任务重新办理。")}, code="reopen_tasks")
    return [t for t in done if t.pk in ids]


def _confirm_input(*, actor: Actor, demand: Demand, rating: str, comment: str, proxy_note: str) -> tuple[str, str]:
    """The checked (comment, proxy note) of a confirmation; refusals as in `demand_confirm`."""
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
    return comment, proxy_note


@transaction.atomic
def demand_confirm(
    *,
    demand: Demand,
    actor: Actor,
    rating: str,
    comment: str = "",
    proxy_note: str = "",
    reopen_tasks: Iterable[int] | None = None,
) -> Demand:
    """The enterprise's confirmation with a rating (销号). 满意/基本满意 close the demand (closure time in
    working days, on-time flag); 不满意 reopens it (办理中) and sends back to work the done tasks named in
    `reopen_tasks` (ids; None: every done task), each counting one more reopen; the team and those tasks'
    departments are told. A liaison may confirm on the enterprise's behalf only with a recorded note."""
    if not permissions.can_confirm(actor, demand):
        raise PermissionDenied(_("只有该企业的用户或其挂钩服务专员可以确认办结。"))
    comment, proxy_note = _confirm_input(
        actor=actor, demand=demand, rating=rating, comment=comment, proxy_note=proxy_note
    )
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
        _reopen(demand=demand, actor=actor, note=note, comment=comment, chosen=reopen_tasks, common=common)
        return demand
    now = clock.now()
    _demand_move(
        demand=demand,
        move=DemandMoves.CLOSE,
        actor=actor,
        note=note,
        closed_at=now,
        close_days=_workdays_since_submission(demand, now),
        closed_on_time=closed_on_time(demand.pk),
        **common,
    )
    return demand


def _reopen(
    *, demand: Demand, actor: Actor, note: str, comment: str, chosen: Iterable[int] | None, common: dict[str, Any]
) -> None:
    """不满意: the demand back to 办理中, the chosen done tasks back to work (their reopen count one more), and the
    team and those departments told."""
    tasks = _tasks_to_reopen(demand.pk, chosen)
    if demand.status == DemandStatus.AWAITING_CONFIRMATION and not tasks:
        raise ValidationError({"reopen_tasks": _("没有可重新办理的已办结任务。")}, code="reopen_tasks")
    departments = "、".join(t.lead_department.short_name for t in tasks)
    event = _demand_move(
        demand=demand,
        move=DemandMoves.REOPEN,
        actor=actor,
        note=_("%(note)s（退回重新办理：%(departments)s）") % {"note": note, "departments": departments},
        reopen_count=F("reopen_count") + 1,
        **common,
    )
    for task in tasks:
        _task_move(
            task=task,
            move=TaskMoves.REOPEN,
            actor=actor,
            note=comment,
            completed_at=None,
            reopen_count=F("reopen_count") + 1,
        )
    notices.reopened(demand=demand, tasks=tasks, event_pk=event.pk, comment=comment, actor=actor)
