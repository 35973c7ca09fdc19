"""The registry's set-based write for an import batch (chaindesk.transfer): many enterprises, their contacts and
yearly indicators created or changed in one transaction, with the rights and validation of the forms' services
(enterprise_create / enterprise_update / indicator_set / contact_add) and an audit line per record written.

It is set-based because a city's ledger holds tens of thousands of rows: the records are validated one by one
(`clean_fields`, the USCC checksum) but read and written in batches (`bulk_create`, `bulk_update`), and the audit
lines go in with them (chaindesk.core.bulk), each carrying the batch's `tag` as its request id so the batch can be
found, shown and undone. New enterprises are written CHUNK at a time, each chunk with its indicators and contacts,
so a ledger of 100 000 never holds more than one chunk's records in memory. Refusals: PermissionDenied naming the
first record outside the actor's rights and ValidationError naming an unknown or repeated code, before anything is
written; ValidationError naming the first invalid or already registered record of a chunk, which rolls back what
earlier chunks wrote (the whole import is one transaction).
"""

import dataclasses
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from chaindesk.accounts.models import Region
from chaindesk.chains.models import Chain, ChainNode
from chaindesk.core import audit, bulk
from chaindesk.core.actors import Actor, is_system, require_actor
from chaindesk.core.bulk import among

from . import permissions
from .models import Contact, Enterprise, Indicator, Qualification

BATCH = 1000
CHUNK = 5000  # new enterprises written at a time, with their indicators and contacts
R = TypeVar("R", Indicator, Contact)  # a record of an enterprise made by the import


@dataclasses.dataclass
class NewEnterprise:
    name: str
    uscc: str
    region: Region
    address: str = ""
    founded_on: dt.date | None = None
    business: str = ""
    honours: str = ""
    chains: Sequence[Chain] = ()
    nodes: Sequence[ChainNode] = ()
    qualifications: Sequence[Qualification] = ()


@dataclasses.dataclass
class EnterpriseChange:
    """Field changes of a registered enterprise; `nodes` and `qualifications` replace the current ones when not
    None; `chains` are added (manual memberships are kept, as enterprise_update does)."""

    enterprise: Enterprise
    fields: dict[str, Any] = dataclasses.field(default_factory=dict)
    chains: Sequence[Chain] = ()
    nodes: Sequence[ChainNode] | None = None
    qualifications: Sequence[Qualification] | None = None


@dataclasses.dataclass
class IndicatorRow:
    uscc: str
    year: int
    values: dict[str, Decimal | int | None]  # revenue, tax, employees, rd_spend: only the ones the file gives


@dataclasses.dataclass
class ContactRow:
    uscc: str
    name: str
    title: str = ""
    phone: str = ""


PROFILE_FIELDS = ("name", "uscc", "region", "address", "founded_on", "business", "honours")
INDICATOR_FIELDS = ("revenue", "tax", "employees", "rd_spend")


def _check_rights(actor: Actor, new: Sequence[NewEnterprise], changes: Sequence[EnterpriseChange]) -> None:
    if is_system(actor):
        return
    for item in new:
        chain_ids = {chain.pk for chain in item.chains} | {node.chain_id for node in item.nodes}
        if not permissions.may_create_in(actor, region_id=item.region.pk, chain_ids=chain_ids):
            raise PermissionDenied(_("您无权在该产业链或地区新增企业：%(name)s") % {"name": item.name})
    ids = [change.enterprise.pk for change in changes]
    editable: set[int] = set()
    if actor.role == "liaison":
        editable = {c.enterprise.pk for c in changes if c.enterprise.liaison_id == actor.pk}
    elif permissions.may_create(actor):
        for matching in among(Enterprise.objects.visible_to(actor), "pk", ids):
            editable.update(matching.values_list("pk", flat=True))
    for change in changes:
        if change.enterprise.pk not in editable:
            raise PermissionDenied(_("您无权修改该企业：%(name)s") % {"name": change.enterprise.name})


