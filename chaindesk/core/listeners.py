"""Listeners on the audited writes: every write of the product goes through the audit trail (one line per record
created, changed, moved, restored or deleted: `audit.line`, a batch's `bulk.Trail`, an import's undo), so the
trail is the one place that hears of them all. A later app registers a listener for a model (`listen`); each line
of that model calls it with a `Change`: the record's model and id, the instance as the writer holds it (when it
has one) and the line's `before` and `after` (JSON values, foreign keys by id; `None` before a creation and after
a deletion). The rollups keep their tables in step this way (chaindesk.rollups).

Core names no domain app: listeners register themselves in their app's `ready()`."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models


@dataclass(frozen=True)
class Change:
    model: type[models.Model]
    pk: Any
    obj: models.Model | None  # None when the writer holds no instance (an undo's lines)
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    action: str


Listener = Callable[[Change], None]

_listeners: dict[type[models.Model], list[Listener]] = defaultdict(list)


def listen(model: type[models.Model], listener: Listener) -> None:
    """Call `listener(change)` for every audit line of `model` (a listener registers once)."""
    if listener not in _listeners[model]:
        _listeners[model].append(listener)


def heard(
    model: type[models.Model] | None,
    pk: Any,
    obj: models.Model | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    action: str,
) -> None:
    """An audit line was made about the record `pk` of `model`: tell the model's listeners (if it has any)."""
    listeners = _listeners.get(model) if model is not None else None  # type: ignore[call-overload]
    if not listeners:
        return
    change = Change(model=model, pk=pk, obj=obj, before=before, after=after, action=action)  # type: ignore[arg-type]
    for listener in listeners:
        listener(change)
