"""Forms of the demand pages: intake, triage, the split into tasks, confirmation and supplying information;
the task actions of the department queue and the service metrics' filters.

Every action form carries the status the page showed (expected_status): a stale page gets a 409, not a
change made on the strength of what the user did not see."""

import datetime as dt
from collections.abc import Collection
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import Department
from chaindesk.core.form_audit import AuditedChoicesMixin
from chaindesk.core.params import DATE_MAX
from chaindesk.core.uploads import MultipleFileField  # several files in one input, checked by the service
from chaindesk.enterprises.models import Enterprise
from chaindesk.projects.models import Project

from . import metrics
from .choices import Channel, DemandStatus, Rating, TaskStatus, Urgency
from .models import Category, Demand, Task


def channel_for(user: Any) -> str:
    """The intake channel follows from who records the demand."""
    return {
        Role.ENTERPRISE: Channel.ENTERPRISE,
        Role.LIAISON: Channel.LIAISON,
    }.get(user.role, Channel.TEAM)


def own_enterprise(user: Any) -> Enterprise | None:
    account = getattr(user, "enterprise_account", None) if user.role == Role.ENTERPRISE else None
    return account.enterprise if account else None


def _text(max_length: int | None = None, rows: int = 0, **attrs: Any) -> forms.Widget:
    attrs = {"class": "form-control", **attrs}
    if rows:
        return forms.Textarea(attrs={"rows": rows, **attrs})
    if max_length:
        attrs["maxlength"] = max_length
    return forms.TextInput(attrs=attrs)


def _text_field(
    label: Any,
    *,
    rows: int = 3,
    max_length: int | None = None,
    required: bool = True,
    required_message: Any = None,
    **kwargs: Any,
) -> forms.CharField:
    """A multi-line text field; unless told otherwise its required message asks for the field by its label."""
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=_text(rows=rows),
        error_messages={"required": required_message or _("请填写%(label)s。") % {"label": label}},
        **kwargs,
    )


