"""Audit lines made readable: Chinese field names, related objects by name, local times, choice labels.

Foreign keys are stored in the audit trail as ids; `describe` resolves them for a whole page of lines with
one query per related model, so a history page stays within its query budget."""

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import AuditLog
from .privacy import mask_phone

Change = tuple[str, str, str]


def _field(model: type[models.Model] | None, name: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _format(field: models.Field[Any, Any] | None, value: Any, names: dict[tuple[type, Any], str]) -> str:
    if value is None or value == "":
        return "—"
    if field is not None and field.is_relation and field.related_model is not None:
        return names.get((field.related_model, value), f"#{value}")
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool) or (field is not None and isinstance(field, models.BooleanField)):
        return "是" if value else "否"
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        try:
            return timezone.localtime(dt.datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _related_names(entries: Iterable[AuditLog]) -> dict[tuple[type, Any], str]:
    wanted: dict[Any, set[Any]] = defaultdict(set)
    for entry in entries:
        model = entry.content_type.model_class() if entry.content_type else None
        for name, before, after in entry.changed_fields():
            field = _field(model, name)
            if field is not None and field.is_relation and field.related_model is not None:
                wanted[field.related_model].update(v for v in (before, after) if v not in (None, ""))
    names: dict[tuple[type, Any], str] = {}
    for related, ids in wanted.items():
        for obj in related._default_manager.filter(pk__in=ids):
            names[(related, obj.pk)] = str(obj)
    return names


def describe(
    entries: list[AuditLog], masked: frozenset[str] = frozenset(), withheld: frozenset[str] = frozenset()
) -> dict[int, list[Change]]:
    """For each audit line (by id): (field label, before, after) as a person reads them. Values of the
    fields in `masked` (personal data the reader may not see in full) are shown masked; values of the fields
    in `withheld` (staff-only notes the reader may not read at all) are not shown."""
    names = _related_names(entries)
    hidden = _("（内部信息，不予显示）")
    result: dict[int, list[Change]] = {}
    for entry in entries:
        model = entry.content_type.model_class() if entry.content_type else None
        rows = []
        for name, before, after in entry.changed_fields():
            if name == "id":  # the object's own key: the line already says which object it is
                continue
            field = _field(model, name)
            label = str(field.verbose_name) if field is not None else name
            shown = [_format(field, v, names) for v in (before, after)]
            if name in withheld:
                shown = [v if v == "—" else hidden for v in shown]
            elif name in masked:
                shown = [v if v == "—" else mask_phone(v) for v in shown]
            rows.append((label, shown[0], shown[1]))
        result[entry.pk] = rows
    return result
