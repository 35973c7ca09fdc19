"""Writes of items sought from higher levels (上争事项): create, edit and the stage machine.

Keyword-only, atomic, audited in the same transaction. Refusals: PermissionDenied for an actor without the
right, ValidationError with a Chinese message for bad input, InvalidTransition (HTTP 409) for a stage move the
machine does not allow or when someone else changed the stage first (compare-and-set on the stage).

Who may write: city leaders and team members for items on their chains, department handlers for their own
department's items, district admins for items located in their district (chaindesk.upward.permissions).
Liaisons read only."""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from chaindesk.core import audit, clock
from chaindesk.core.actors import Actor
from chaindesk.core.exceptions import InvalidTransition
from chaindesk.core.models import AuditAction
from chaindesk.core.services import audited_create, audited_update
from chaindesk.core.transitions import compare_and_set
from chaindesk.enterprises.models import Enterprise
from chaindesk.projects.models import Project

from .choices import UPWARD_TRANSITIONS, UpwardStage
from .models import UpwardRequest
from .permissions import can_manage, in_scope, may_create, scope_error

# Facts a user may set on create or edit; the stage, its date and the bookkeeping belong to the services.
EDITABLE = frozenset(
    {
        "title",
        "kind",
        "level",
        "counterpart",
        "window_opens_on",
        "deadline",
        "department",
        "chain",
        "region",
        "amount_sought",
        "amount_obtained",
        "description",
    }
)
LINKS = ("enterprises", "projects")
STAGE_ORDER = [s.value for s in UpwardStage]


# --- checks --------------------------------------------------------------------------------------------


def _check_facts(values: dict[str, Any], stage: str) -> None:
    opens, deadline = values.get("window_opens_on"), values.get("deadline")
    if opens and deadline and deadline < opens:
        raise ValidationError({"deadline": _("申报截止日期不能早于申报窗口开始日期。")})
    obtained = values.get("amount_obtained")
    if obtained is not None and stage != UpwardStage.APPROVED:
        raise ValidationError({"amount_obtained": _("获批金额只能在事项“获批”后填写。")})
    for field in ("amount_sought", "amount_obtained"):
        amount = values.get(field)
        if amount is not None and (not isinstance(amount, Decimal) or amount < 0):
            raise ValidationError({field: _("金额须为不小于 0 的数值（万元）。")})


def _links(actor: Actor, item: UpwardRequest | None, name: str, chosen: Iterable[Any]) -> list[Any]:
    """The new set of linked enterprises or projects. Newly added ones must be visible to the actor; links the
    actor cannot see (set by someone else) stay as they are."""
    model: Any = Enterprise if name == "enterprises" else Project
    chosen_ids = {obj.pk for obj in chosen}
    existing = set(getattr(item, name).values_list("pk", flat=True)) if item is not None else set()
    visible = set(model.objects.visible_to(actor).filter(pk__in=chosen_ids | existing).values_list("pk", flat=True))
    added = chosen_ids - existing
    if added - visible:
        label = _("企业") if name == "enterprises" else _("项目")
        raise ValidationError({name: _("只能关联您可查看的%(what)s。") % {"what": label}})
    return list(model.objects.filter(pk__in=chosen_ids | (existing - visible)))


# --- create and edit -----------------------------------------------------------------------------------


@transaction.atomic
def upward_create(
    *,
    actor: Actor,
    title: str,
    kind: str,
    level: str,
    department: Any,
    enterprises: Iterable[Enterprise] = (),
    projects: Iterable[Project] = (),
    **fields: Any,
) -> UpwardRequest:
    """Register an item at 谋划. The obtained amount waits for 获批."""
    unknown = set(fields) - EDITABLE
    if unknown:
        raise TypeError(f"not editable on create: {sorted(unknown)}")
    if not may_create(actor):
        raise PermissionDenied(_("您无权登记上争事项。"))
    chain, region = fields.get("chain"), fields.get("region")
    if not in_scope(
        actor,
        chain_id=getattr(chain, "pk", None),
        department_id=getattr(department, "pk", None),
        region_id=getattr(region, "pk", None),
    ):
        raise scope_error(actor)
    _check_facts(fields, UpwardStage.PLANNING)
    links: dict[str, Any] = {"enterprises": _links(actor, None, "enterprises", enterprises)}
    links["projects"] = _links(actor, None, "projects", projects)
    return audited_create(
        model=UpwardRequest,
        actor=actor,
        title=title,
        kind=kind,
        level=level,
        department=department,
        created_by=actor,
        **fields,
        **links,
    )


