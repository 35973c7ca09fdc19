"""Writes on a meeting's 交办事项: a decision that is not about one enterprise, assigned to its responsible
departments (Demand of kind ASSIGNMENT, channel 会议决定).

`assignment_create` records the 交办事项 already accepted (no enterprise triages it) and cuts one task per
department through the split's own `task_create`, so the tasks follow the same workflow as any other: 签收,
progress, extension, completion request, the escalation ladder and the 督办 queue. When every task is accepted
as done the 交办事项 closes by itself (services_base._sync_after_tasks): nobody confirms or rates it.

Same rules as chaindesk/demands/services.py: keyword-only, atomic, audited in the same transaction, refusals
as PermissionDenied or ValidationError with a Chinese message. The caller (chaindesk.meetings.services) names
the source (the meeting and the decision's number) and links the decision to the result."""

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from chaindesk.accounts.models import Department, Region
from chaindesk.chains.models import Chain, TeamMember
from chaindesk.core import clock
from chaindesk.core.actors import Actor, person
from chaindesk.core.services import audited_create

from . import permissions
from .choices import Channel, DemandKind, DemandStatus
from .models import Demand
from .services_base import _event, _required
from .services_tasks import task_create

TITLE_MAX = Demand._meta.get_field("title").max_length or 100


def _need_chain_team(actor: Actor, chain: Chain) -> None:
    """The chain's team (a city leader or team member on it) assigns; a person, never a system actor (a task
    names who assigned it)."""
    user = person(actor)
    on_team = TeamMember.objects.filter(user_id=user.pk, chain=chain).exists()
    if not (user.is_authenticated and user.is_active and user.role in permissions.TEAM_ROLES and on_team):
        raise PermissionDenied(_("您无权交办该事项：只有该产业链的服务团队可以交办。"))


def _departments(departments: Sequence[Department]) -> list[Department]:
    """The departments in order (the lead first), each once; at least one, all in use."""
    chosen = list(dict.fromkeys(departments))
    if not chosen:
        raise ValidationError({"departments": _("请至少指定一个责任部门后再交办。")}, code="departments")
    stopped = [d.short_name or d.name for d in chosen if not d.is_active]
    if stopped:
        raise ValidationError(
            {"departments": _("责任部门%(names)s已停用，请重新选择。") % {"names": "、".join(stopped)}},
            code="departments",
        )
    return chosen


def _title(content: str) -> str:
    """The first line of the decision, cut to the title's length."""
    first = content.strip().splitlines()[0].strip() if content.strip() else ""
    return first[:TITLE_MAX]


def _record(*, actor: Actor, chain: Chain, region: Region | None, content: str, source: tuple[str, str]) -> Demand:
    """The 交办事项 itself, already accepted (no enterprise triages it), with its 会议交办 timeline event."""
    label, url = source
    now = clock.now()
    demand = audited_create(
        model=Demand,
        actor=actor,
        kind=DemandKind.ASSIGNMENT,
        enterprise=None,
        title=_title(content),
        description=content,
        category=None,
        channel=Channel.MEETING,
        source_label=label[: Demand._meta.get_field("source_label").max_length],
        source_url=url if url.startswith("/") and not url.startswith("//") else "",
        chain=chain,
        region=region,
        status=DemandStatus.ACCEPTED,
        submitted_by=person(actor),
        submitted_at=now,
        accepted_at=now,
        response_days=0,
    )
    _event(demand=demand, kind="assigned", actor=actor, to_status=DemandStatus.ACCEPTED, note=label)
    return demand


@transaction.atomic
def assignment_create(
    *,
    actor: Actor,
    chain: Chain,
    region: Region | None,
    content: str,
    departments: Sequence[Department],
    working_days: int,
    start: dt.date,
    source_label: str,
    source_url: str,
) -> Demand:
    """交办: record a meeting decision's 交办事项 for `chain` (held in `region`), already accepted, and cut one
    task per department in `departments` (the lead first), each with the decision's `content` as its
    instructions and a deadline `working_days` working days from `start` (the meeting's day). The team of the
    chain only; the departments are told as for any task, the team when it closes."""
    _need_chain_team(actor, chain)
    content = _required(content, "content", _("请填写议定内容。"))
    chosen = _departments(departments)
    demand = _record(actor=actor, chain=chain, region=region, content=content, source=(source_label, source_url))
    for department in chosen:
        task_create(
            demand=demand,
            actor=actor,
            lead_department=department,
            instructions=content,
            working_days=working_days,
            start=start,
        )
    return demand  # 办理中 since its first task (task_create moved it)
