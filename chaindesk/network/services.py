"""Writes on talents, R&D partners and cooperations: keyword-only, atomic, audited in the same transaction.

Refusals: PermissionDenied for an actor without the right (see chaindesk.network.permissions), ValidationError
with a Chinese message for bad input, raised before anything is written."""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from chaindesk.accounts.models import Region
from chaindesk.chains.models import Chain
from chaindesk.core import clock
from chaindesk.core.actors import Actor
from chaindesk.core.audited import raise_date, set_related
from chaindesk.core.services import audited_create, audited_update
from chaindesk.enterprises.models import Enterprise

from . import permissions
from .models import (
    ContactKind,
    CooperationStatus,
    PartnerKind,
    RdCooperation,
    RdPartner,
    Talent,
    TalentContact,
)

TALENT_FIELDS = {"name", "city", "organisation", "title", "field", "hometown", "ties", "phone", "keeper", "notes"}
PARTNER_FIELDS = {"name", "kind", "city", "fields", "notes"}
COOPERATION_FIELDS = {"partner", "subject", "started_on", "ended_on", "status"}


def _required(value: str, message: str, code: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError(message, code=code)
    return text


def _check_keeper(keeper: Any) -> None:
    if not permissions.is_keeper_role(keeper):
        raise ValidationError(_("联络干部须为在岗的市领导、服务团队成员或挂钩服务专员。"), code="invalid_keeper")


def _clean_talent(values: dict[str, Any]) -> dict[str, Any]:
    """Strip the text fields; refuse a missing name, city or organisation and an invalid keeper."""
    for key in ("name", "city", "organisation", "title", "field", "ties", "phone", "notes"):
        if key in values and isinstance(values[key], str):
            values[key] = values[key].strip()
    messages = {"name": _("请填写姓名。"), "city": _("请填写所在城市。"), "organisation": _("请填写工作单位。")}
    for key, message in messages.items():
        if key in values:
            _required(values[key], message, f"empty_{key}")
    if "keeper" in values:
        _check_keeper(values["keeper"])
    return values


@transaction.atomic
def talent_create(
    *,
    actor: Actor,
    name: str,
    city: str,
    organisation: str,
    keeper: Any,
    title: str = "",
    field: str = "",
    hometown: Region | None = None,
    ties: str = "",
    phone: str = "",
    chains: Sequence[Chain] = (),
    notes: str = "",
) -> Talent:
    """Register a hometown talent working elsewhere, kept by `keeper` (an active official)."""
    if not permissions.may_create_talent(actor):
        raise PermissionDenied(_("您无权新增在外能人。"))
    values = _clean_talent(
        {
            "name": name,
            "city": city,
            "organisation": organisation,
            "keeper": keeper,
            "title": title,
            "field": field,
            "hometown": hometown,
            "ties": ties,
            "phone": phone,
            "notes": notes,
        }
    )
    return audited_create(model=Talent, actor=actor, chains=list(chains), **values)


@transaction.atomic
def talent_update(*, actor: Actor, talent: Talent, chains: Sequence[Chain] | None = None, **changes: Any) -> Talent:
    """Change a talent's profile (TALENT_FIELDS) and linked chains. Its keeper and the chain roles on one of
    its chains may; a change of keeper or chains is audited like any field."""
    if not permissions.may_edit_talent(actor, talent):
        raise PermissionDenied(_("您无权修改该在外能人。"))
    unknown = set(changes) - TALENT_FIELDS
    if unknown:
        raise TypeError(f"talent_update: unknown fields {sorted(unknown)}")
    changes = _clean_talent(changes)
    audited_update(obj=talent, actor=actor, **changes)
    if chains is not None:
        set_related(obj=talent, name="chains", values=chains, actor=actor)
    return talent


@transaction.atomic
def talent_contact_add(
    *,
    actor: Actor,
    talent: Talent,
    contacted_on: dt.date,
    notes: str,
    kind: str = ContactKind.CALL,
) -> TalentContact:
    """Log one contact with a talent (not in the future, with what was said) and keep last_contact_on."""
    if not permissions.may_edit_talent(actor, talent):
        raise PermissionDenied(_("您无权为该在外能人登记联系记录。"))
    if contacted_on > clock.today():
        raise ValidationError(_("联系日期不能晚于今天。"), code="future")
    text = _required(notes, _("请填写联系情况。"), "empty_notes")
    if kind not in ContactKind.values:
        raise ValidationError(_("请选择联系方式。"), code="invalid_kind")
    contact = audited_create(
        model=TalentContact,
        actor=actor,
        talent=talent,
        contacted_on=contacted_on,
        kind=kind,
        notes=text,
        created_by=actor,
    )
    raise_date(obj=talent, name="last_contact_on", on=contacted_on, actor=actor, message="derived from contacts")
    return contact


def _check_partner_name(name: str, *, exclude_pk: int | None = None) -> str:
    text = _required(name, _("请填写机构名称。"), "empty_name")
    holders = RdPartner.objects.filter(name__iexact=text)
    if exclude_pk is not None:
        holders = holders.exclude(pk=exclude_pk)
    existing = holders.only("name", "city").first()
    if existing is not None:
        raise ValidationError(
            _("研发资源“%(name)s”（%(city)s）已登记，请勿重复添加；如需补充信息，请编辑已有记录。")
            % {"name": existing.name, "city": existing.city},
            code="duplicate_name",
        )
    return text


def _clean_partner(values: dict[str, Any], *, exclude_pk: int | None = None) -> dict[str, Any]:
    for key in ("city", "fields", "notes"):
        if key in values and isinstance(values[key], str):
            values[key] = values[key].strip()
    if "name" in values:
        values["name"] = _check_partner_name(values["name"], exclude_pk=exclude_pk)
    if "city" in values:
        _required(values["city"], _("请填写所在城市。"), "empty_city")
    if "kind" in values and values["kind"] not in PartnerKind.values:
        raise ValidationError(_("请选择机构类型。"), code="invalid_kind")
    return values


@transaction.atomic
def partner_create(
    *, actor: Actor, name: str, city: str, kind: str = PartnerKind.UNIVERSITY, fields: str = "", notes: str = ""
) -> RdPartner:
    """Register an R&D partner (university, institute …). Names are unique, compared without case."""
    if not permissions.may_manage_partners(actor):
        raise PermissionDenied(_("您无权新增研发资源。"))
    values = _clean_partner({"name": name, "city": city, "kind": kind, "fields": fields, "notes": notes})
    return audited_create(model=RdPartner, actor=actor, **values)


@transaction.atomic
def partner_update(*, actor: Actor, partner: RdPartner, **changes: Any) -> RdPartner:
    """Change a partner's name, kind, city, fields or notes; officials may."""
    if not permissions.may_manage_partners(actor):
        raise PermissionDenied(_("您无权修改研发资源。"))
    unknown = set(changes) - PARTNER_FIELDS
    if unknown:
        raise TypeError(f"partner_update: unknown fields {sorted(unknown)}")
    changes = _clean_partner(changes, exclude_pk=partner.pk)
    return audited_update(obj=partner, actor=actor, **changes)


def _check_period(started_on: dt.date | None, ended_on: dt.date | None, status: str) -> None:
    if started_on is None:
        raise ValidationError(_("请填写开始日期。"), code="no_start")
    if ended_on is not None and ended_on < started_on:
        raise ValidationError(_("结束日期不能早于开始日期。"), code="end_before_start")
    if status not in CooperationStatus.values:
        raise ValidationError(_("请选择合作状态。"), code="invalid_status")
    if status == CooperationStatus.DONE and ended_on is None:
        raise ValidationError(_("已完成的合作请填写结束日期。"), code="done_without_end")


@transaction.atomic
def cooperation_create(
    *,
    actor: Actor,
    enterprise: Enterprise,
    partner: RdPartner,
    subject: str,
    started_on: dt.date,
    ended_on: dt.date | None = None,
    status: str = CooperationStatus.ACTIVE,
) -> RdCooperation:
    """Record an enterprise's R&D cooperation with a partner. Whoever may edit the enterprise may."""
    if not permissions.may_add_cooperation(actor, enterprise):
        raise PermissionDenied(_("您无权为该企业登记研发合作。"))
    text = _required(subject, _("请填写合作内容。"), "empty_subject")
    _check_period(started_on, ended_on, status)
    return audited_create(
        model=RdCooperation,
        actor=actor,
        enterprise=enterprise,
        partner=partner,
        subject=text,
        started_on=started_on,
        ended_on=ended_on,
        status=status,
        created_by=actor,
    )


@transaction.atomic
def cooperation_update(*, actor: Actor, cooperation: RdCooperation, **changes: Any) -> RdCooperation:
    """Change partner, subject, period or status. A status change is audited with both labels in its message."""
    if not permissions.may_edit_cooperation(actor, cooperation.enterprise):
        raise PermissionDenied(_("您无权修改该研发合作。"))
    unknown = set(changes) - COOPERATION_FIELDS
    if unknown:
        raise TypeError(f"cooperation_update: unknown fields {sorted(unknown)}")
    if "subject" in changes:
        changes["subject"] = _required(changes["subject"], _("请填写合作内容。"), "empty_subject")
    _check_period(
        changes.get("started_on", cooperation.started_on),
        changes.get("ended_on", cooperation.ended_on),
        changes.get("status", cooperation.status),
    )
    message = ""
    new_status = changes.get("status", cooperation.status)
    if new_status != cooperation.status:
        labels = dict(CooperationStatus.choices)
        message = f"状态：{labels[cooperation.status]} → {labels[new_status]}"
    return audited_update(obj=cooperation, actor=actor, message=message, **changes)
