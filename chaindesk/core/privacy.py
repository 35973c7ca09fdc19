"""Field rules declared once per model: personal data masked, staff-only fields withheld.

A model whose audit lines carry personal fields lists them in PERSONAL_FIELDS and says who may read them
in full with a method `personal_data_visible_to(user) -> bool`; the history tab masks them for everyone
else.

A model with internal working notes (a visit's notes, a task's instructions and escalation marks) lists them
in `staff_only_fields`. Enterprise users never read them: the history tab withholds their values and the
pages and the API that show such an object to an enterprise user blank them (`withhold_staff_fields`)."""

from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import models

# The role that never reads staff-only fields (the value of accounts.choices.Role.ENTERPRISE: core names
# no domain app).
OUTSIDE_ROLES = frozenset({"enterprise"})

M = TypeVar("M", bound=models.Model)


def mask_phone(phone: str) -> str:
    """13812341234 → 138****1234; shorter numbers keep only their last two digits."""
    digits = phone.strip()
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) > 2:
        return "*" * (len(digits) - 2) + digits[-2:]
    return digits


def personal_fields_hidden_from(obj: models.Model, user: Any) -> frozenset[str]:
    """The personal fields of `obj` that `user` may not read in full (empty when all are readable)."""
    fields = frozenset(getattr(obj, "PERSONAL_FIELDS", ()))
    if not fields:
        return frozenset()
    check = getattr(obj, "personal_data_visible_to", None)
    if check is not None and check(user):
        return frozenset()
    return fields


def reads_staff_fields(user: Any) -> bool:
    """Officials read internal notes; enterprise users (and the anonymous) do not."""
    return bool(getattr(user, "is_authenticated", False)) and getattr(user, "role", None) not in OUTSIDE_ROLES


def staff_fields_hidden_from(obj: models.Model | type[models.Model], user: Any) -> frozenset[str]:
    """The staff-only fields of `obj` (a model or an instance) that `user` may not read."""
    fields = frozenset(getattr(obj, "staff_only_fields", ()))
    if not fields or reads_staff_fields(user):
        return frozenset()
    return fields


def withhold_staff_fields(objs: Iterable[M], user: Any) -> list[M]:
    """Blank the staff-only fields of objects shown to a reader who may not read them (empty text, no
    date), so no template or schema can show them; the names withheld are kept in `withheld_fields`.
    The objects are for display only: never save them."""
    result = list(objs)
    for obj in result:
        hidden = staff_fields_hidden_from(obj, user)
        for name in hidden:
            field = obj._meta.get_field(name)
            setattr(obj, field.attname, None if field.null else "")  # type: ignore[union-attr]
        obj.withheld_fields = hidden  # type: ignore[attr-defined]
    return result
