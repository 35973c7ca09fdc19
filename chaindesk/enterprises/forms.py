"""Forms of the registry pages. They clean input; the services decide and write."""

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from chaindesk.accounts.choices import Role
from chaindesk.accounts.forms import StyledForm
from chaindesk.accounts.models import Region
from chaindesk.chains.models import Chain, ChainNode

from . import permissions
from .amounts import parse_amount
from .models import Qualification, validate_uscc
from .selectors import node_options
from .services import normalise_uscc


class AmountField(forms.CharField):
    """An amount typed as 5.2亿 / 52000 / 52,000 / 5.2万, cleaned to a Decimal in 万元."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("单位：万元。可输入 5.2亿、52000、52,000 或 5.2万。"))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = super().clean(value)
        return parse_amount(text)


class ChineseDateField(forms.DateField):
    """Accepts 2026-11-24 and 2026年11月24日."""

    def to_python(self, value: Any) -> dt.date | None:
        if isinstance(value, str):
            match = re.fullmatch(r"\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?\s*", value)
            if match:
                value = "{}-{:0>2}-{:0>2}".format(*match.groups())
        return super().to_python(value)


class NodeChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: ChainNode) -> str:
        return f"{obj.chain.name} · {obj.name}"


class EnterpriseForm(StyledForm):
    """Profile, place in the chains and qualifications. `confirm_similar` is shown when names clash."""

    name = forms.CharField(label=_("企业名称"), max_length=100)
    uscc = forms.CharField(
        label=_("统一社会信用代码"), max_length=30, help_text=_("18位，含校验位；空格会自动去除，字母转为大写。")
    )
    region = forms.ModelChoiceField(label=_("所在地区"), queryset=Region.objects.none(), empty_label="—")
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    founded_on = ChineseDateField(
        label=_("成立日期"), required=False, help_text=_("例如 2026-11-24 或 2026年11月24日。")
    )
    nodes = NodeChoiceField(
        label=_("产业链环节"),
        queryset=ChainNode.objects.none(),
        required=False,
        help_text=_("可多选（按住 Ctrl）；企业随之加入这些环节所属的产业链。"),
    )
    qualifications = forms.ModelMultipleChoiceField(
        label=_("资质"), queryset=Qualification.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    business = forms.CharField(label=_("主营业务"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    honours = forms.CharField(label=_("其他荣誉"), max_length=200, required=False)
    confirm_similar = forms.BooleanField(label=_("已核对，仍然新增"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = Region.objects.exclude(level="province")
        if user.role == Role.DISTRICT_ADMIN:
            regions = regions.filter(pk__in=permissions.scope_of(user).district_regions)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        nodes = ChainNode.objects.filter(chain__in=Chain.objects.visible_to(user)).select_related("chain")
        self.fields["nodes"].queryset = nodes  # type: ignore[attr-defined]
        # Shown as the trees they are (children indented under their parent), not in table order.
        rows = list(nodes)
        chains = sorted({(n.chain_id, n.chain.name) for n in rows})
        flat = [(n.pk, n.name, n.parent_id, n.chain_id, n.sort_order) for n in rows]
        self.fields["nodes"].choices = node_options(chains, flat)  # type: ignore[attr-defined]
        self.fields["nodes"].widget.attrs["size"] = 8
        self.fields["qualifications"].widget.attrs["class"] = "form-check-input"

    def clean_uscc(self) -> str:
        code = normalise_uscc(self.cleaned_data["uscc"])
        validate_uscc(code)
        return code

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError(_("请填写企业名称。"))
        return name


class IndicatorForm(StyledForm):
    year = forms.IntegerField(label=_("年度"), min_value=1949, max_value=2100)
    revenue = AmountField(label=_("营业收入/开票销售(万元)"))
    tax = AmountField(label=_("税收(万元)"))
    employees = forms.IntegerField(label=_("从业人数"), min_value=0, required=False)
    rd_spend = AmountField(label=_("研发投入(万元)"))


class ContactForm(StyledForm):
    name = forms.CharField(label=_("姓名"), max_length=50)
    title = forms.CharField(label=_("职务"), max_length=100, required=False)
    phone = forms.RegexField(
        label=_("电话"),
        max_length=20,
        required=False,
        regex=r"^[0-9+\- ]{5,20}$",
        error_messages={"invalid": _("电话只能包含数字、空格、+ 和 -。")},
    )
    is_primary = forms.BooleanField(label=_("主要联系人"), required=False)
