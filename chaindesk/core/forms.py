"""Forms of core's own pages (the audit log's filters)."""

from typing import Any

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import AuditAction
from .params import DATE_MAX, DATE_MIN

DATE_FORMATS = ["%Y-%m-%d", "%Y年%m月%d日", "%Y/%m/%d"]


class AuditFilterForm(forms.Form):
    """The filters of the audit log, read from the URL. Invalid values are reported and ignored."""

    q = forms.CharField(label=gettext_lazy("关键词"), required=False, max_length=200)
    action = forms.ChoiceField(label=gettext_lazy("动作"), required=False)
    ct = forms.TypedChoiceField(label=gettext_lazy("对象类型"), required=False, coerce=int, empty_value=None)
    actor = forms.CharField(label=gettext_lazy("操作人账号"), required=False, max_length=150)
    date_from = forms.DateField(label=gettext_lazy("开始日期"), required=False, input_formats=DATE_FORMATS)
    date_to = forms.DateField(label=gettext_lazy("结束日期"), required=False, input_formats=DATE_FORMATS)
    ip = forms.GenericIPAddressField(label=gettext_lazy("客户端地址"), required=False)

    def __init__(self, data: Any, content_types: list[ContentType]) -> None:
        super().__init__(data)
        self.fields["action"].choices = [("", _("全部")), *AuditAction.choices]  # type: ignore[attr-defined]
        self.fields["ct"].choices = [  # type: ignore[attr-defined]
            ("", _("全部")),
            *((ct.pk, f"{ct.name}（{ct.app_label}）") for ct in content_types),
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in ("date_from", "date_to"):
            day = cleaned.get(name)
            if day and not DATE_MIN <= day <= DATE_MAX:
                self.add_error(name, _("日期须在 1900 年至 2100 年之间。"))
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("结束日期不能早于开始日期。"))
        return cleaned
