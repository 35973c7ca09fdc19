"""Forms of items sought from higher levels (上争事项): the item's facts and links, and a stage move."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chaindesk.accounts.choices import Role
from chaindesk.accounts.forms import StyledForm
from chaindesk.accounts.models import Department, Region
from chaindesk.chains.models import Chain
from chaindesk.core.scope import scope_of
from chaindesk.enterprises.forms import AmountField, ChineseDateField
from chaindesk.enterprises.models import Enterprise
from chaindesk.projects.models import Project

from .choices import UpwardKind, UpwardLevel, UpwardStage
from .models import UpwardRequest


class AdvanceForm(forms.Form):
    to_stage = forms.ChoiceField(
        choices=UpwardStage.choices, error_messages={"invalid_choice": gettext_lazy("阶段无效。")}
    )
    expected_stage = forms.ChoiceField(choices=UpwardStage.choices)
    on = ChineseDateField(label=gettext_lazy("日期"), error_messages={"required": gettext_lazy("请填写日期。")})
    amount_obtained = AmountField(label=gettext_lazy("获批金额"))


class UpwardForm(StyledForm):
    """The facts of an item; linked enterprises and projects are offered among those the user can see."""

    title = forms.CharField(label=gettext_lazy("事项名称"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=[("", "—"), *UpwardKind.choices])
    level = forms.ChoiceField(label=gettext_lazy("争取层级"), choices=[("", "—"), *UpwardLevel.choices])
    counterpart = forms.CharField(
        label=gettext_lazy("对接部门"), max_length=100, help_text=gettext_lazy("如：省发改委、工信部")
    )
    department = forms.ModelChoiceField(
        label=gettext_lazy("责任部门"), queryset=Department.objects.none(), empty_label="—"
    )
    chain = forms.ModelChoiceField(label=gettext_lazy("产业链"), queryset=Chain.objects.none(), required=False)
    region = forms.ModelChoiceField(label=gettext_lazy("所在地区"), queryset=Region.objects.none(), required=False)
    window_opens_on = ChineseDateField(label=gettext_lazy("申报窗口开始"), required=False)
    deadline = ChineseDateField(label=gettext_lazy("申报截止"), required=False)
    amount_sought = AmountField(label=gettext_lazy("争取金额"))
    amount_obtained = AmountField(
        label=gettext_lazy("获批金额"), help_text=gettext_lazy("单位：万元。事项“获批”后才可填写。")
    )
    enterprises = forms.ModelMultipleChoiceField(
        label=gettext_lazy("关联企业"), queryset=Enterprise.objects.none(), required=False
    )
    projects = forms.ModelMultipleChoiceField(
        label=gettext_lazy("关联项目"), queryset=Project.objects.none(), required=False
    )
    description = forms.CharField(
        label=gettext_lazy("事项说明"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args: Any, user: Any, item: UpwardRequest | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _departments(user)  # type: ignore[attr-defined]
        self.fields["chain"].queryset = _chains(user)  # type: ignore[attr-defined]
        self.fields["region"].queryset = _regions(user)  # type: ignore[attr-defined]
        self.fields["enterprises"].queryset = Enterprise.objects.visible_to(user).order_by("name")  # type: ignore[attr-defined]
        self.fields["projects"].queryset = Project.objects.visible_to(user).order_by("name")  # type: ignore[attr-defined]
        if user.role in (Role.CITY_LEADER, Role.TEAM_MEMBER):
            self.fields["chain"].required = True
        if user.role == Role.DISTRICT_ADMIN:
            self.fields["region"].required = True
        if item is None or item.stage != UpwardStage.APPROVED:
            del self.fields["amount_obtained"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, deadline = data.get("window_opens_on"), data.get("deadline")
        if opens and deadline and deadline < opens:
            self.add_error("deadline", _("申报截止日期不能早于申报窗口开始日期。"))
        return data


def _departments(user: Any) -> QuerySet[Department]:
    qs = Department.objects.filter(is_active=True)
    return qs.filter(pk=user.department_id) if user.role == Role.DEPT_HANDLER else qs


def _chains(user: Any) -> QuerySet[Chain]:
    if user.role in (Role.CITY_LEADER, Role.TEAM_MEMBER):
        return Chain.objects.filter(pk__in=scope_of(user).team_chains)
    return Chain.objects.all()


def _regions(user: Any) -> QuerySet[Region]:
    if user.role == Role.DISTRICT_ADMIN:
        return Region.objects.filter(pk__in=scope_of(user).district_regions)
    return Region.objects.all()
