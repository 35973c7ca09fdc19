"""Writing the audit trail. Services call `record` inside their own transaction."""

import datetime as dt
import decimal
import functools
import uuid
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.fields.files import FieldFile

from . import context, listeners
from .actors import SystemActor
from .models import AuditAction, AuditLog

_PLAIN = (str, int, float, bool, type(None))


def json_value(value: Any) -> Any:
    if type(value) in _PLAIN:
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, FieldFile):  # a stored upload: its (random) name in the storage
        return value.name or ""
    if isinstance(value, list | tuple | set):
        return [json_value(v) for v in value]
    return value


@functools.cache
def _snapshot_fields(model: type[models.Model]) -> tuple[tuple[str, str], ...]:
    return tuple((f.name, f.attname) for f in model._meta.concrete_fields if f.name != "password")


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of `obj` as JSON-safe data (foreign keys by id); never a password."""
    return {
        name: json_value(getattr(obj, attname))
        for name, attname in _snapshot_fields(type(obj))
        if fields is None or name in fields
    }


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields whose value changed, as (before, after)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def line(
    *,
    action: str | AuditAction,
    actor: Any = None,
    obj: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    message: str = "",
    actor_name: str = "",
    request_id: str = "",
) -> AuditLog:
    """One audit line, not yet saved: what `record` writes, for `record_many` to write many in one statement
    (an import batch). `request_id` overrides the current request's (a batch names its own lines)."""
    ctx = context.current()
    user = actor if getattr(actor, "is_authenticated", False) else None
    if isinstance(actor, SystemActor):  # the trail names the system actor ("系统·督办升级")
        actor_name = actor_name or str(actor)
    entry = AuditLog(
        actor=user,
        actor_name=actor_name or (user.get_username() if user else ""),
        ip=ctx.ip,
        request_id=request_id or ctx.request_id,
        action=str(action),
        before=before,
        after=after,
        message=message,
    )
    if obj is not None:
        entry.content_type = ContentType.objects.get_for_model(obj)
        entry.object_id = str(obj.pk)
        entry.object_repr = str(obj)[:255]
        listeners.heard(type(obj), obj.pk, obj, before, after, str(action))
    return entry


def record_many(lines: list[AuditLog]) -> None:
    """Write the lines made by `line`, in their order (ids increase with it), in batches."""
    AuditLog.objects.bulk_create(lines, batch_size=2000)


def record(
    *,
    action: str | AuditAction,
    actor: Any = None,
    obj: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    message: str = "",
    actor_name: str = "",
) -> AuditLog:
    """Append one audit line, with the request id and client address of the current request."""
    entry = line(
        action=action, actor=actor, obj=obj, before=before, after=after, message=message, actor_name=actor_name
    )
    entry.save()
    return entry
