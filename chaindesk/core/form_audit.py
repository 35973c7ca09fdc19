"""A form's limited choices are a permission boundary: a value outside them (a department, an enterprise or a
status the reader was never offered) is a forged request, recorded as a refusal (越权访问) with the field.

Forms that offer limited choices mix in `AuditedChoicesMixin`; the line names the signed-in user of the
request (chaindesk/core/context.py), the form and the field, and the refused value, cut short."""

from functools import cache
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from . import audit, context
from .models import AuditAction
from .picker import PickerMixin

# The codes Django's choice fields raise for a value outside their choices or queryset.
REFUSED_CHOICE_CODES = frozenset({"invalid_choice", "invalid_pk_value"})
VALUE_CHARS = 100


def refused_choices(form: forms.BaseForm) -> list[str]:
    """The fields of a bound form whose submitted value is outside the choices it offers."""
    if not form.is_bound:
        return []
    return [
        name
        for name, errors in form.errors.as_data().items()  # after full_clean: no second cleaning
        if name in form.fields and any(getattr(e, "code", None) in REFUSED_CHOICE_CODES for e in errors)
    ]


def _submitted(form: forms.BaseForm, name: str) -> str:
    field = form.fields[name]
    value: Any = field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
    return repr(value)[:VALUE_CHARS]


# What a primary key column holds (SQLite's INTEGER, PostgreSQL's bigint).
PK_RANGE = range(-(2**63), 2**63)


class _PksInRange:
    """A multiple choice of records whose submitted pks past the 64-bit range are refused like any unknown pk:
    Django guards a single pk (its exact lookup), not the `pk__in` lookup of a multiple choice, which SQLite
    answers with OverflowError (a server error)."""

    def _check_values(self, value: Any) -> Any:
        field: Any = self
        if field.to_field_name is None:
            for pk in value:
                try:
                    number = int(str(pk))
                except ValueError:
                    continue  # Django refuses it itself
                if number not in PK_RANGE:
                    message = field.error_messages["invalid_pk_value"]
                    raise ValidationError(message, code="invalid_pk_value", params={"pk": pk})
        return super()._check_values(value)  # type: ignore[misc]


@cache
def _pks_in_range(cls: type) -> type:
    return type(f"InRange{cls.__name__}", (_PksInRange, cls), {"__module__": __name__})


class AuditedChoicesMixin(PickerMixin):
    """Record a refusal for each field whose submitted value is outside its choices (once per cleaning).
    The choices it guards are offered as searchable pickers when they are many (chaindesk/core/picker.py).
    A multiple choice refuses pks past the database's range as it refuses any unknown pk (`_PksInRange`, its
    class swapped in place as the picker's widgets are, so whatever the form set on the field is kept)."""

    def full_clean(self) -> None:
        form: Any = self
        for field in form.fields.values():
            if isinstance(field, forms.ModelMultipleChoiceField) and not isinstance(field, _PksInRange):
                kind: type = type(field)
                field.__class__ = _pks_in_range(kind)
        super().full_clean()  # type: ignore[misc]
        for name in refused_choices(form):
            audit.record(
                action=AuditAction.PERMISSION_DENIED,
                actor=context.current_user(),
                message=f"{type(form).__name__}.{name}: choice refused {_submitted(form, name)}"[:500],
            )
