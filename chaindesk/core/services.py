"""Generic audited writes shared by the apps' services. Every write goes through one of these."""

from typing import Any, TypeVar

from django.db import models, transaction

from . import audit
from .actors import Actor, require_actor
from .models import AuditAction

M = TypeVar("M", bound=models.Model)


@transaction.atomic
def audited_create(*, model: type[M], actor: Actor, message: str = "", **fields: Any) -> M:
    """Create and validate an object, then record it in the audit trail in the same transaction."""
    require_actor(actor)
    obj = model(**{k: v for k, v in fields.items() if not _is_m2m(model, k)})
    obj.full_clean()
    obj.save()
    for name, values in fields.items():
        if _is_m2m(model, name):
            getattr(obj, name).set(values)
    audit.record(action=AuditAction.CREATE, actor=actor, obj=obj, after=audit.snapshot(obj), message=message)
    return obj


@transaction.atomic
def audited_update(*, obj: M, actor: Actor, message: str = "", **changes: Any) -> M:
    """Apply field changes, validate, save and record before/after of what actually changed."""
    require_actor(actor)
    before = audit.snapshot(obj)
    for name, value in changes.items():
        setattr(obj, name, value)
    obj.full_clean()
    obj.save()
    changed_before, changed_after = audit.diff(before, audit.snapshot(obj))
    if changed_after:
        audit.record(
            action=AuditAction.UPDATE,
            actor=actor,
            obj=obj,
            before=changed_before,
            after=changed_after,
            message=message,
        )
    return obj


def _is_m2m(model: type[models.Model], name: str) -> bool:
    try:
        field = model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - unknown names fall through to the model constructor
        return False
    return bool(field.many_to_many)
