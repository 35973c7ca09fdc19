"""Audited writes the apps' services share besides `core.services`: a many-to-many set replaced (its ids
before and after in the audit line), and a date a row keeps as derived from other rows (an enterprise's last
visit, a talent's last contact), audited when it moves. Call them inside the service's transaction."""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import models
from django.db.models import Case, F, Q, Value, When

from . import audit
from .actors import Actor
from .models import AuditAction


def set_related(*, obj: models.Model, name: str, values: Sequence[models.Model], actor: Actor) -> None:
    """Replace `obj`'s many-to-many `name` with `values`; when the set changes, the sorted ids before and after
    go to the audit trail (no write, no line, when it does not)."""
    manager = getattr(obj, name)
    old = sorted(manager.values_list("pk", flat=True))
    new = sorted(v.pk for v in values)
    if old == new:
        return
    manager.set(values)
    audit.record(action=AuditAction.UPDATE, actor=actor, obj=obj, before={name: old}, after={name: new})


def stored(obj: models.Model, name: str) -> Any:
    """The value of `obj`'s field `name` as the database holds it now (one query)."""
    return type(obj)._default_manager.filter(pk=obj.pk).values_list(name, flat=True).get()


def raise_date(*, obj: models.Model, name: str, on: dt.date, actor: Actor, message: str) -> None:
    """`obj.<name>` = max(stored, `on`) as one UPDATE (safe under concurrent writes), then `record_derived`."""
    before = stored(obj, name)
    later = Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__lt": on})
    type(obj)._default_manager.filter(pk=obj.pk).update(**{name: Case(When(later, then=Value(on)), default=F(name))})
    record_derived(obj=obj, name=name, before=before, actor=actor, message=message)


def record_derived(*, obj: models.Model, name: str, before: dt.date | None, actor: Actor, message: str) -> None:
    """After an UPDATE of the derived date `name`: the stored value onto `obj`, and, when it moved from
    `before`, an audit line saying what it is derived from (`message`)."""
    after = stored(obj, name)
    setattr(obj, name, after)
    if after != before:
        audit.record(
            action=AuditAction.UPDATE,
            actor=actor,
            obj=obj,
            before={name: before.isoformat() if before else None},
            after={name: after.isoformat() if after else None},
            message=message,
        )
