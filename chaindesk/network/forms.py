"""Forms of the talent and partner pages. They clean input; the services decide and write."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from chaindesk.accounts.forms import StyledForm
from chaindesk.accounts.models import Region, User
from chaindesk.chains.models import Chain
from chaindesk.enterprises.forms import ChineseDateField

from .models import ContactKind, CooperationStatus, PartnerKind, RdPartner
from .permissions import KEEPER_ROLES


class DateInput(forms.DateInput):
    """The browser's date picker; typed values also accept 2026年11月24日 (ChineseDateField)."""

    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class KeeperField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name}（{obj.title or obj.get_role_display()}）"


class PartnerField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.city}）"


class TalentForm(StyledForm):
    name = forms.CharField(label=_("姓名"), max_length=50)
    city = forms.CharField(label=_("所在城市"), max_length=30, help_text=_("如：上海、北京、深圳。"))
    organisation = forms.CharField(label=_("工作单位"), max_length=100)
    title = forms.CharField(label=_("职务"), max_length=100, required=False)
    field = forms.CharField(label=_("专业领域"), max_length=100, required=False)
    hometown = forms.ModelChoiceField(label=_("籍贯地区"), queryset=Region.objects.none(), required=False)
    ties = forms.CharField(
        label=_("家乡联系"), max_length=200, required=False, help_text=_("如：兴化籍，父母在戴南镇。")
    )
    phone = forms.RegexField(
        label=_("联系电话"),
        max_length=20,
        required=False,
        regex=r"^[0-9+\- ]{5,20}$",
        error_messages={"invalid": _("电话只能包含数字、空格、+ 和 -。")},
        help_text=_("个人信息：仅联络干部和服务团队可见完整号码。"),
    )
    chains = forms.ModelMultipleChoiceField(
        label=_("关联产业链"), queryset=Chain.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    keeper = KeeperField(label=_("联络干部"), queryset=User.objects.none(), empty_label="—")
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["hometown"].queryset = Region.objects.exclude(level="province")  # type: ignore[attr-defined]
        self.fields["chains"].queryset = Chain.objects.all()  # type: ignore[attr-defined]
        self.fields["chains"].widget.attrs["class"] = "form-check-input"
        keepers = User.objects.filter(is_active=True, role__in=KEEPER_ROLES).order_by("role", "display_name")
        self.fields["keeper"].queryset = keepers  # type: ignore[attr-defined]

    def service_kwargs(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class ContactForm(StyledForm):
    contacted_on = ChineseDateField(label=_("联系日期"), widget=DateInput())
    kind = forms.ChoiceField(label=_("方式"), choices=ContactKind.choices, initial=ContactKind.CALL)
    notes = forms.CharField(label=_("联系情况"), widget=forms.Textarea(attrs={"rows": 3}))


class PartnerForm(StyledForm):
    name = forms.CharField(label=_("机构名称"), max_length=100)
    kind = forms.ChoiceField(label=_("机构类型"), choices=PartnerKind.choices, initial=PartnerKind.UNIVERSITY)
    city = forms.CharField(label=_("所在城市"), max_length=30, help_text=_("如：上海、北京、广州。"))
    # Not named `fields`: that is the Form's own attribute. service_kwargs() maps it to the model's name.
    research = forms.CharField(label=_("研究领域"), max_length=200, required=False)
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["fields"] = data.pop("research")
        return data


class CooperationForm(StyledForm):
    partner = PartnerField(label=_("合作机构"), queryset=RdPartner.objects.none(), empty_label="—")
    subject = forms.CharField(label=_("合作内容"), max_length=200)
    started_on = ChineseDateField(label=_("开始日期"), widget=DateInput())
    ended_on = ChineseDateField(label=_("结束日期"), widget=DateInput(), required=False)
    status = forms.ChoiceField(label=_("状态"), choices=CooperationStatus.choices, initial=CooperationStatus.ACTIVE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = RdPartner.objects.order_by("city", "name")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        started, ended = data.get("started_on"), data.get("ended_on")
        if started and ended and ended < started:
            self.add_error("ended_on", ValidationError(_("结束日期不能早于开始日期。")))
        return data
