"""Personal data (phones) shown masked to roles that do not need it: in pages, exports and the history tab.

A model whose audit lines carry personal fields lists them in PERSONAL_FIELDS and says who may read them
in full with a method `personal_data_visible_to(user) -> bool`; the history tab masks them for everyone
else."""

from typing import Any

from django.db import models


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
