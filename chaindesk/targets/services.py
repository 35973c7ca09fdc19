"""Writes of the annual targets and of the lights' thresholds. Keyword-only, atomic, audited.

`targets_save` takes one owner's whole row of the ledger for a year (every metric it can have): a figure
creates or changes that metric's target, an empty one removes it, an unchanged one writes nothing. Refusals:
PermissionDenied outside the actor's reach (chaindesk.targets.permissions), ValidationError with a Chinese
message for a bad figure (negative, a rate above 100, a metric the owner cannot have, a year out of range);
nothing is written then."""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from chaindesk.core import audit
from chaindesk.core.actors import Actor, require_actor
from chaindesk.core.models import AuditAction
from chaindesk.core.services import audited_create, audited_update

from .choices import SPECS, Metric, Owner
from .models import LightRule, Target
from .permissions import may_edit_rule, may_set, refusal

YEARS = range(2000, 2101)
LIMIT = Decimal("999999999999.99")


@dataclass(frozen=True)
class Saved:
    created: int = 0
    changed: int = 0
    removed: int = 0

    @property
    def total(self) -> int:
        return self.created + self.changed + self.removed


def _owner_fields(owner: str, owner_obj: Any) -> dict[str, Any]:
    if owner not in Owner.values:
        raise ValueError(owner)
    return {"owner": owner, Owner(owner).value: owner_obj}


def check_values(owner: str, values: Mapping[str, Decimal | None]) -> None:
    """ValidationError (keyed by metric) for figures the owner cannot have or that make no sense."""
    errors: dict[str, str] = {}
    for metric, value in values.items():
        spec = SPECS.get(metric)
        if spec is None or owner not in spec.owners:
            errors[metric] = _("“%(owner)s”没有“%(metric)s”这项目标。") % {
                "owner": Owner(owner).label,
                "metric": Metric(metric).label if metric in Metric.values else metric,
            }
        elif value is not None and (value < 0 or value > LIMIT):
            errors[metric] = _("目标值须为不小于 0 的数值。")
        elif value is not None and spec.is_rate and value > 100:
            errors[metric] = _("比率类目标须在 0 到 100 之间（单位：%）。")
        elif value is not None and value.as_tuple().exponent < -2:  # type: ignore[operator]
            errors[metric] = _("目标值最多保留两位小数。")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def targets_save(
    *,
    actor: Actor,
    year: int,
    owner: str,
    owner_obj: Any,
    values: Mapping[str, Decimal | None],
    notes: Mapping[str, str] | None = None,
) -> Saved:
    """Set one owner's targets for the year: each metric in `values` is created, changed or (None) removed."""
    require_actor(actor)
    if not may_set(actor, owner, getattr(owner_obj, "pk", None)):
        raise refusal(owner)
    if year not in YEARS:
        raise ValidationError({"year": _("年度须在 2000 到 2100 之间。")})
    check_values(owner, values)
    notes = notes or {}
    fields = _owner_fields(owner, owner_obj)
    existing = {t.metric: t for t in Target.objects.select_for_update().filter(year=year, **fields).order_by("pk")}
    created = changed = removed = 0
    for metric, value in values.items():
        target, note = existing.get(metric), (notes.get(metric) or "").strip()
        if value is None:
            if target is not None:
                audit.record(action=AuditAction.DELETE, actor=actor, obj=target, before=audit.snapshot(target))
                target.delete()
                removed += 1
        elif target is None:
            audited_create(
                model=Target, actor=actor, year=year, metric=metric, value=value, note=note, updated_by=actor, **fields
            )
            created += 1
        elif target.value != value or target.note != note:
            audited_update(obj=target, actor=actor, value=value, note=note, updated_by=actor)
            changed += 1
    return Saved(created, changed, removed)


@transaction.atomic
def light_rule_save(
    *, actor: Actor, yellow: Decimal, red: Decimal, rate_yellow: Decimal, rate_red: Decimal
) -> LightRule:
    """Change the thresholds of the lights (city leaders)."""
    require_actor(actor)
    if not may_edit_rule(actor):
        raise PermissionDenied(_("只有市领导可以修改红黄绿灯阈值。"))
    errors: dict[str, str] = {}
    for name, value in {"yellow": yellow, "red": red, "rate_yellow": rate_yellow, "rate_red": rate_red}.items():
        if not 0 <= value <= 100:
            errors[name] = _("阈值须在 0 到 100 个百分点之间。")
    if "red" not in errors and "yellow" not in errors and red <= yellow:
        errors["red"] = _("红灯阈值须大于黄灯阈值。")
    if "rate_red" not in errors and "rate_yellow" not in errors and rate_red <= rate_yellow:
        errors["rate_red"] = _("红灯阈值须大于黄灯阈值。")
    if errors:
        raise ValidationError(errors)
    changes: dict[str, Any] = {
        "yellow": yellow,
        "red": red,
        "rate_yellow": rate_yellow,
        "rate_red": rate_red,
        "updated_by": actor,
    }
    rule = LightRule.objects.select_for_update().filter(pk=1).first()
    if rule is None:
        return audited_create(model=LightRule, actor=actor, pk=1, **changes)
    return audited_update(obj=rule, actor=actor, **changes)
