"""The one compare-and-set state change of the product (projects, leads, demands, tasks, 上争事项).

A move writes its fields in one conditional UPDATE that holds only while the row is still in the state the
mover saw: of two concurrent moves from the same state exactly one updates the row, the other updates none
and gets `InvalidTransition` (HTTP 409, "已被他人变更…") naming the state the row is in now. The winner's
audit line (TRANSITION) holds the state and the other written fields before and after.
"""

from collections.abc import Callable, Collection, Mapping
from typing import Any

from django.db import models

from . import audit
from .actors import Actor
from .exceptions import InvalidTransition
from .models import AuditAction


def compare_and_set(
    obj: models.Model,
    *,
    field: str,
    expected: str,
    fields: Mapping[str, Any],
    actor: Actor,
    stale: Callable[[str], str],
    message: str = "",
    unaudited: Collection[str] = (),
) -> None:
    """Write `fields` to `obj`'s row if its `field` still holds `expected`, else raise InvalidTransition with
    `stale(state_now)`. The audit line's "before" is `expected` and the instance's values of the other written
    fields (the instance is as the mover loaded it); fields in `unaudited` (expressions, links) stay out of it.
    The instance itself is left as it was: the caller applies what it needs once its whole service succeeds."""
    manager = type(obj)._default_manager
    if manager.filter(pk=obj.pk, **{field: expected}).update(**fields) == 0:
        now = manager.filter(pk=obj.pk).values_list(field, flat=True).first()
        raise InvalidTransition(stale(str(now or "")))
    before = {field: expected, **{k: getattr(obj, k) for k in fields if k != field and k not in unaudited}}
    after = {k: v for k, v in fields.items() if k not in unaudited}
    audit.record(
        action=AuditAction.TRANSITION,
        actor=actor,
        obj=obj,
        before={k: audit.json_value(v) for k, v in before.items()},
        after={k: audit.json_value(v) for k, v in after.items()},
        message=message,
    )
