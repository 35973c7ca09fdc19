"""Forms of the leaders' acts (批示, 催办); the services check the text again (length, required)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .services_leaders import INSTRUCTION_MAX, URGE_NOTE_MAX


class InstructionForm(forms.Form):
    """领导批示: the instruction's text."""

    text = forms.CharField(
        label=_("批示内容"),
        max_length=INSTRUCTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control", "maxlength": INSTRUCTION_MAX}),
        error_messages={"required": _("请填写批示内容。")},
        help_text=_("批示将通知相关部门和服务团队，并记入时间线。"),
    )


class UrgeForm(forms.Form):
    """催办: an optional note to the department."""

    note = forms.CharField(
        label=_("催办说明"),
        required=False,
        max_length=URGE_NOTE_MAX,
        widget=forms.TextInput(attrs={"class": "form-control", "maxlength": URGE_NOTE_MAX}),
        help_text=_("可不填；催办将通知主办部门的经办人和负责人。"),
    )
