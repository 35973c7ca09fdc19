"""Small forms for editing a chain's tree. The services do the real checks; these give field messages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from chaindesk.core.picker import PickerMixin

from .services import NAME_MAX


class NodeNameForm(forms.Form):
    name = forms.CharField(
        label=_("环节名称"),
        max_length=NAME_MAX,
        error_messages={"required": _("请填写环节名称。"), "max_length": _("环节名称不能超过 50 个字。")},
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )


class NodeAddForm(PickerMixin, NodeNameForm):
    parent = forms.TypedChoiceField(label=_("上级环节"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: object, parent_choices: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["parent"].choices = [("", _("（顶层环节）")), *parent_choices]  # type: ignore[attr-defined]
        self.fields["parent"].widget.attrs["class"] = "form-select"
        self.fields["parent"].error_messages["invalid_choice"] = _("请选择有效的上级环节。")
