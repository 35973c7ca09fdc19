"""Forms of the meeting page: a decision (议定事项) with its responsible departments and working days, and turning
one about an enterprise into its demand (诉求)."""

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
from .services import CONTENT_MAX, WORKING_DAYS_DEFAULT, WORKING_DAYS_MAX


def _select() -> forms.Select:
    return forms.Select(attrs={"class": "form-select"})


def _departments() -> Any:
    return Department.objects.filter(is_active=True)


class DecisionForm(AuditedChoicesMixin, forms.Form):
    """What the meeting decided, the enterprise it concerns (of the meeting's chain), the departments responsible
    (the lead among them) and the working days it is given."""

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
        help_text=_("涉及某家企业的事项转为该企业的诉求；不涉及具体企业的事项直接交办责任部门。"),
        error_messages={"invalid_choice": _("请选择本产业链的企业。")},
    )
    # Both department fields offer the same options, read once per form (one query, not one per field).
    departments = forms.TypedMultipleChoiceField(
        label=_("责任部门"),
        coerce=int,
        choices=(),
        required=False,
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 5, "data-picker": "1"}),
        help_text=_("可选多个部门，交办时每个部门各生成一项任务。"),
        error_messages={"invalid_choice": _("请选择列表中的部门。")},
    )
    lead = forms.TypedChoiceField(
        label=_("牵头部门"),
        coerce=int,
        empty_value=None,
        choices=(),
        required=False,
        widget=_select(),
        error_messages={"invalid_choice": _("请选择列表中的部门。")},
    )
    working_days = forms.IntegerField(
        label=_("办理时限（工作日）"),
        min_value=1,
        max_value=WORKING_DAYS_MAX,
        initial=WORKING_DAYS_DEFAULT,
        widget=forms.NumberInput(attrs={"class": "form-control", "min": 1, "max": WORKING_DAYS_MAX}),
        help_text=_("自会议之日起计算，节假日顺延。"),
        error_messages={
            "required": _("请填写办理时限（工作日）。"),
            "invalid": _("办理时限须为正整数（工作日）。"),
            "min_value": _("办理时限须在1至%(n)s个工作日之间。") % {"n": WORKING_DAYS_MAX},
            "max_value": _("办理时限须在1至%(n)s个工作日之间。") % {"n": WORKING_DAYS_MAX},
        },
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = (  # type: ignore[attr-defined]
            Enterprise.objects.filter(chains=meeting.chain_id).order_by("name")
        )
        options = [(d.pk, str(d)) for d in _departments()]
        self.fields["departments"].choices = options  # type: ignore[attr-defined]
        self.fields["lead"].choices = [("", _("（只有一个责任部门时不必选择）")), *options]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        """The departments as records, in the options' order, and the lead among them (required when several)."""
        data = super().clean() or {}
        ids, lead_id = list(data.get("departments") or []), data.get("lead")
        if lead_id is not None and lead_id not in ids:
            self.add_error("lead", _("牵头部门须为所选责任部门之一。"))
        elif lead_id is None and len(ids) > 1:
            self.add_error("lead", _("选择了多个责任部门，请指定其中的牵头部门。"))
        found = Department.objects.in_bulk(ids) if ids else {}
        data["departments"] = [found[pk] for pk in ids if pk in found]
        data["lead"] = found.get(lead_id) if lead_id is not None else None
        return data

    @classmethod
    def for_decision(cls, decision: Decision, data: Any = None) -> "DecisionForm":
        rows = list(decision.responsible.order_by("-lead", "pk"))
        initial = {
            "content": decision.content,
            "enterprise": decision.enterprise_id,
            "departments": [r.department_id for r in rows],
            "lead": next((r.department_id for r in rows if r.lead), None) if len(rows) > 1 else None,
            "working_days": decision.working_days,
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
