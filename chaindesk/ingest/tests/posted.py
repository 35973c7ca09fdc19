"""The review form as a browser posts it untouched: its initial values, ticked boxes as "on", unticked ones absent."""

from typing import Any

from django import forms

from chaindesk.ingest.forms import ReviewForm


def posted(form: ReviewForm) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field.widget, forms.CheckboxInput):
            data.update({name: "on"} if value else {})
        elif value is not None:
            data[name] = value
    return data