@transaction.atomic
def upward_update(*, item: UpwardRequest, actor: Actor, **changes: Any) -> UpwardRequest:
    """Change the item's facts and links (never its stage: that moves with upward_advance)."""
    unknown = set(changes) - EDITABLE - set(LINKS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    current = UpwardRequest.objects.select_for_update().get(pk=item.pk)
    if not can_manage(actor, current):
        raise PermissionDenied(_("您无权修改该上争事项。"))
    facts = {k: v for k, v in changes.items() if k in EDITABLE}
    merged = {f: getattr(current, f) for f in EDITABLE} | facts
    if not in_scope(
        actor,
        chain_id=getattr(merged["chain"], "pk", None),
        department_id=getattr(merged["department"], "pk", None),
        region_id=getattr(merged["region"], "pk", None),
    ):
        raise scope_error(actor)
    _check_facts(merged, current.stage)
    links = {name: _links(actor, current, name, changes[name]) for name in LINKS if name in changes}
    audited_update(obj=current, actor=actor, **facts)
    for name, objs in links.items():
        before = sorted(getattr(current, name).values_list("pk", flat=True))
        after = sorted(obj.pk for obj in objs)
        if before != after:
            getattr(current, name).set(objs)
            audit.record(
                action=AuditAction.UPDATE, actor=actor, obj=current, before={name: before}, after={name: after}
            )
    item.refresh_from_db()
    return item


# --- stages --------------------------------------------------------------------------------------------


def allowed_stages(item: UpwardRequest) -> list[str]:
    """The stages the item may move to now, in the order the page offers them."""
    targets = UPWARD_TRANSITIONS.get(item.stage, frozenset())
    return [s for s in STAGE_ORDER if s in targets]


def _label(stage: str) -> str:
    return str(UpwardStage(stage).label) if stage in STAGE_ORDER else stage


def _stale(stage_now: str) -> str:
    return _("该事项的阶段已被他人变更为“%(stage)s”，请刷新页面后再操作。") % {"stage": _label(stage_now)}


def _check_advance(current: UpwardRequest, to_stage: str, on: dt.date, amount_obtained: Decimal | None) -> None:
    if to_stage not in UPWARD_TRANSITIONS.get(current.stage, frozenset()):
        raise InvalidTransition(
            _("上争事项不能从“%(from)s”变更为“%(to)s”。") % {"from": _label(current.stage), "to": _label(to_stage)}
        )
    if on > clock.today():
        raise ValidationError(_("变更日期不能晚于今天。"), code="future")
    if current.stage_changed_on and on < current.stage_changed_on:
        raise ValidationError(
            _("变更日期不能早于上一次阶段变更（%(date)s）。") % {"date": current.stage_changed_on.isoformat()},
            code="date_order",
        )
    if amount_obtained is not None:
        if to_stage != UpwardStage.APPROVED:
            raise ValidationError(_("获批金额只能在事项“获批”时填写。"), code="amount_stage")
        if amount_obtained < 0:
            raise ValidationError(_("获批金额不能为负数。"), code="amount_negative")


@transaction.atomic
def upward_advance(
    *,
    item: UpwardRequest,
    to_stage: str,
    on: dt.date,
    actor: Actor,
    expected_stage: str | None = None,
    amount_obtained: Decimal | None = None,
) -> UpwardRequest:
    """Move the item to `to_stage` as of `on`, if it is still in `expected_stage` (compare-and-set): of two
    concurrent moves from the same stage exactly one wins, the other gets InvalidTransition (HTTP 409).
    获批 may record the amount obtained (万元)."""
    if not can_manage(actor, item):
        raise PermissionDenied(_("您无权变更该上争事项的阶段。"))
    expected = expected_stage or item.stage
    current = UpwardRequest.objects.get(pk=item.pk)
    if current.stage != expected:
        raise InvalidTransition(_stale(current.stage))
    _check_advance(current, to_stage, on, amount_obtained)
    fields: dict[str, Any] = {"stage": to_stage, "stage_changed_on": on}
    if amount_obtained is not None:
        fields["amount_obtained"] = amount_obtained
    compare_and_set(
        current,
        field="stage",
        expected=expected,
        fields=fields,
        actor=actor,
        stale=_stale,
        message=_("阶段：%(from)s → %(to)s") % {"from": _label(expected), "to": _label(to_stage)},
    )
    item.refresh_from_db()
    return item