def _check_new(new: Sequence[NewEnterprise]) -> list[Enterprise]:
    objs = []
    make, region = bulk.Maker(Enterprise), Enterprise._meta.get_field("region")
    for item in new:
        obj = make(
            name=item.name.strip(),
            uscc=item.uscc,
            region_id=item.region.pk,
            address=item.address.strip(),
            founded_on=item.founded_on,
            business=item.business,
            honours=item.honours,
        )
        region.set_cached_value(obj, item.region)  # type: ignore[attr-defined]
        obj.clean_fields(exclude=["region", "liaison", "leader"])
        objs.append(obj)
    codes = [obj.uscc for obj in objs]
    for matching in among(Enterprise.objects.only("name", "uscc"), "uscc", codes):
        existing = matching.first()
        if existing is not None:
            raise ValidationError(
                _("该统一社会信用代码已登记：%(name)s") % {"name": existing.name}, code="duplicate_uscc"
            )
    return objs


def _link(through: Any, left: str, right: str, pairs: Sequence[tuple[int, int]]) -> None:
    bulk.insert(through, (left, right), pairs, ignore_conflicts=True)


def _m2m_after(item: NewEnterprise) -> dict[str, list[int]]:
    chain_ids = sorted({c.pk for c in item.chains} | {n.chain_id for n in item.nodes})
    return {
        "chains": chain_ids,
        "nodes": sorted(n.pk for n in item.nodes),
        "qualifications": sorted(q.pk for q in item.qualifications),
    }


def _create(new: Sequence[NewEnterprise], trail: bulk.Trail) -> dict[str, Enterprise]:
    objs = _check_new(new)
    writes = bulk.Writes(Enterprise, trail)
    links = [_m2m_after(item) for item in new]
    for obj, m2m in zip(objs, links, strict=True):
        writes.new(obj, {k: v for k, v in m2m.items() if v})
    writes.save()
    chain_pairs, node_pairs, qual_pairs = [], [], []
    for obj, m2m in zip(objs, links, strict=True):
        chain_pairs += [(obj.pk, pk) for pk in m2m["chains"]]
        node_pairs += [(obj.pk, pk) for pk in m2m["nodes"]]
        qual_pairs += [(obj.pk, pk) for pk in m2m["qualifications"]]
    # New enterprises' links cannot be there already: inserted as they are (COPY on PostgreSQL), no conflict check.
    bulk.insert(Enterprise.chains.through, ("enterprise", "chain"), chain_pairs, returning=False)
    bulk.insert(Enterprise.nodes.through, ("enterprise", "chainnode"), node_pairs, returning=False)
    bulk.insert(Enterprise.qualifications.through, ("enterprise", "qualification"), qual_pairs, returning=False)
    return {obj.uscc: obj for obj in objs}


def current_m2m(ids: Sequence[int]) -> dict[str, dict[int, set[int]]]:
    current: dict[str, dict[int, set[int]]] = {"chains": {}, "nodes": {}, "qualifications": {}}
    for name, column in (("chains", "chain_id"), ("nodes", "chainnode_id"), ("qualifications", "qualification_id")):
        through = getattr(Enterprise, name).through
        for matching in among(through.objects.all(), "enterprise_id", ids):
            for left, right in matching.values_list("enterprise_id", column):
                current[name].setdefault(left, set()).add(right)
    return current


