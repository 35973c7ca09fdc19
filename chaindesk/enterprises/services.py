"""Writes on the enterprise registry: keyword-only, atomic, audited, with the actor's rights checked.

Who may do what is stated in chaindesk.enterprises.permissions; every service refuses with
PermissionDenied (HTTP 403 in the views) and ValidationError (a message in Chinese) before writing.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from chaindesk.accounts.models import Region
from chaindesk.chains.models import ChainNode
from chaindesk.core import audit
from chaindesk.core.actors import Actor
from chaindesk.core.models import AuditAction
from chaindesk.core.services import audited_create, audited_update

from . import permissions
from .models import Contact, Enterprise, Indicator, Qualification, validate_uscc


def normalise_uscc(value: str) -> str:
    """Strip, upper-case and drop inner spaces (codes are often pasted with spaces from PDFs)."""
    return "".join((value or "").split()).upper()


def check_uscc(value: str, *, exclude_pk: int | None = None) -> str:
    """The normalised code, or a ValidationError: bad checksum, or already registered (with the name)."""
    code = normalise_uscc(value)
    validate_uscc(code)
    holders = Enterprise.objects.filter(uscc=code)
    if exclude_pk is not None:
        holders = holders.exclude(pk=exclude_pk)
    existing = holders.only("name").first()
    if existing is not None:
        raise ValidationError(_("该统一社会信用代码已登记：%(name)s") % {"name": existing.name}, code="duplicate_uscc")
    return code


def _chain_ids(nodes: Iterable[ChainNode]) -> set[int]:
    return {node.chain_id for node in nodes}


def _place(enterprise: Enterprise, nodes: Sequence[ChainNode]) -> None:
    """Set the nodes and add the chains they belong to; manual chain memberships are kept."""
    enterprise.nodes.set(nodes)
    enterprise.chains.add(*_chain_ids(nodes))


@transaction.atomic
def enterprise_create(
    *,
    actor: Actor,
    name: str,
    uscc: str,
    region: Region,
    address: str = "",
    founded_on: dt.date | None = None,
    business: str = "",
    honours: str = "",
    nodes: Sequence[ChainNode] = (),
    qualifications: Sequence[Qualification] = (),
) -> Enterprise:
    """Register an enterprise. Refuses a bad or already registered USCC; callers warn about similar
    names first (similar_enterprises). Chain roles must place it on a node of a chain they serve on;
    district admins must locate it in their district."""
    if not permissions.may_create_in(actor, region_id=region.pk, chain_ids=_chain_ids(nodes)):
        raise PermissionDenied(_("您无权在该产业链或地区新增企业。"))
    code = check_uscc(uscc)
    enterprise = audited_create(
        model=Enterprise,
        actor=actor,
        name=name.strip(),
        uscc=code,
        region=region,
        address=address.strip(),
        founded_on=founded_on,
        business=business,
        honours=honours,
        nodes=list(nodes),
        qualifications=list(qualifications),
    )
    enterprise.chains.add(*_chain_ids(nodes))
    return enterprise


def _m2m_change(enterprise: Enterprise, name: str, new: Sequence[Any]) -> tuple[list[int], list[int]] | None:
    old_ids = sorted(getattr(enterprise, name).values_list("pk", flat=True))
    new_ids = sorted(obj.pk for obj in new)
    return (old_ids, new_ids) if old_ids != new_ids else None


@transaction.atomic
def enterprise_update(
    *,
    actor: Actor,
    enterprise: Enterprise,
    nodes: Sequence[ChainNode] | None = None,
    qualifications: Sequence[Qualification] | None = None,
    **changes: Any,
) -> Enterprise:
    """Change profile fields (name, uscc, region, address, founded_on, business, honours), nodes and
    qualifications. The enterprise's liaison and the officials in scope may; the USCC is re-checked."""
    if not permissions.may_edit(actor, enterprise):
        raise PermissionDenied(_("您无权修改该企业。"))
    allowed = {"name", "uscc", "region", "address", "founded_on", "business", "honours"}
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"enterprise_update: unknown fields {sorted(unknown)}")
    if "uscc" in changes:
        changes["uscc"] = check_uscc(changes["uscc"], exclude_pk=enterprise.pk)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name, value in (("nodes", nodes), ("qualifications", qualifications)):
        if value is not None and (change := _m2m_change(enterprise, name, value)):
            before[name], after[name] = change
    audited_update(obj=enterprise, actor=actor, **changes)
    if nodes is not None:
        _place(enterprise, nodes)
    if qualifications is not None:
        enterprise.qualifications.set(qualifications)
    if after:
        audit.record(action=AuditAction.UPDATE, actor=actor, obj=enterprise, before=before, after=after)
    return enterprise


@transaction.atomic
def indicator_set(
    *,
    actor: Actor,
    enterprise: Enterprise,
    year: int,
    revenue: Decimal | None = None,
    tax: Decimal | None = None,
    employees: int | None = None,
    rd_spend: Decimal | None = None,
) -> Indicator:
    """Create or replace one year's figures (amounts in 万元). Officials in scope and the enterprise's
    own users may."""
    if not permissions.may_edit_details(actor, enterprise):
        raise PermissionDenied(_("您无权填报该企业的指标。"))
    values: dict[str, Any] = {"revenue": revenue, "tax": tax, "employees": employees, "rd_spend": rd_spend}
    existing = Indicator.objects.select_for_update().filter(enterprise=enterprise, year=year).first()
    if existing is None:
        return audited_create(model=Indicator, actor=actor, enterprise=enterprise, year=year, **values)
    return audited_update(obj=existing, actor=actor, **values)


@transaction.atomic
def contact_add(
    *, actor: Actor, enterprise: Enterprise, name: str, title: str = "", phone: str = "", is_primary: bool = False
) -> Contact:
    """Add a contact person. Officials in scope and the enterprise's own users may."""
    if not permissions.may_edit_details(actor, enterprise):
        raise PermissionDenied(_("您无权修改该企业的联系人。"))
    return audited_create(
        model=Contact,
        actor=actor,
        enterprise=enterprise,
        name=name.strip(),
        title=title.strip(),
        phone=phone.strip(),
        is_primary=is_primary,
    )


@transaction.atomic
def contact_update(*, actor: Actor, contact: Contact, **changes: Any) -> Contact:
    """Change name, title, phone or is_primary of a contact."""
    if not permissions.may_edit_details(actor, contact.enterprise):
        raise PermissionDenied(_("您无权修改该企业的联系人。"))
    unknown = set(changes) - {"name", "title", "phone", "is_primary"}
    if unknown:
        raise TypeError(f"contact_update: unknown fields {sorted(unknown)}")
    return audited_update(obj=contact, actor=actor, **changes)


@transaction.atomic
def contact_remove(*, actor: Actor, contact: Contact) -> None:
    """Delete a contact; the audit line keeps what it held."""
    enterprise = contact.enterprise
    if not permissions.may_edit_details(actor, enterprise):
        raise PermissionDenied(_("您无权修改该企业的联系人。"))
    before = audit.snapshot(contact)
    audit.record(
        action=AuditAction.DELETE, actor=actor, obj=contact, before=before, message=f"删除联系人（{enterprise}）"
    )
    contact.delete()
