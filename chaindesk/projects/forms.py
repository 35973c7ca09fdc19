"""Forms of the project pages. They clean input; the services decide and write."""

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chaindesk.accounts.choices import Role
from chaindesk.accounts.forms import StyledForm
from chaindesk.accounts.models import Region
from chaindesk.chains.models import Chain, ChainNode
from chaindesk.core import clock
from chaindesk.core.scope import scope_of
from chaindesk.enterprises.amounts import parse_amount
from chaindesk.enterprises.forms import AmountField, ChineseDateField
from chaindesk.enterprises.models import Enterprise
from chaindesk.enterprises.selectors import node_options
from chaindesk.network.models import Talent

from . import permissions
from .choices import CapacityPeriod, ProjectKind, ProjectLevel, ProjectStage
from .models import Project

DATE_HELP = _("例如 2026-11-24 或 2026年11月24日。")
PLANNED_DATES = (
    "planned_signed_on",
    "planned_started_on",
    "planned_completed_on",
    "planned_production_on",
    "planned_full_production_on",
)
# The fields the form hands to project_create / project_update, in the services' names.
SERVICE_FIELDS = (
    "name",
    "enterprise",
    "investor_name",
    "chain",
    "node",
    "region",
    "kind",
    "level",
    "description",
    "planned_investment",
    "capacity_quantity",
    "capacity_unit",
    "capacity_period",
    "land_mu",
    "expected_output",
    "expected_tax",
    "follow_on_of",
    "credited_enterprise",
    "credited_talent",
    *PLANNED_DATES,
)


class EnterpriseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Enterprise) -> str:
        return str(obj.name)