class DemandForm(AuditedChoicesMixin, forms.Form):
    """A demand as an enterprise or an official records it. An enterprise user's own enterprise is fixed."""

    enterprise = forms.ModelChoiceField(
        label=_("企业"),
        queryset=Enterprise.objects.none(),
        empty_label=_("请选择企业"),
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"invalid_choice": _("请选择您可查看的企业。"), "required": _("请选择企业。")},
    )
    title = forms.CharField(
        label=_("诉求事项"),
        max_length=100,
        widget=_text(100, placeholder=_("一句话说明需要解决的问题，如：新厂房用地指标")),
        error_messages={"required": _("请填写诉求事项。")},
    )
    description = _text_field(
        _("具体内容"),
        rows=6,
        help_text=_("请说明问题的来龙去脉、已做的工作、希望政府帮助解决什么、时间要求。"),
        required_message=_("请填写具体内容。"),
    )
    category = forms.ModelChoiceField(
        label=_("类别"),
        queryset=Category.objects.all(),
        empty_label=_("请选择类别"),
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"required": _("请选择类别。"), "invalid_choice": _("请选择列表中的类别。")},
    )
    urgency = forms.ChoiceField(
        label=_("紧急程度"),
        choices=Urgency.choices,
        initial=Urgency.NORMAL,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    project = forms.ModelChoiceField(
        label=_("关联项目"),
        queryset=Project.objects.none(),
        required=False,
        empty_label=_("不关联项目"),
        widget=forms.Select(attrs={"class": "form-select"}),
        help_text=_("诉求与本企业的某个项目有关时选择。"),
        error_messages={"invalid_choice": _("请选择本企业的项目。")},
    )
    attachments = MultipleFileField(
        label=_("附件"),
        help_text=_("可选多个文件（PDF、图片、Word、Excel 等），系统将按文件内容检查类型和大小。"),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fixed_enterprise = own_enterprise(user)
        field = self.fields["enterprise"]
        if self.fixed_enterprise is not None:
            field.queryset = Enterprise.objects.filter(pk=self.fixed_enterprise.pk)  # type: ignore[attr-defined]
            field.initial = self.initial["enterprise"] = self.fixed_enterprise.pk  # never from the URL or the POST
            field.disabled = True
        else:
            field.queryset = Enterprise.objects.visible_to(user).order_by("name")  # type: ignore[attr-defined]
        self.fields["project"].queryset = (  # type: ignore[attr-defined]
            Project.objects.visible_to(user).select_related("enterprise").order_by("name")
        )
        self.fields["project"].label_from_instance = _project_label  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        project, enterprise = data.get("project"), data.get("enterprise")
        if project is not None and enterprise is not None and project.enterprise_id != enterprise.pk:
            self.add_error("project", _("所选项目不属于该企业，请重新选择或不关联项目。"))
        return data


def _project_label(project: Project) -> str:
    owner = str(project.enterprise) if project.enterprise_id else ""
    return f"{project.name}（{owner}）" if owner else str(project.name)


class ActionForm(AuditedChoicesMixin, forms.Form):
    """The state the page showed when the user acted."""

    expected_status = forms.ChoiceField(choices=DemandStatus.choices, widget=forms.HiddenInput)


class NoteForm(ActionForm):
    note = forms.CharField(label=_("说明"), required=False, max_length=300, widget=_text(300))


class ReasonForm(ActionForm):
    reason = _text_field(_("不予受理的原因"), max_length=300, required_message=_("请填写不予受理的原因。"))


class RequestInfoForm(ActionForm):
    note = _text_field(_("需补充的内容"), max_length=300, required_message=_("请写明需要企业补充什么。"))


class MergeForm(ActionForm):
    into = forms.ModelChoiceField(
        label=_("合并至"),
        queryset=Demand.objects.none(),
        empty_label=_("请选择同一企业的另一条诉求"),
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={
            "required": _("请选择要合并至的诉求。"),
            "invalid_choice": _("只能合并至同一企业的另一条诉求。"),
        },
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=300, widget=_text(300))

    def __init__(self, *args: Any, candidates: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if candidates is not None:
            self.fields["into"].queryset = candidates  # type: ignore[attr-defined]
        self.fields["into"].label_from_instance = lambda d: (  # type: ignore[attr-defined]
            f"{d.title}（{d.submitted_at:%Y-%m-%d}，{d.get_status_display()}）"
        )


class SupplyForm(ActionForm):
    note = _text_field(_("补充说明"), rows=4, required_message=_("请填写补充的内容。"))
    attachments = MultipleFileField(label=_("补充附件"))


class FlaggedOptionsMixin:
    """A select whose options carry the department's full name on hover and data-unstaffed="1" for the
    departments without an active handler (split_form.js shows the warning under the field when one is chosen)."""

    unstaffed: frozenset[int] = frozenset()

    def create_option(
        self, name: str, value: Any, label: Any, selected: Any, index: int, *args: Any, **kwargs: Any
    ) -> dict[str, Any]:
        option: dict[str, Any] = super().create_option(name, value, label, selected, index, *args, **kwargs)  # type: ignore[misc]
        department = getattr(value, "instance", None)
        if isinstance(department, Department):
            option["attrs"]["title"] = department.name
            if department.pk in self.unstaffed:
                option["attrs"]["data-unstaffed"] = "1"
        return option


class FlaggedSelect(FlaggedOptionsMixin, forms.Select):
    pass


class FlaggedSelectMultiple(FlaggedOptionsMixin, forms.SelectMultiple):
    pass


UNSTAFFED_SUFFIX = _("（无经办人）")
UNSTAFFED_WARNING = _(
    "所选部门尚无启用的经办人账号，任务将无人签收；交办后系统将通知该部门的部门收件人或负责人，并提醒服务团队。"
)


class TaskForm(ActionForm):
    """The split (交办) form. `unstaffed`: the departments without an active handler
    (accounts.selectors.departments_without_handler), marked 「（无经办人）」 with a warning under the field."""

    lead_department = forms.ModelChoiceField(
        label=_("主办部门"),
        queryset=Department.objects.filter(is_active=True),
        empty_label=_("请选择主办部门"),
        widget=FlaggedSelect(attrs={"class": "form-select", "data-unstaffed-select": "lead"}),
        error_messages={"required": _("请选择主办部门。")},
    )
    co_departments = forms.ModelMultipleChoiceField(
        label=_("协办部门"),
        queryset=Department.objects.filter(is_active=True),
        required=False,
        widget=FlaggedSelectMultiple(attrs={"class": "form-select", "size": 5, "data-unstaffed-select": "co"}),
        help_text=_("可多选（按住 Ctrl 键）；不需要协办时不选。"),
    )
    instructions = _text_field(_("办理要求"), required_message=_("请填写办理要求。"))
    working_days = forms.IntegerField(
        label=_("办理时限(工作日)"),
        min_value=1,
        max_value=250,
        initial=10,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
        help_text=_("按工作日计算，自动跳过法定节假日并计入调休上班日；保存后显示办结期限。"),
        error_messages={
            "required": _("请填写办理时限。"),
            "min_value": _("办理时限至少 1 个工作日。"),
            "max_value": _("办理时限不能超过 250 个工作日。"),
            "invalid": _("办理时限请填写整数。"),
        },
    )

    def __init__(self, *args: Any, unstaffed: Collection[int] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unstaffed = frozenset(unstaffed)
        self.unstaffed_warning = UNSTAFFED_WARNING
        for name in ("lead_department", "co_departments"):
            field = self.fields[name]
            field.widget.unstaffed = self.unstaffed  # type: ignore[attr-defined]
            field.label_from_instance = self._label  # type: ignore[attr-defined]

    def _label(self, department: Department) -> str:
        name = str(department.short_name)
        return f"{name}{UNSTAFFED_SUFFIX}" if department.pk in self.unstaffed else name

    def unstaffed_chosen(self) -> dict[str, bool]:
        """Per field ("lead", "co"): whether the submitted choice names a department without a handler, so the
        warning shows on a re-rendered form without JavaScript too."""
        if not self.is_bound or not self.unstaffed:
            return {"lead": False, "co": False}
        lead = self.data.get(self.add_prefix("lead_department"))
        getlist = getattr(self.data, "getlist", None)
        co = (
            getlist(self.add_prefix("co_departments"))
            if getlist
            else self.data.get(self.add_prefix("co_departments"), [])
        )
        return {"lead": _in(lead, self.unstaffed), "co": any(_in(v, self.unstaffed) for v in co or [])}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lead, co = data.get("lead_department"), data.get("co_departments")
        if lead is not None and co and lead in co:
            self.add_error("co_departments", _("主办部门不必再选为协办部门。"))
        return data


def _in(value: Any, ids: frozenset[int]) -> bool:
    try:
        return int(value) in ids
    except (TypeError, ValueError):
        return False


class ConfirmForm(ActionForm):
    """The enterprise's confirmation and rating; with 不满意, the done tasks to send back (all by default)."""

    rating = forms.ChoiceField(
        label=_("评价"),
        choices=Rating.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),  # the box sits beside its label
        error_messages={"required": _("请选择满意、基本满意或不满意。")},
    )
    comment = _text_field(_("评价意见"), required=False, max_length=300)
    reopen_tasks = forms.ModelMultipleChoiceField(
        label=_("需要重新办理的任务"),
        queryset=Task.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_("选择“不满意”时，勾选办理结果不满意的任务，只有这些任务退回相关部门重新办理。"),
        error_messages={"invalid_choice": _("只能选择本诉求中已办结的任务。"), "invalid_pk_value": _("所选任务无效。")},
    )
    proxy_note = forms.CharField(
        label=_("代为确认说明"),
        required=False,
        max_length=300,
        widget=_text(rows=2),
        help_text=_("专员代企业确认时必填：写明何时、以何种方式征得企业意见。"),
    )

    def __init__(self, *args: Any, proxy: bool = False, tasks: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.proxy = proxy
        if proxy:
            self.fields["proxy_note"].required = True
            self.fields["proxy_note"].error_messages["required"] = _("代企业确认须填写说明。")
        else:
            del self.fields["proxy_note"]
        field = self.fields["reopen_tasks"]
        if tasks is not None:
            field.queryset = tasks  # type: ignore[attr-defined]
            field.initial = [t.pk for t in tasks]
        field.label_from_instance = _task_label  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("rating") == Rating.UNSATISFIED
            and "reopen_tasks" not in self.errors
            and not data.get("reopen_tasks")
        ):
            self.add_error("reopen_tasks", _("请至少选择一项需要重新办理的任务。"))
        return data


def _task_label(task: Task) -> str:
    result = (task.result or "").strip()
    return f"{task.lead_department.short_name}：{result[:40]}" if result else str(task.lead_department.short_name)


# --- Task actions (the department queue and the task page) --------------------------------------------

MAX_EXTENSION_DAYS = 180
TASK_TEXT_MAX = 2000


class ExpectedStatusForm(AuditedChoicesMixin, forms.Form):
    """Every action carries the status the page showed: a stale page gets a 409, never a silent change."""

    expected_status = forms.ChoiceField(choices=TaskStatus.choices, widget=forms.HiddenInput)


class ProgressForm(ExpectedStatusForm):
    note = _text_field(_("办理进展"), max_length=TASK_TEXT_MAX)


class ExtensionForm(ExpectedStatusForm):
    extra_days = forms.IntegerField(
        label=_("延期(工作日)"),
        min_value=1,
        max_value=MAX_EXTENSION_DAYS,
        widget=forms.NumberInput(attrs={"class": "form-control", "min": 1, "max": MAX_EXTENSION_DAYS}),
        error_messages={
            "required": _("请填写延期的工作日数。"),
            "invalid": _("延期天数须为整数。"),
            "min_value": _("延期至少 1 个工作日。"),
            "max_value": _("单次延期不超过 %(limit_value)s 个工作日。"),
        },
    )
    reason = _text_field(_("延期理由"), max_length=300)


class ReturnForm(ExpectedStatusForm):
    reason = _text_field(_("退回理由"), max_length=300)
    confirm = forms.BooleanField(
        label=_("确认本部门不是该事项的主办部门，退回服务团队重新交办"),
        error_messages={"required": _("请勾选确认后再退回。")},
    )


class CompletionForm(ExpectedStatusForm):
    result = _text_field(_("办理结果"), rows=4, max_length=TASK_TEXT_MAX)


class ExtensionDecisionForm(ExpectedStatusForm):
    approve = forms.TypedChoiceField(
        choices=[("1", _("同意延期")), ("0", _("不同意延期"))],
        coerce=lambda v: v == "1",
        widget=forms.HiddenInput,
    )
    note = _text_field(_("审批意见"), required=False, rows=2, max_length=300)


class CompletionDecisionForm(ExpectedStatusForm):
    accept = forms.TypedChoiceField(
        choices=[("1", _("确认办结")), ("0", _("退回重办"))],
        coerce=lambda v: v == "1",
        widget=forms.HiddenInput,
    )
    note = _text_field(_("意见"), required=False, rows=2, max_length=300)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("accept") is False and not data.get("note"):
            self.add_error("note", _("退回重办须写明理由。"))
        return data


# --- Service metrics ------------------------------------------------------------------------------------

ALL_DIMENSIONS = "all"
EARLIEST = dt.date(2000, 1, 1)


class MetricsForm(forms.Form):
    dimension = forms.ChoiceField(
        label=_("统计维度"),
        required=False,
        choices=[*metrics.DIMENSIONS.items(), (ALL_DIMENSIONS, _("全部维度"))],
    )
    start = forms.DateField(label=_("提交日期自"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    rank_by = forms.ChoiceField(
        label=_("排名依据"),
        required=False,
        choices=[(k, label) for k, (label, _n, _d) in metrics.RATES.items()],
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise forms.ValidationError(_("结束日期不能早于开始日期。"))
        if start and start < EARLIEST:
            self.add_error("start", _("开始日期不能早于 2000 年。"))
        for name in ("start", "end"):  # the same bound every other date filter has (core.params)
            if data.get(name) and data[name] > DATE_MAX and name not in self.errors:
                self.add_error(name, _("日期不能晚于 2100 年。"))
        return data