def _update(changes: Sequence[EnterpriseChange], trail: bulk.Trail) -> None:
    if not changes:
        return
    ids = [change.enterprise.pk for change in changes]
    current = current_m2m(ids)
    changed_objs: list[Enterprise] = []
    changed_fields: set[str] = set()
    node_adds: list[tuple[int, int]] = []
    chain_adds: list[tuple[int, int]] = []
    qual_adds: list[tuple[int, int]] = []
    node_drops: list[tuple[int, set[int]]] = []
    qual_drops: list[tuple[int, set[int]]] = []
    for change in changes:
        obj = change.enterprise
        unknown = set(change.fields) - set(PROFILE_FIELDS)
        if unknown:
            raise TypeError(f"enterprises_import: unknown fields {sorted(unknown)}")
        before_all = audit.snapshot(obj)
        for name, value in change.fields.items():
            setattr(obj, name, value)
        obj.clean_fields(exclude=["region", "liaison", "leader"])
        before, after = audit.diff(before_all, audit.snapshot(obj))
        if after:
            changed_objs.append(obj)
            changed_fields.update(change.fields)
        have_chains = current["chains"].get(obj.pk, set())
        want_nodes = {n.pk for n in change.nodes} if change.nodes is not None else None
        add_chains = ({c.pk for c in change.chains} | {n.chain_id for n in change.nodes or ()}) - have_chains
        if add_chains:
            before["chains"], after["chains"] = sorted(have_chains), sorted(have_chains | add_chains)
            chain_adds += [(obj.pk, pk) for pk in add_chains]
        for name, want, adds, drops in (
            ("nodes", want_nodes, node_adds, node_drops),
            (
                "qualifications",
                {q.pk for q in change.qualifications} if change.qualifications is not None else None,
                qual_adds,
                qual_drops,
            ),
        ):
            have = current[name].get(obj.pk, set())
            if want is not None and want != have:
                before[name], after[name] = sorted(have), sorted(want)
                adds += [(obj.pk, pk) for pk in want - have]
                if have - want:
                    drops.append((obj.pk, have - want))
        if after:
            trail.updated(obj, before, after)
    if changed_objs:
        bulk.update(Enterprise, sorted(changed_fields), changed_objs)
    _link(Enterprise.chains.through, "enterprise", "chain", chain_adds)
    _link(Enterprise.nodes.through, "enterprise", "chainnode", node_adds)
    _link(Enterprise.qualifications.through, "enterprise", "qualification", qual_adds)
    for through, column, drops in (
        (Enterprise.nodes.through, "chainnode_id", node_drops),
        (Enterprise.qualifications.through, "qualification_id", qual_drops),
    ):
        for pk, dropped in drops:
            through.objects.filter(enterprise_id=pk, **{f"{column}__in": dropped}).delete()


def _of(enterprise: Enterprise, record: R) -> R:
    """`record` (made with `enterprise_id`) holding its enterprise as `record.enterprise` would after a query: its
    audit line names it. Assigning `enterprise=` instead asks the database router twice per record (a tenth of an
    import's commit)."""
    record._meta.get_field("enterprise").set_cached_value(record, enterprise)  # type: ignore[union-attr]
    return record


def _indicators(rows: Sequence[IndicatorRow], by_uscc: dict[str, Enterprise], trail: bulk.Trail, *, fresh: bool) -> int:
    """`fresh`: the enterprises were created by this batch (none has an indicator to look up yet)."""
    if not rows:
        return 0
    ids = [] if fresh else sorted({by_uscc[row.uscc].pk for row in rows})
    existing: dict[tuple[int, int], Indicator] = {}
    for matching in among(Indicator.objects.all(), "enterprise_id", ids):
        for indicator in matching:
            existing[(indicator.enterprise_id, indicator.year)] = indicator
    writes, make = bulk.Writes(Indicator, trail), bulk.Maker(Indicator)
    for row in rows:
        enterprise = by_uscc[row.uscc]
        found = existing.get((enterprise.pk, row.year))
        if found is None:
            indicator = _of(enterprise, make(enterprise_id=enterprise.pk, year=row.year, **row.values))
            indicator.clean_fields(exclude=["enterprise"])
            writes.new(indicator)
            existing[(enterprise.pk, row.year)] = indicator
        elif found.pk is not None:
            writes.changing(found)
            for name, value in row.values.items():
                setattr(found, name, value)
            found.clean_fields(exclude=["enterprise"])
            writes.changed(found)
        else:  # a second row of the file for a year created above: its values win, as a second form save would
            for name, value in row.values.items():
                setattr(found, name, value)
            found.clean_fields(exclude=["enterprise"])
    return writes.save()


