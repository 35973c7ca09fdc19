"""Writes on a meeting's decisions (议定事项): record, correct, delete, and carry one to its end: a decision about
one enterprise becomes that enterprise's demand (诉求), any other is assigned (交办) to its responsible departments.

Keyword-only, atomic, audited in the same transaction. Only the service team of the meeting's chain writes
(chaindesk.meetings.permissions); a city-wide system actor (chaindesk.core.actors) records decisions for
imports. Refusals: PermissionDenied for an actor without the right, ValidationError with a Chinese message for
bad input or a decision already carried by a demand.

A decision is numbered within its meeting (max + 1, the meeting row locked so two clerks never get the same
number). Its responsible departments are DecisionDepartment rows, the lead (牵头) first; its deadline (办结期限)
is `working_days` working days from the meeting's day on the official calendar (demands.workdays). Turning it
into a demand goes through demands.services.demand_submit (channel 会议决定, the meeting and the decision's
number as the demand's source); assigning it through demands.services_assignments.assignment_create (a 交办事项
with one task per department, in the split's own task workflow). Either way the link is a compare-and-set
`filter(pk=…, demand=None).update(demand=…)`: when someone else got there first, nothing changes and the new
demand is rolled back with the transaction."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils.translation import gettext as _

from chaindesk.accounts.models import Department
from chaindesk.core import audit
from chaindesk.core.actors import Actor, is_system, person_or_none
from chaindesk.core.models import AuditAction
from chaindesk.demands import services as demand_services
from chaindesk.demands.choices import Channel, Urgency
from chaindesk.demands.models import Category, Demand
from chaindesk.demands.services_assignments import assignment_create
from chaindesk.demands.workdays import CalendarNotCovered, add_workdays
from chaindesk.enterprises.models import Enterprise
from chaindesk.projects.models import Project

from . import permissions
from .models import Decision, DecisionDepartment, Meeting

CONTENT_MAX = 2000
WORKING_DAYS_MAX = 250
WORKING_DAYS_DEFAULT = 10


def _need_team(actor: Actor, meeting: Meeting) -> None:
    if not is_system(actor) and not permissions.can_manage_decisions(actor, meeting):
        raise PermissionDenied(_("您无权处理该会议的议定事项：只有该产业链的服务团队可以录入和转办。"))


@dataclass(frozen=True)
class Responsible:
    """Who answers for a decision: its departments, the lead (牵头) first, and its working days (None: not set)."""

    departments: tuple[Department, ...] = ()
    working_days: int | None = None

    @property
    def ids(self) -> list[int]:
        return [d.pk for d in self.departments]


def responsible(
    departments: Sequence[Department] = (), lead: Department | None = None, working_days: Any = None
) -> Responsible:
    """The departments in order with `lead` first (the first one when not said), each once, all in use; the
    working days a whole number from 1 to 250 (or None). Refusals in Chinese, on the field."""
    chosen = list(dict.fromkeys(departments))
    if lead is not None and lead not in chosen:
        raise ValidationError({"lead": _("牵头部门须为所选责任部门之一。")}, code="lead")
    if lead is not None:
        chosen = [lead, *(d for d in chosen if d != lead)]
    stopped = [d.short_name or d.name for d in chosen if not d.is_active]
    if stopped:
        raise ValidationError(
            {"departments": _("责任部门%(names)s已停用，请重新选择。") % {"names": "、".join(stopped)}},
            code="department",
        )
    days = None
    if working_days not in (None, ""):
        try:
            days = int(working_days)
        except (TypeError, ValueError) as exc:
            raise ValidationError({"working_days": _("办理时限须为正整数（工作日）。")}, code="working_days") from exc
        if not 1 <= days <= WORKING_DAYS_MAX:
            raise ValidationError(
                {"working_days": _("办理时限须在1至%(n)s个工作日之间。") % {"n": WORKING_DAYS_MAX}},
                code="working_days",
            )
    return Responsible(tuple(chosen), days)


def _clean(meeting: Meeting, content: str, enterprise: Enterprise | None) -> str:
    content = (content or "").strip()
    if not content:
        raise ValidationError({"content": _("请填写议定内容。")}, code="required")
    if len(content) > CONTENT_MAX:
        raise ValidationError({"content": _("议定内容请控制在%(n)s字以内。") % {"n": CONTENT_MAX}}, code="too_long")
    if enterprise is not None and not enterprise.chains.filter(pk=meeting.chain_id).exists():
        raise ValidationError(
            {"enterprise": _("涉及企业须为%(chain)s产业链的企业。") % {"chain": meeting.chain.name}},
            code="enterprise",
        )
    return content


def _deadline(meeting: Meeting, working_days: int | None) -> Any:
    """The decision's 办结期限: `working_days` working days from the meeting's day (None without them)."""
    if working_days is None:
        return None
    try:
        return add_workdays(meeting.held_on, working_days)
    except CalendarNotCovered as exc:
        raise ValidationError({"working_days": str(exc)}, code="calendar") from exc


def redate_decisions(meeting: Meeting) -> int:
    """After the meeting's day changed: the 办结期限 of its decisions not yet assigned or converted counts from the
    new day (an assigned decision's tasks keep theirs: the departments were told). Inside the caller's
    transaction; the number of decisions re-dated."""
    changed = 0
    for decision in meeting.decisions.filter(demand__isnull=True, working_days__isnull=False):
        deadline = _deadline(meeting, decision.working_days)
        if deadline != decision.deadline:
            Decision.objects.filter(pk=decision.pk).update(deadline=deadline)
            changed += 1
    return changed


def _set_departments(decision: Decision, who: Responsible) -> None:
    """Replace the decision's responsible departments (the first one leads)."""
    DecisionDepartment.objects.filter(decision=decision).delete()
    DecisionDepartment.objects.bulk_create(
        [DecisionDepartment(decision=decision, department=d, lead=i == 0) for i, d in enumerate(who.departments)]
    )


def _lines(decision: Decision, departments: list[int]) -> dict[str, Any]:
    """What the audit line keeps of a decision: its fields and its departments (the lead first)."""
    return {**audit.snapshot(decision), "departments": departments}


@transaction.atomic
def decision_add(
    *,
    actor: Actor,
    meeting: Meeting,
    content: str,
    enterprise: Enterprise | None = None,
    departments: Sequence[Department] = (),
    lead: Department | None = None,
    working_days: int | None = None,
) -> Decision:
    """Record a decision of `meeting`, numbered after the meeting's last one, with its responsible departments
    (`lead` first; the first when not said) and its deadline `working_days` working days after the meeting."""
    _need_team(actor, meeting)
    content = _clean(meeting, content, enterprise)
    who = responsible(departments, lead, working_days)
    Meeting.objects.select_for_update().filter(pk=meeting.pk).first()  # serialise the numbering (PostgreSQL)
    last = Decision.objects.filter(meeting=meeting).aggregate(last=Max("seq"))["last"] or 0
    decision = Decision(
        meeting=meeting,
        seq=last + 1,
        content=content,
        enterprise=enterprise,
        working_days=who.working_days,
        deadline=_deadline(meeting, who.working_days),
        created_by=person_or_none(actor),
    )
    decision.full_clean()
    decision.save()
    _set_departments(decision, who)
    audit.record(action=AuditAction.CREATE, actor=actor, obj=decision, after=_lines(decision, who.ids))
    return decision


def _carried(decision: Decision) -> str:
    """The refusal's reason when a demand already carries the decision: 转为诉求 or 交办."""
    if decision.enterprise_id is None:
        return _("该议定事项已交办")
    return _("该议定事项已转为诉求")


def _check_carried_change(current: Decision, enterprise: Enterprise | None, who: Responsible) -> None:
    """Once a demand carries the decision its enterprise stays; once assigned, its departments and working days
    too (the tasks were cut with them: a later change is an extension asked on the task)."""
    if current.demand_id is None:
        return
    if current.enterprise_id != (enterprise.pk if enterprise is not None else None):
        raise ValidationError(
            {"enterprise": _("%(why)s，不能更改涉及企业。") % {"why": _carried(current)}}, code="converted"
        )
    if current.enterprise_id is None:
        old = list(current.responsible.order_by("-lead", "pk").values_list("department_id", flat=True))
        if old != who.ids or current.working_days != who.working_days:
            raise ValidationError(
                _("该议定事项已交办，不能更改责任部门和办理时限；需要延期的，请由部门在任务中申请延期。"),
                code="assigned",
            )


@transaction.atomic
def decision_update(
    *,
    actor: Actor,
    decision: Decision,
    content: str,
    enterprise: Enterprise | None = None,
    departments: Sequence[Department] = (),
    lead: Department | None = None,
    working_days: int | None = None,
) -> Decision:
    """Correct a decision's content, enterprise, responsible departments and working days (its deadline
    follows). Once a demand carries it, its enterprise stays; once assigned, its departments and days too."""
    meeting = decision.meeting
    _need_team(actor, meeting)
    content = _clean(meeting, content, enterprise)
    who = responsible(departments, lead, working_days)
    current = Decision.objects.select_for_update().get(pk=decision.pk)
    _check_carried_change(current, enterprise, who)
    old_ids = list(current.responsible.order_by("-lead", "pk").values_list("department_id", flat=True))
    before = _lines(current, old_ids)
    decision.demand_id = current.demand_id
    decision.content, decision.enterprise, decision.working_days = content, enterprise, who.working_days
    decision.deadline = _deadline(meeting, who.working_days)
    decision.full_clean()
    decision.save()
    if old_ids != who.ids:
        _set_departments(decision, who)
    changed_before, changed_after = audit.diff(before, _lines(decision, who.ids))
    if changed_after:
        audit.record(action=AuditAction.UPDATE, actor=actor, obj=decision, before=changed_before, after=changed_after)
    return decision


@transaction.atomic
def decision_delete(*, actor: Actor, decision: Decision) -> None:
    """Delete a decision recorded by mistake; the audit line keeps what it said. A decision a demand carries
    stays: the demand points back to it."""
    _need_team(actor, decision.meeting)
    current = Decision.objects.select_for_update().filter(pk=decision.pk).first()
    if current is None:
        return
    if current.demand_id is not None:
        raise ValidationError(_("%(why)s，不能删除。") % {"why": _carried(current)}, code="converted")
    departments = list(current.responsible.order_by("-lead", "pk").values_list("department_id", flat=True))
    audit.record(
        action=AuditAction.DELETE,
        actor=actor,
        obj=current,
        before=_lines(current, departments),
        message=f"删除议定事项（{decision.meeting}）",
    )
    current.delete()


def source_of(decision: Decision) -> tuple[str, str]:
    """The demand's source: "《会议名称》议定事项 3" and the decision's place on the meeting page."""
    meeting = decision.meeting
    label = f"《{meeting.title}》议定事项 {decision.seq}"
    url = reverse("meetings:detail", args=[meeting.pk]) + f"#decision-{decision.seq}"
    return label, url


@transaction.atomic
def decision_to_demand(
    *,
    actor: Actor,
    decision: Decision,
    title: str,
    description: str,
    category: Category,
    urgency: str = Urgency.NORMAL,
    project: Project | None = None,
) -> Demand:
    """Turn a decision about an enterprise into that enterprise's demand (channel 会议决定), at most once."""
    _need_team(actor, decision.meeting)
    if decision.enterprise is None:
        raise ValidationError(_("请先指定该议定事项涉及的企业。"), code="no_enterprise")
    if decision.demand_id is not None:
        raise ValidationError(_("该议定事项已转为诉求。"), code="converted")
    label, url = source_of(decision)
    demand = demand_services.demand_submit(
        actor=actor,
        enterprise=decision.enterprise,
        title=title,
        description=description,
        category=category,
        urgency=urgency,
        channel=Channel.MEETING,
        project=project,
        source_label=label,
        source_url=url,
    )
    _link(actor, decision, demand, refused=_("该议定事项已转为诉求。"), message=f"转为诉求：{demand.title}")
    return demand


def _link(actor: Actor, decision: Decision, demand: Demand, *, refused: str, message: str) -> None:
    """Point the decision at the demand it became, compare-and-set: when someone else linked it since the caller
    looked, `refused` is raised and the transaction rolls the new demand (and its tasks) back."""
    rows = Decision.objects.filter(pk=decision.pk, demand__isnull=True).update(demand=demand)
    if rows == 0:
        raise ValidationError(refused, code="converted")
    audit.record(
        action=AuditAction.UPDATE,
        actor=actor,
        obj=decision,
        before={"demand": None},
        after={"demand": demand.pk},
        message=message,
    )
    decision.demand = demand


def responsible_departments(decision: Decision) -> list[Department]:
    """The decision's responsible departments, the lead first (one query)."""
    rows = decision.responsible.select_related("department").order_by("-lead", "pk")
    return [r.department for r in rows]


def _assignable(decision: Decision) -> tuple[list[Department], int]:
    """The departments a decision is assigned to (the lead first) and its working days; refused when it is about
    an enterprise, already carried, or lacks departments or working days."""
    if decision.enterprise_id is not None:
        raise ValidationError(_("涉及企业的议定事项请转为该企业的诉求。"), code="has_enterprise")
    if decision.demand_id is not None:
        raise ValidationError(_("该议定事项已交办。"), code="converted")
    departments = responsible_departments(decision)
    if not departments:
        raise ValidationError({"departments": _("请至少指定一个责任部门后再交办。")}, code="departments")
    if decision.working_days is None:
        raise ValidationError({"working_days": _("请先填写办理时限（工作日）后再交办。")}, code="working_days")
    return departments, decision.working_days


@transaction.atomic
def decision_assign(*, actor: Actor, decision: Decision) -> Demand:
    """交办: assign a decision that is not about one enterprise to its responsible departments, at most once: a
    交办事项 (demands.services_assignments) with one task per department, each due on the decision's deadline
    (its working days from the meeting's day), linked back to the decision. The chain's team only (a person:
    a task names who assigned it)."""
    meeting = decision.meeting
    _need_team(actor, meeting)
    departments, working_days = _assignable(decision)
    label, url = source_of(decision)
    demand = assignment_create(
        actor=actor,
        chain=meeting.chain,
        region=meeting.region,
        content=decision.content,
        departments=departments,
        working_days=working_days,
        start=meeting.held_on,
        source_label=label,
        source_url=url,
    )
    names = "、".join(d.short_name or d.name for d in departments)
    _link(
        actor,
        decision,
        demand,
        refused=_("该议定事项已交办。"),
        message=_("交办%(departments)s") % {"departments": names},
    )
    return demand
