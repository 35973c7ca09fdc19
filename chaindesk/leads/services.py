"""Writes on investment leads: create and edit, the stage machine, follow-ups, and signing into a project.

Keyword-only, atomic, audited in the same transaction. Refusals: PermissionDenied for an actor without the
right (chaindesk.leads.permissions), ValidationError with a Chinese message for bad input or an illegal
move, InvalidTransition (HTTP 409) when someone else changed the lead's stage first. A stage change is a
compare-and-set (`chaindesk.core.transitions.compare_and_set`), race-safe on SQLite and PostgreSQL alike.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import Region
from chaindesk.chains.models import Chain, ChainNode
from chaindesk.core import audit, clock
from chaindesk.core.actors import Actor, is_system, person_or_none
from chaindesk.core.models import AuditAction
from chaindesk.core.services import audited_create, audited_update
from chaindesk.core.transitions import compare_and_set
from chaindesk.enterprises.models import Enterprise
from chaindesk.network.models import RdPartner, Talent
from chaindesk.projects import services as project_services
from chaindesk.projects.models import Project

from . import permissions
from .choices import OPEN, TRANSITIONS, LeadSource, LeadStage
from .models import Lead, LeadFollowUp

EDITABLE = frozenset(
    {
        "title",
        "source",
        "referrer",
        "talent",
        "rd_partner",
        "source_city",
        "investor",
        "chain",
        "node",
        "region",
        "estimated_investment",
        "description",
        "owner",
    }
)


def stage_label(stage: str) -> str:
    return str(LeadStage(stage).label) if stage in LeadStage.values else stage


def check_source(
    *,
    source: str,
    referrer: Enterprise | None,
    talent: Talent | None,
    rd_partner: RdPartner | None,
    source_city: str,
) -> None:
    """Each source names who or where the lead came from; a referrer, talent or R&D partner belongs only
    to its own source, so that credits (以商引商, 在外能人) are never given by accident."""
    errors: dict[str, str] = {}
    if source not in LeadSource.values:
        errors["source"] = _("请选择线索来源。")
    if source == LeadSource.REFERRAL and referrer is None:
        errors["referrer"] = _("以商引商线索须填写引荐企业。")
    if source != LeadSource.REFERRAL and referrer is not None:
        errors["referrer"] = _("只有以商引商线索可填写引荐企业。")
    if source == LeadSource.TALENT and talent is None:
        errors["talent"] = _("在外能人线索须填写引荐能人。")
    if source != LeadSource.TALENT and talent is not None:
        errors["talent"] = _("只有在外能人线索可填写引荐能人。")
    if source == LeadSource.REMOTE and not source_city.strip():
        errors["source_city"] = _("异地对接线索须填写对接城市，如上海、北京、深圳。")
    if source != LeadSource.RD and rd_partner is not None:
        errors["rd_partner"] = _("只有研发机构线索可填写研发机构。")
    if errors:
        raise ValidationError(errors)


def check_place(*, chain: Chain, node: ChainNode | None, owner: Any) -> None:
    errors: dict[str, str] = {}
    if node is not None and node.chain_id != chain.pk:
        errors["node"] = _("目标环节“%(node)s”不属于产业链“%(chain)s”。") % {"node": node.name, "chain": chain.name}
    if not permissions.may_own(owner, chain):
        errors["owner"] = _("跟进责任人须为该产业链服务团队的在岗成员或挂钩服务专员。")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def lead_create(
    *,
    actor: Actor,
    title: str,
    source: str,
    investor: str,
    chain: Chain,
    owner: Any = None,
    node: ChainNode | None = None,
    region: Region | None = None,
    estimated_investment: Decimal | None = None,
    description: str = "",
    referrer: Enterprise | None = None,
    talent: Talent | None = None,
    rd_partner: RdPartner | None = None,
    source_city: str = "",
) -> Lead:
    """Record a new lead (stage 新线索). The owner defaults to the actor; a liaison owns what they record."""
    if not permissions.may_create_on(actor, chain):
        raise PermissionDenied(_("您无权在该产业链登记线索。"))
    owner = owner or actor
    if not is_system(actor) and actor.role == Role.LIAISON and owner.pk != actor.pk:
        raise ValidationError({"owner": _("挂钩服务专员登记的线索由本人跟进。")})
    check_source(source=source, referrer=referrer, talent=talent, rd_partner=rd_partner, source_city=source_city)
    check_place(chain=chain, node=node, owner=owner)
    return audited_create(
        model=Lead,
        actor=actor,
        title=title.strip(),
        source=source,
        referrer=referrer,
        talent=talent,
        rd_partner=rd_partner,
        source_city=source_city.strip(),
        investor=investor.strip(),
        chain=chain,
        node=node,
        region=region,
        estimated_investment=estimated_investment,
        description=description.strip(),
        owner=owner,
        created_by=person_or_none(actor) or owner,
    )


def _locked(lead: Lead) -> Lead:
    """The lead as stored now, locked for the rest of the transaction (PostgreSQL; SQLite serialises writes)."""
    return Lead.objects.select_for_update().get(pk=lead.pk)


def _refuse_closed(lead: Lead, message: str) -> None:
    if lead.stage not in OPEN:
        raise ValidationError(message % {"stage": stage_label(lead.stage)}, code="closed")


@transaction.atomic
def lead_update(*, lead: Lead, actor: Actor, **changes: Any) -> Lead:
    """Change the lead's facts (not its stage). Refused on signed and abandoned leads; moving it to another
    chain needs the right to record leads on that chain."""
    unknown = set(changes) - EDITABLE
    if unknown:
        raise TypeError(f"lead_update: unknown fields {sorted(unknown)}")
    if not permissions.may_manage(actor, lead):
        raise PermissionDenied(_("您无权修改该线索。"))
    current = _locked(lead)
    _refuse_closed(current, _("线索已%(stage)s，不能再修改。"))
    merged = {name: changes.get(name, getattr(current, name)) for name in EDITABLE}
    if merged["chain"].pk != current.chain_id and not permissions.may_create_on(actor, merged["chain"]):
        raise PermissionDenied(_("您无权在该产业链登记线索。"))
    check_source(
        source=merged["source"],
        referrer=merged["referrer"],
        talent=merged["talent"],
        rd_partner=merged["rd_partner"],
        source_city=merged["source_city"] or "",
    )
    check_place(chain=merged["chain"], node=merged["node"], owner=merged["owner"])
    for name in ("title", "investor", "source_city", "description"):
        if name in changes and isinstance(changes[name], str):
            changes[name] = changes[name].strip()
    audited_update(obj=current, actor=actor, **changes)
    lead.refresh_from_db()
    return lead


def _check_date(on: dt.date, lead: Lead) -> None:
    if on > clock.today():
        raise ValidationError(_("日期不能晚于今天。"), code="future")
    if lead.stage_changed_on and on < lead.stage_changed_on:
        raise ValidationError(
            _("日期不能早于上次阶段变更日期（%(date)s）。") % {"date": f"{lead.stage_changed_on:%Y-%m-%d}"},
            code="before_previous",
        )


def _check_move(lead: Lead, expected: str, to_stage: str) -> None:
    if expected not in TRANSITIONS or to_stage not in TRANSITIONS[expected]:
        raise ValidationError(
            _("线索不能从“%(from)s”变更为“%(to)s”。") % {"from": stage_label(expected), "to": stage_label(to_stage)},
            code="illegal_transition",
        )


def _compare_and_set(
    *, lead: Lead, expected: str, to_stage: str, on: dt.date, actor: Actor, message: str = "", **extra: Any
) -> dict[str, Any]:
    """Move the lead from `expected` to `to_stage` in one conditional UPDATE; record the change. Returns the
    fields written (the caller applies them to its instance once the whole service has succeeded)."""
    fields = {"stage": to_stage, "stage_changed_on": on, **extra}
    compare_and_set(
        lead,
        field="stage",
        expected=expected,
        fields=fields,
        actor=actor,
        stale=lambda now: (
            _("该线索已被他人变更为“%(stage)s”（您看到的是“%(expected)s”），请刷新页面后再操作。")
            % {"stage": stage_label(now), "expected": stage_label(expected)}
        ),
        message=message,
        unaudited=("project",),
    )
    return fields


def _apply(lead: Lead, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        setattr(lead, name, value)


@transaction.atomic
def lead_advance(*, lead: Lead, to_stage: str, on: dt.date, actor: Actor, expected_stage: str | None = None) -> Lead:
    """Move an open lead forward (接洽, 考察, 洽谈; skipping ahead is allowed). 签约 goes through lead_sign
    (it creates the project) and 放弃 through lead_abandon (it needs a reason)."""
    if not permissions.may_manage(actor, lead):
        raise PermissionDenied(_("您无权变更该线索的阶段。"))
    expected = expected_stage or lead.stage
    _check_move(lead, expected, to_stage)
    if to_stage == LeadStage.SIGNED:
        raise ValidationError(_("签约请使用“签约转项目”，系统将同时创建项目。"), code="use_sign")
    if to_stage == LeadStage.ABANDONED:
        raise ValidationError(_("放弃线索须填写原因，请使用“放弃”。"), code="use_abandon")
    _check_date(on, lead)
    _apply(lead, _compare_and_set(lead=lead, expected=expected, to_stage=to_stage, on=on, actor=actor))
    return lead


@transaction.atomic
def lead_abandon(*, lead: Lead, reason: str, on: dt.date, actor: Actor, expected_stage: str | None = None) -> Lead:
    """Abandon an open lead, with the reason (required) kept on the lead and in the audit trail."""
    if not permissions.may_manage(actor, lead):
        raise PermissionDenied(_("您无权放弃该线索。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("放弃线索须填写原因。")}, code="no_reason")
    if len(reason) > Lead._meta.get_field("abandon_reason").max_length:  # type: ignore[operator]
        raise ValidationError({"reason": _("放弃原因请控制在200字以内。")}, code="too_long")
    expected = expected_stage or lead.stage
    _check_move(lead, expected, LeadStage.ABANDONED)
    _check_date(on, lead)
    fields = _compare_and_set(
        lead=lead,
        expected=expected,
        to_stage=LeadStage.ABANDONED,
        on=on,
        actor=actor,
        message=reason,
        abandon_reason=reason,
    )
    _apply(lead, fields)
    return lead


def _project_defaults(lead: Lead, project_fields: dict[str, Any]) -> dict[str, Any]:
    defaults: dict[str, Any] = {
        "investor_name": lead.investor,
        "planned_investment": lead.estimated_investment,
        "description": lead.description,
        "credited_enterprise": lead.referrer,
        "credited_talent": lead.talent,
    }
    owner = lead.owner
    if owner.role == Role.LIAISON:  # the liaison who brought it in keeps following (and seeing) the project
        defaults["liaison"] = owner
    defaults.update(project_fields)
    return defaults


@transaction.atomic
def lead_sign(
    *,
    lead: Lead,
    actor: Actor,
    on: dt.date,
    enterprise: Enterprise | None = None,
    region: Region | None = None,
    name: str | None = None,
    expected_stage: str | None = None,
    **project_fields: Any,
) -> Project:
    """Sign the lead: it moves to 签约 and becomes a project (stage 签约 on `on`), credited to the enterprise
    or talent who brought it. All or nothing: a refusal by the project rules leaves the lead unchanged.
    The project keeps the lead's history through Lead.project (project.lead on the project's side)."""
    if not permissions.may_manage(actor, lead):
        raise PermissionDenied(_("您无权为该线索办理签约。"))
    expected = expected_stage or lead.stage
    _check_move(lead, expected, LeadStage.SIGNED)
    _check_date(on, lead)
    region = region or lead.region
    if region is None:
        raise ValidationError({"region": _("请填写项目所在地区。")}, code="no_region")
    kwargs = _project_defaults(lead, project_fields)
    fields = _compare_and_set(lead=lead, expected=expected, to_stage=LeadStage.SIGNED, on=on, actor=actor)
    project = project_services.project_create(
        actor=actor,
        name=(name or "").strip() or lead.title,
        chain=lead.chain,
        node=lead.node,
        region=region,
        enterprise=enterprise,
        **kwargs,
    )
    project = project_services.project_transition(project=project, to_stage="signed", on=on, actor=actor)
    Lead.objects.filter(pk=lead.pk).update(project=project)
    audit.record(
        action=AuditAction.UPDATE,
        actor=actor,
        obj=lead,
        before={"project": None},
        after={"project": project.pk},
        message=_("签约转为项目：%(name)s") % {"name": project.name},
    )
    _apply(lead, {**fields, "project": project})
    return project


def _latest_follow_up_fields(lead: Lead) -> dict[str, Any]:
    latest = LeadFollowUp.objects.filter(lead_id=lead.pk).order_by("-followed_on", "-pk").first()
    if latest is None:
        return {"next_action": "", "next_action_on": None, "last_follow_up_on": None}
    return {
        "next_action": latest.next_action,
        "next_action_on": latest.next_action_on,
        "last_follow_up_on": latest.followed_on,
    }


def _check_follow_up(followed_on: dt.date, notes: str, next_action: str, next_action_on: dt.date | None) -> None:
    errors: dict[str, str] = {}
    if followed_on > clock.today():
        errors["followed_on"] = _("跟进日期不能晚于今天。")
    if not notes.strip():
        errors["notes"] = _("请填写跟进情况。")
    if next_action.strip() and next_action_on is None:
        errors["next_action_on"] = _("请填写下次跟进日期。")
    if next_action_on is not None and not next_action.strip():
        errors["next_action"] = _("请填写下一步行动。")
    if next_action_on is not None and next_action_on < followed_on:
        errors["next_action_on"] = _("下次跟进日期不能早于跟进日期。")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def follow_up_add(
    *,
    lead: Lead,
    followed_on: dt.date,
    notes: str,
    next_action: str = "",
    next_action_on: dt.date | None = None,
    actor: Actor,
) -> LeadFollowUp:
    """Log a follow-up on an open lead. Lead.next_action, next_action_on and last_follow_up_on are kept from
    the latest follow-up by date (a back-dated entry does not replace a later one's next action)."""
    if not permissions.may_manage(actor, lead):
        raise PermissionDenied(_("您无权为该线索记录跟进。"))
    current = _locked(lead)
    _refuse_closed(current, _("线索已%(stage)s，不能再添加跟进记录。"))
    _check_follow_up(followed_on, notes, next_action, next_action_on)
    follow_up = audited_create(
        model=LeadFollowUp,
        actor=actor,
        lead=current,
        followed_on=followed_on,
        notes=notes.strip(),
        next_action=next_action.strip(),
        next_action_on=next_action_on,
        created_by=person_or_none(actor) or current.owner,
    )
    derived = _latest_follow_up_fields(current)
    before = {name: getattr(current, name) for name in derived}
    if derived != before:
        Lead.objects.filter(pk=current.pk).update(**derived)
        changed_before, changed_after = audit.diff(
            {k: audit.json_value(v) for k, v in before.items()},
            {k: audit.json_value(v) for k, v in derived.items()},
        )
        audit.record(
            action=AuditAction.UPDATE,
            actor=actor,
            obj=current,
            before=changed_before,
            after=changed_after,
            message="derived from follow-ups",
        )
    _apply(lead, derived)
    return follow_up
