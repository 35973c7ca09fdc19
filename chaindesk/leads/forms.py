"""Forms of the lead pages. They clean input; the services decide and write."""

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from chaindesk.accounts.forms import StyledForm
from chaindesk.accounts.models import Region
from chaindesk.chains.models import ChainNode
from chaindesk.core import clock
from chaindesk.enterprises.forms import AmountField, ChineseDateField
from chaindesk.enterprises.models import Enterprise
from chaindesk.enterprises.selectors import node_options
from chaindesk.liaison.forms import UserChoiceField
from chaindesk.network.models import RdPartner, Talent
from chaindesk.projects.choices import ProjectKind, ProjectLevel

from . import permissions
from .choices import LeadSource

DATE_HELP = _("例如 2026-11-24 或 2026年11月24日。")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class EnterpriseLookupField(forms.CharField):
    """An enterprise typed by its name or USCC and found among those the user may see (a select with every
    enterprise would not scale to a province). A part of the name works when it is unambiguous."""

    def __init__(self, *, datalist: str, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 100)
        super().__init__(**kwargs)
        self.queryset: QuerySet[Enterprise] = Enterprise.objects.none()
        # Suggestions while typing (htmx fills the datalist); without htmx the field is a plain text box.
        self.widget.attrs.update(
            {
                "list": datalist,
                "autocomplete": "off",
                "hx-get": reverse_lazy("leads:enterprise_suggest"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": f"#{datalist}",
                "hx-swap": "innerHTML",
            }
        )

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Enterprise):
            return value.name
        if isinstance(value, int):
            return Enterprise.objects.filter(pk=value).values_list("name", flat=True).first() or ""
        return value

    def clean(self, value: Any) -> Enterprise | None:  # type: ignore[override]
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        exact = list(self.queryset.filter(Q(name=text) | Q(uscc=text.upper()))[:2])
        if len(exact) == 1:
            return exact[0]
        matches = list(self.queryset.filter(name__contains=text).order_by("name")[:6])
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise forms.ValidationError(
                _("未找到企业“%(text)s”，请填写完整的企业名称或统一社会信用代码。") % {"text": text}
            )
        names = "、".join(e.name for e in matches[:5])
        raise forms.ValidationError(
            _("“%(text)s”对应多家企业：%(names)s，请填写完整名称。") % {"text": text, "names": names}
        )