def _contacts(rows: Sequence[ContactRow], by_uscc: dict[str, Enterprise], trail: bulk.Trail, *, fresh: bool) -> int:
    if not rows:
        return 0
    ids = [] if fresh else sorted({by_uscc[row.uscc].pk for row in rows})
    existing: dict[tuple[int, str], Contact] = {}
    has_contacts: set[int] = set()
    for matching in among(Contact.objects.order_by("pk"), "enterprise_id", ids):
        for contact in matching:
            existing.setdefault((contact.enterprise_id, contact.name), contact)
            has_contacts.add(contact.enterprise_id)
    writes, make = bulk.Writes(Contact, trail), bulk.Maker(Contact)
    for row in rows:
        enterprise = by_uscc[row.uscc]
        found = existing.get((enterprise.pk, row.name))
        if found is None:
            contact = _of(
                enterprise,
                make(
                    enterprise_id=enterprise.pk,
                    name=row.name,
                    title=row.title,
                    phone=row.phone,
                    is_primary=enterprise.pk not in has_contacts,
                ),
            )
            contact.clean_fields(exclude=["enterprise"])
            writes.new(contact)
            existing[(enterprise.pk, row.name)] = contact
            has_contacts.add(enterprise.pk)
            continue
        updates = {k: v for k, v in (("title", row.title), ("phone", row.phone)) if v}
        if found.pk is not None:
            writes.changing(found)
        for name, value in updates.items():
            setattr(found, name, value)
        found.clean_fields(exclude=["enterprise"])
        if found.pk is not None:
            writes.changed(found)
    return writes.save()


def _grouped(rows: Sequence[Any]) -> dict[str, list[Any]]:
    """Indicator or contact rows by their enterprise's USCC, each group in the file's order."""
    groups: dict[str, list[Any]] = {}
    for row in rows:
        groups.setdefault(row.uscc, []).append(row)
    return groups


def _details(
    enterprises: dict[str, Enterprise],
    indicators: dict[str, list[IndicatorRow]],
    contacts: dict[str, list[ContactRow]],
    trail: bulk.Trail,
    *,
    fresh: bool,
) -> None:
    """The indicators, then the contacts, of `enterprises` (by USCC); `fresh`: enterprises this batch created."""
    _indicators([row for uscc in enterprises for row in indicators.get(uscc, ())], enterprises, trail, fresh=fresh)
    _contacts([row for uscc in enterprises for row in contacts.get(uscc, ())], enterprises, trail, fresh=fresh)


@transaction.atomic
def enterprises_import(
    *,
    actor: Actor,
    new: Sequence[NewEnterprise] = (),
    changes: Sequence[EnterpriseChange] = (),
    indicators: Sequence[IndicatorRow] = (),
    contacts: Sequence[ContactRow] = (),
    tag: str,
    message: str = "",
) -> dict[str, int]:
    """Create `new`, apply `changes`, then set the indicators and add or update the contacts of those
    enterprises (named by USCC: new ones or changed/unchanged ones passed in `changes` or registered). Every
    record written gets an audit line with request id `tag`. Returns the id of every enterprise named, by USCC."""
    require_actor(actor)
    _check_rights(actor, new, changes)
    codes = [item.uscc for item in new]
    if len(set(codes)) != len(codes):
        raise ValidationError(_("同一批导入中统一社会信用代码重复。"), code="duplicate_uscc")
    known = {change.enterprise.uscc: change.enterprise for change in changes}
    named: set[str] = {row.uscc for row in indicators} | {row.uscc for row in contacts}
    registered = named - set(codes) - set(known)
    for matching in among(Enterprise.objects.all(), "uscc", sorted(registered)):
        for enterprise in matching:
            known[enterprise.uscc] = enterprise
    unknown = sorted(registered - set(known))
    if unknown:
        raise ValidationError(_("未登记的统一社会信用代码：%(code)s") % {"code": unknown[0]}, code="unknown_uscc")
    if not is_system(actor):
        for uscc in sorted(registered):
            if not permissions.may_edit_details(actor, known[uscc]):
                raise PermissionDenied(_("您无权修改该企业：%(name)s") % {"name": known[uscc].name})
    trail = bulk.Trail(actor, tag=tag, message=message)
    by_indicator, by_contact = _grouped(indicators), _grouped(contacts)
    ids: dict[str, int] = {}
    for part in bulk.chunks(new, CHUNK):
        created = _create(part, trail)
        _details(created, by_indicator, by_contact, trail, fresh=True)
        ids |= {uscc: enterprise.pk for uscc, enterprise in created.items()}
    _update([c for c in changes if c.fields or c.chains or c.nodes is not None or c.qualifications is not None], trail)
    for part in bulk.chunks(sorted(known), CHUNK):
        _details({uscc: known[uscc] for uscc in part}, by_indicator, by_contact, trail, fresh=False)
    ids |= {uscc: enterprise.pk for uscc, enterprise in known.items()}
    trail.write()
    return ids
