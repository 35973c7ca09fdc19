"""Forms of the meeting page: a decision (议定事项) and turning one into a demand (诉求)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from chaindesk.accounts.models import Department
from chaindesk.core.form_audit import AuditedChoicesMixin
from chaindesk.demands.choices import Urgency
from chaindesk.demands.models import Category
from chaindesk.enterprises.models import Enterprise
from chaindesk.projects.models import Project

from .models import Decision, Meeting
from .services import CONTENT_MAX


def _select() -> forms.Select:
    return forms.Select(attrs={"class": "form-select"})


class DecisionForm(AuditedChoicesMixin, forms.Form):
    """What the meeting decided, the enterprise it concerns (of the meeting's chain) and who is responsible."""

    content = forms.CharField(
        label=_("议定内容"),
        max_length=CONTENT_MAX,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
        help_text=_("一条议定事项写一项工作，如：协调解决某项目新增用地指标。"),
        error_messages={"required": _("请填写议定内容。")},
    )
    enterprise = forms.ModelChoiceField(
        label=_("涉及企业"),
        queryset=Enterprise.objects.none(),
        required=False,
        empty_label=_("不涉及具体企业"),
        widget=_select(),
        help_text=_("涉及某家企业的事项，指定企业后可转为该企业的诉求，交办部门办理。"),
        error_messages={"invalid_choice": _("请选择本产业链的企业。")},
    )
    department = forms.ModelChoiceField(
        label=_("责任部门"),
        queryset=Department.objects.filter(is_active=True),
        required=False,
        empty_label=_("未指定"),
        widget=_select(),
        error_messages={"invalid_choice": _("请选择列表中的部门。")},
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = (  # type: ignore[attr-defined]
            Enterprise.objects.filter(chains=meeting.chain_id).order_by("name")
        )

    @classmethod
    def for_decision(cls, decision: Decision, data: Any = None) -> "DecisionForm":
        initial = {
            "content": decision.content,
            "enterprise": decision.enterprise_id,
            "department": decision.department_id,
        }
        return cls(data, meeting=decision.meeting, initial=initial)


class ToDemandForm(AuditedChoicesMixin, forms.Form):
    """The demand a decision becomes: prefilled from the decision, edited by the team before submitting."""

    title = forms.CharField(
        label=_("诉求事项"),
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control", "maxlength": 100}),
        error_messages={"required": _("请填写诉求事项。")},
    )
    description = forms.CharField(
        label=_("具体内容"),
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 6}),
        error_messages={"required": _("请填写具体内容。")},
    )
    category = forms.ModelChoiceField(
        label=_("类别"),
        queryset=Category.objects.all(),
        empty_label=_("请选择类别"),
        widget=_select(),
        error_messages={"required": _("请选择类别。"), "invalid_choice": _("请选择列表中的类别。")},
    )
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL, widget=_select())
    project = forms.ModelChoiceField(
        label=_("关联项目"),
        queryset=Project.objects.none(),
        required=False,
        empty_label=_("不关联项目"),
        widget=_select(),
        help_text=_("议定事项与该企业的某个项目有关时选择。"),
        error_messages={"invalid_choice": _("请选择该企业的项目。")},
    )

    def __init__(self, *args: Any, decision: Decision, **kwargs: Any) -> None:
        content = decision.content.strip()
        first_line = content.splitlines()[0].strip() if content else ""
        kwargs.setdefault("initial", {"title": first_line[:100], "description": content})
        super().__init__(*args, **kwargs)
        projects = Project.objects.none()
        if decision.enterprise_id is not None:
            projects = Project.objects.filter(enterprise_id=decision.enterprise_id).order_by("name")
        self.fields["project"].queryset = projects  # type: ignore[attr-defined]