class NodeSelect(forms.Select):
    """Segment options carry their chain (data-chain) so that the page can offer only the chosen chain's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chain_of: dict[int, int] = {}

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        chain_id = self.chain_of.get(value) if isinstance(value, int) else None
        if chain_id is not None:
            option["attrs"]["data-chain"] = str(chain_id)
        return option


class ProjectChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Project) -> str:
        return f"{obj.owner_name} · {obj.name}"


class ProjectForm(StyledForm):
    """A project's facts. The owner is a visible enterprise or, before it registers here, an investor."""

    name = forms.CharField(label=_("项目名称"), max_length=100)
    enterprise = EnterpriseChoiceField(
        label=_("项目单位"),
        queryset=Enterprise.objects.none(),
        required=False,
        empty_label="—",
        help_text=_("已在本地登记的企业；尚未登记时留空并填写投资方。"),
    )
    investor_name = forms.CharField(
        label=_("投资方"), max_length=100, required=False, help_text=_("尚未在本地注册企业时填写投资方名称。")
    )
    chain = forms.ModelChoiceField(label=_("产业链"), queryset=Chain.objects.none(), empty_label="—")
    node = forms.ModelChoiceField(
        label=_("产业链环节"),
        queryset=ChainNode.objects.none(),
        required=False,
        empty_label="—",
        help_text=_("须为所选产业链的环节。"),
        widget=NodeSelect,
    )
    region = forms.ModelChoiceField(label=_("所在地区"), queryset=Region.objects.none(), empty_label="—")
    kind = forms.ChoiceField(label=_("建设性质"), choices=ProjectKind.choices, initial=ProjectKind.NEW)
    level = forms.ChoiceField(label=_("项目级别"), choices=ProjectLevel.choices, initial=ProjectLevel.GENERAL)
    planned_investment = AmountField(label=_("计划总投资(万元)"))
    capacity_quantity = forms.DecimalField(
        label=_("设计产能"), required=False, min_value=Decimal(0), max_digits=14, decimal_places=2
    )
    capacity_unit = forms.CharField(
        label=_("产能单位"), max_length=20, required=False, help_text=_("如：万平方米、万只、吨")
    )
    capacity_period = forms.ChoiceField(label=_("产能周期"), choices=CapacityPeriod.choices, initial="year")
    land_mu = forms.DecimalField(
        label=_("用地(亩)"), required=False, min_value=Decimal(0), max_digits=10, decimal_places=2
    )
    expected_output = AmountField(label=_("达产后年产值(万元)"))
    expected_tax = AmountField(label=_("达产后年税收(万元)"))
    description = forms.CharField(label=_("建设内容"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    follow_on_of = ProjectChoiceField(
        label=_("前期项目"),
        queryset=Project.objects.none(),
        required=False,
        empty_label="—",
        help_text=_("增资扩产项目请选择同一企业的前期项目。"),
    )
    credited_enterprise = EnterpriseChoiceField(
        label=_("引荐企业"), queryset=Enterprise.objects.none(), required=False, empty_label="—"
    )
    credited_talent = forms.ModelChoiceField(
        label=_("引荐能人"), queryset=Talent.objects.none(), required=False, empty_label="—"
    )
    planned_signed_on = ChineseDateField(label=_("计划签约日期"), required=False, help_text=DATE_HELP)
    planned_started_on = ChineseDateField(label=_("计划开工日期"), required=False, help_text=DATE_HELP)
    planned_completed_on = ChineseDateField(label=_("计划竣工日期"), required=False, help_text=DATE_HELP)
    planned_production_on = ChineseDateField(label=_("计划投产日期"), required=False, help_text=DATE_HELP)
    planned_full_production_on = ChineseDateField(label=_("计划达产日期"), required=False, help_text=DATE_HELP)

    def __init__(self, *args: Any, user: Any, project: Project | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        chains = permissions.creatable_chains(user)
        if project is not None:  # the project's own chain stays selectable for whoever may manage it
            chains = Chain.objects.filter(Q(pk__in=chains.values("pk")) | Q(pk=project.chain_id))
        self.fields["chain"].queryset = chains  # type: ignore[attr-defined]
        nodes = ChainNode.objects.filter(chain__in=chains).select_related("chain")
        self.fields["node"].queryset = nodes  # type: ignore[attr-defined]
        rows = list(nodes)
        tree = sorted({(n.chain_id, n.chain.name) for n in rows})
        flat = [(n.pk, n.name, n.parent_id, n.chain_id, n.sort_order) for n in rows]
        self.fields["node"].choices = [("", "—"), *node_options(tree, flat)]  # type: ignore[attr-defined]
        self.fields["node"].widget.chain_of = {n.pk: n.chain_id for n in rows}  # type: ignore[attr-defined]
        regions = Region.objects.exclude(level="province")
        if user.role == Role.DISTRICT_ADMIN:
            regions = regions.filter(pk__in=scope_of(user).district_regions)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        enterprises = Enterprise.objects.visible_to(user).order_by("name")
        self.fields["enterprise"].queryset = enterprises  # type: ignore[attr-defined]
        self.fields["credited_enterprise"].queryset = enterprises  # type: ignore[attr-defined]
        self.fields["credited_talent"].queryset = Talent.objects.visible_to(user)  # type: ignore[attr-defined]
        earlier = (
            Project.objects.visible_to(user)
            .filter(enterprise__isnull=False)
            .exclude(stage=ProjectStage.TERMINATED)
            .select_related("enterprise")
            .order_by("enterprise__name", "name")
        )
        if project is not None:
            earlier = earlier.exclude(pk=project.pk)
            if project.enterprise_id:
                earlier = earlier.filter(enterprise_id=project.enterprise_id)
        self.fields["follow_on_of"].queryset = earlier  # type: ignore[attr-defined]

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        if not name:
            raise ValidationError(_("请填写项目名称。"))
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        enterprise, investor = data.get("enterprise"), str(data.get("investor_name") or "").strip()
        data["investor_name"] = investor
        if enterprise is None and not investor and "enterprise" not in self.errors:
            self.add_error("enterprise", _("请选择项目单位，或填写尚未在本地登记的投资方名称。"))
        chain, node = data.get("chain"), data.get("node")
        if chain is not None and node is not None and node.chain_id != chain.pk:
            self.add_error("node", _("所选环节不属于“%(chain)s”产业链。") % {"chain": chain.name})
        earlier = data.get("follow_on_of")
        if earlier is not None and (enterprise is None or earlier.enterprise_id != enterprise.pk):
            self.add_error("follow_on_of", _("前期项目须为同一项目单位的项目。"))
        if data.get("capacity_quantity") is not None and not data.get("capacity_unit"):
            self.add_error("capacity_unit", _("填写了设计产能时，请同时填写产能单位。"))
        return data

    def service_kwargs(self) -> dict[str, Any]:
        """The cleaned values under the services' keyword names (emptied text is "", the rest None)."""
        return {key: self.cleaned_data.get(key) for key in SERVICE_FIELDS}


_FK = {"enterprise", "chain", "node", "region", "follow_on_of", "credited_enterprise", "credited_talent"}


def initial_from(project: Project) -> dict[str, Any]:
    return {key: getattr(project, f"{key}_id" if key in _FK else key) for key in SERVICE_FIELDS}


class LineForm(StyledForm):
    name = forms.CharField(label=_("生产线"), max_length=100)
    count = forms.IntegerField(label=_("条数"), min_value=1, max_value=9999, initial=1)
    capacity = forms.CharField(label=_("产能"), max_length=100, required=False, help_text=_("如：年产 1000 万只"))


class TransitionForm(StyledForm):
    """One stage change: the target, its date (today by default), the stage the page showed, a reason."""

    to_stage = forms.ChoiceField(label=_("新阶段"), choices=ProjectStage.choices)
    expected_stage = forms.ChoiceField(label=_("原阶段"), choices=ProjectStage.choices, widget=forms.HiddenInput)
    on = ChineseDateField(label=_("日期"), help_text=DATE_HELP)
    reason = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"on": clock.today()})
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        needs_reason = data.get("to_stage") in (ProjectStage.PAUSED, ProjectStage.TERMINATED)
        if needs_reason and not str(data.get("reason") or "").strip():
            self.add_error("reason", _("暂停或终止项目须填写原因。"))
        return data


# --- a project's investment section (chaindesk/projects/views_progress.py) ------------------------------


class PlanForm(forms.Form):
    year = forms.IntegerField(
        label=_("年度"),
        min_value=2000,
        max_value=2100,
        error_messages={"required": _("请填写年度。"), "invalid": _("年度须为四位数字。")},
    )
    amount = forms.CharField(
        label=_("年度计划投资"),
        max_length=30,
        error_messages={"required": _("请填写年度计划投资。")},
        help_text=_("按万元计，可写 1200 或 0.12亿。"),
    )

    def clean_amount(self) -> Decimal:
        amount = parse_amount(self.cleaned_data["amount"])
        if amount is None:
            raise ValidationError(_("请填写年度计划投资。"))
        return amount


MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{1,2})$|^(\d{4})年(\d{1,2})月$")


class ReportForm(forms.Form):
    month = forms.CharField(label=_("月份"), max_length=10, error_messages={"required": _("请选择月份。")})
    amount = forms.CharField(
        label=_("当月完成投资"),
        max_length=30,
        error_messages={"required": _("请填写当月完成投资。")},
        help_text=_("按万元计，可写 1200 或 0.12亿。"),
    )
    note = forms.CharField(label=_("形象进度"), max_length=200, required=False)

    def clean_month(self) -> dt.date:
        text = self.cleaned_data["month"].strip()
        match = MONTH_PATTERN.match(text)
        if match:
            year, month = (int(g) for g in match.groups() if g is not None)
            if 2000 <= year <= 2100 and 1 <= month <= 12:
                return dt.date(year, month, 1)
        raise ValidationError(_("月份格式不正确，请选择月份（如 2026-11）。"))

    def clean_amount(self) -> Decimal:
        amount = parse_amount(self.cleaned_data["amount"])
        if amount is None:
            raise ValidationError(_("请填写当月完成投资。"))
        return amount
