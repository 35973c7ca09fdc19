"""Writes on a meeting's decisions (议定事项): record, correct, delete, and turn one into a demand (诉求).

Keyword-only, atomic, audited in the same transaction. Only the service team of the meeting's chain writes
(chaindesk.meetings.permissions); a city-wide system actor (chaindesk.core.actors) writes for imports.
Refusals: PermissionDenied for an actor without the right, ValidationError with a Chinese message for bad
input or a decision already turned into a demand.

A decision is numbered within its meeting (max + 1, the meeting row locked so two clerks never get the same
number). Turning it into a demand goes through demands.services.demand_submit (channel 会议决定, the meeting
and the decision's number as the demand's source); the link is a compare-and-set
`filter(pk=…, demand=None).update(demand=…)`: when someone else converted it first, nothing changes and the
new demand is rolled back with the transaction."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils.translation import gettext as _

from chaindesk.accounts.models import Department
from chaindesk.core import audit
from chaindesk.core.actors import Actor, is_system
from chaindesk.core.models import AuditAction
from chaindesk.core.services import audited_create, audited_update
from chaindesk.demands import services as demand_services
from chaindesk.demands.choices import Channel, Urgency
from chaindesk.demands.models import Category, Demand
from chaindesk.enterprises.models import Enterprise
from chaindesk.projects.models import Project

from . import permissions
from .models import Decision, Meeting

CONTENT_MAX = 2000


def _need_team(actor: Actor, meeting: Meeting) -> None:
    if not is_system(actor) and not permissions.can_manage_decisions(actor, meeting):
        raise PermissionDenied(_("您无权处理该会议的议定事项：只有该产业链的服务团队可以录入和转办。"))


def _clean(meeting: Meeting, content: str, enterprise: Enterprise | None, department: Department | None) -> str:
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
    if department is not None and not department.is_active:
        raise ValidationError({"department": _("责任部门已停用，请重新选择。")}, code="department")
    return content


@transaction.atomic
def decision_add(
    *,
    actor: Actor,
    meeting: Meeting,
    content: str,
    enterprise: Enterprise | None = None,
    department: Department | None = None,
) -> Decision:
    """Record a decision of `meeting`, numbered after the meeting's last one."""
    _need_team(actor, meeting)
    content = _clean(meeting, content, enterprise, department)
    Meeting.objects.select_for_update().filter(pk=meeting.pk).first()  # serialise the numbering (PostgreSQL)
    last = Decision.objects.filter(meeting=meeting).aggregate(last=Max("seq"))["last"] or 0
    return audited_create(
        model=Decision,
        actor=actor,
        meeting=meeting,
        seq=last + 1,
        content=content,
        enterprise=enterprise,
        department=department,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


@transaction.atomic
def decision_update(
    *,
    actor: Actor,
    decision: Decision,
    content: str,
    enterprise: Enterprise | None = None,
    department: Department | None = None,
) -> Decision:
    """Correct a decision's content, enterprise and responsible department. Once it is a demand, its
    enterprise stays (the demand belongs to that enterprise)."""
    meeting = decision.meeting
    _need_team(actor, meeting)
    content = _clean(meeting, content, enterprise, department)
    current = Decision.objects.select_for_update().get(pk=decision.pk)
    new_enterprise_id = enterprise.pk if enterprise is not None else None
    if current.demand_id is not None and current.enterprise_id != new_enterprise_id:
        raise ValidationError({"enterprise": _("该议定事项已转为诉求，不能更改涉及企业。")}, code="converted")
    decision.demand_id = current.demand_id
    return audited_update(obj=decision, actor=actor, content=content, enterprise=enterprise, department=department)


@transaction.atomic
def decision_delete(*, actor: Actor, decision: Decision) -> None:
    """Delete a decision recorded by mistake; the audit line keeps what it said. A decision already turned
    into a demand stays: the demand points back to it."""
    _need_team(actor, decision.meeting)
    current = Decision.objects.select_for_update().filter(pk=decision.pk).first()
    if current is None:
        return
    if current.demand_id is not None:
        raise ValidationError(_("该议定事项已转为诉求，不能删除。"), code="converted")
    audit.record(
        action=AuditAction.DELETE,
        actor=actor,
        obj=current,
        before=audit.snapshot(current),
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
    rows = Decision.objects.filter(pk=decision.pk, demand__isnull=True).update(demand=demand)
    if rows == 0:
        # Someone converted it since the caller looked: raising rolls the new demand back with the transaction.
        raise ValidationError(_("该议定事项已转为诉求。"), code="converted")
    audit.record(
        action=AuditAction.UPDATE,
        actor=actor,
        obj=decision,
        before={"demand": None},
        after={"demand": demand.pk},
        message=f"转为诉求：{demand.title}",
    )
    decision.demand = demand
    return demand
