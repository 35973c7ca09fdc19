"""A form's limited choices are a permission boundary: a value outside them (a department, an enterprise or a
status the reader was never offered) is a forged request, recorded as a refusal (越权访问) with the field.

Forms that offer limited choices mix in `AuditedChoicesMixin`; the line names the signed-in user of the
request (chaindesk/core/context.py), the form and the field, and the refused value, cut short."""

from typing import Any

from django import forms

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


class AuditedChoicesMixin(PickerMixin):
    """Record a refusal for each field whose submitted value is outside its choices (once per cleaning).
    The choices it guards are offered as searchable pickers when they are many (chaindesk/core/picker.py)."""

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        form: Any = self
        for name in refused_choices(form):
            audit.record(
                action=AuditAction.PERMISSION_DENIED,
                actor=context.current_user(),
                message=f"{type(form).__name__}.{name}: choice refused {_submitted(form, name)}"[:500],
            )