class LeadForm(StyledForm):
    title = forms.CharField(label=_("线索名称"), max_length=100, error_messages={"required": _("请填写线索名称。")})
    source = forms.ChoiceField(label=_("线索来源"), choices=[("", "—"), *LeadSource.choices])
    referrer = EnterpriseLookupField(
        datalist="referrer-options", label=_("引荐企业"), help_text=_("以商引商时填写：企业名称或统一社会信用代码。")
    )
    talent = forms.ModelChoiceField(
        label=_("引荐能人"), queryset=Talent.objects.none(), required=False, help_text=_("在外能人引荐时选择。")
    )
    rd_partner = forms.ModelChoiceField(
        label=_("研发机构"), queryset=RdPartner.objects.none(), required=False, help_text=_("研发机构线索可选。")
    )
    source_city = forms.CharField(
        label=_("对接城市"), max_length=30, required=False, help_text=_("异地对接时必填，如上海、北京、深圳。")
    )
    investor = forms.CharField(label=_("投资方"), max_length=100, error_messages={"required": _("请填写投资方。")})
    chain = forms.ModelChoiceField(label=_("产业链"), queryset=permissions.creatable_chains(None), empty_label="—")
    node = forms.TypedChoiceField(label=_("目标环节"), coerce=int, required=False, empty_value=None)
    region = forms.ModelChoiceField(label=_("拟落户地区"), queryset=Region.objects.none(), required=False)
    estimated_investment = AmountField(label=_("预计投资(万元)"))
    owner = UserChoiceField(label=_("跟进责任人"), queryset=permissions.owner_choices(), required=False)
    description = forms.CharField(label=_("线索情况"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, user: Any, lead: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chains = permissions.creatable_chains(user)
        self.fields["chain"].queryset = chains  # type: ignore[attr-defined]
        referrers = Enterprise.objects.visible_to(user)
        if lead is not None and lead.referrer_id:  # the owner may edit a lead referred from outside their scope
            referrers = Enterprise.objects.filter(Q(pk__in=referrers.values("pk")) | Q(pk=lead.referrer_id))
        self.fields["referrer"].queryset = referrers  # type: ignore[attr-defined]
        self.fields["talent"].queryset = Talent.objects.visible_to(user)  # type: ignore[attr-defined]
        self.fields["rd_partner"].queryset = RdPartner.objects.visible_to(user)  # type: ignore[attr-defined]
        self.fields["region"].queryset = Region.objects.exclude(level="province")  # type: ignore[attr-defined]
        nodes = ChainNode.objects.filter(chain__in=chains).select_related("chain")
        rows = list(nodes)
        chain_names = sorted({(n.chain_id, n.chain.name) for n in rows})
        flat = [(n.pk, n.name, n.parent_id, n.chain_id, n.sort_order) for n in rows]
        self.fields["node"].choices = [("", "—"), *node_options(chain_names, flat)]  # type: ignore[attr-defined]
        self._nodes = {n.pk: n for n in rows}
        if user.role == "liaison":
            self.fields["owner"].queryset = permissions.owner_choices().filter(pk=user.pk)  # type: ignore[attr-defined]
            self.fields["owner"].help_text = _("挂钩服务专员登记的线索由本人跟进。")
        else:
            self.fields["owner"].queryset = permissions.owner_choices(chains)  # type: ignore[attr-defined]
            self.fields["owner"].help_text = _("不选则由您本人跟进。")

    def clean_node(self) -> ChainNode | None:
        pk = self.cleaned_data.get("node")
        return self._nodes.get(pk) if pk else None

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if not data.get("owner"):
            data.pop("owner", None)
        return data


class FollowUpForm(StyledForm):
    followed_on = ChineseDateField(label=_("跟进日期"), widget=DateInput(), help_text=DATE_HELP)
    notes = forms.CharField(
        label=_("跟进情况"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写跟进情况。")},
    )
    next_action = forms.CharField(label=_("下一步行动"), max_length=200, required=False)
    next_action_on = ChineseDateField(label=_("下次跟进日期"), required=False, widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["followed_on"].initial = clock.today()


class StageForm(forms.Form):
    """A stage button: the target stage, the stage the user saw (compare-and-set) and the date."""

    to_stage = forms.CharField(max_length=16)
    expected_stage = forms.CharField(max_length=16)
    on = ChineseDateField(required=False)

    def on_or_today(self) -> dt.date:
        return self.cleaned_data.get("on") or clock.today()


class AbandonForm(StyledForm):
    expected_stage = forms.CharField(max_length=16, widget=forms.HiddenInput())
    reason = forms.CharField(
        label=_("放弃原因"),
        max_length=200,
        error_messages={"required": _("放弃线索须填写原因。")},
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    on = ChineseDateField(label=_("日期"), required=False, widget=DateInput())


class SignForm(StyledForm):
    expected_stage = forms.CharField(max_length=16, widget=forms.HiddenInput())
    name = forms.CharField(label=_("项目名称"), max_length=100, error_messages={"required": _("请填写项目名称。")})
    enterprise = EnterpriseLookupField(
        datalist="enterprise-options",
        label=_("项目单位"),
        help_text=_("投资方已在本地注册企业时填写（名称或统一社会信用代码）；否则留空，以投资方名称登记。"),
    )
    investor_name = forms.CharField(label=_("投资方"), max_length=100, required=False)
    region = forms.ModelChoiceField(
        label=_("项目所在地区"),
        queryset=Region.objects.exclude(level="province"),
        error_messages={"required": _("请选择项目所在地区。")},
    )
    kind = forms.ChoiceField(label=_("建设性质"), choices=ProjectKind.choices, initial=ProjectKind.NEW)
    level = forms.ChoiceField(label=_("项目级别"), choices=ProjectLevel.choices, initial=ProjectLevel.GENERAL)
    planned_investment = AmountField(label=_("计划总投资(万元)"))
    on = ChineseDateField(label=_("签约日期"), widget=DateInput(), help_text=DATE_HELP)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = Enterprise.objects.visible_to(user)  # type: ignore[attr-defined]
        self.fields["on"].initial = clock.today()

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("expected_stage", None)
        if not data.get("investor_name"):
            data.pop("investor_name", None)
        return data
