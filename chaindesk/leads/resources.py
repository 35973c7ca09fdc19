"""Leads as a resource: the filter bar, the list's columns and the 招商线索台账 columns."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chaindesk.accounts.choices import OFFICIALS
from chaindesk.core.resources import CHOICE, LG, MD, TEXT, Col, Filter, Ledger, Resource, attr, ledger_only

from .choices import LeadSource, LeadStage
from .models import Lead
from .selectors import OPEN_FILTER, SORTS, base_queryset, lead_list, with_export_columns

CELLS = "leads/partials/list_cells.html"


def _origin(lead: Lead) -> str:
    parts = [str(x) for x in (lead.referrer, lead.talent, lead.rd_partner) if x is not None]
    if lead.source_city:
        parts.append(lead.source_city)
    return "；".join(parts)


def _position(lead: Lead) -> str:
    return f"{lead.chain.name}/{lead.node.name}" if lead.node else lead.chain.name


LEADS = Resource(
    view="leads:list",
    testid="lead",
    filters=(
        Filter("q", _("关键词"), TEXT, placeholder=_("线索名称或投资方")),
        Filter("chain", _("产业链"), options="chains"),
        Filter("node", _("目标环节（含下级）"), options="nodes", width="col-sm-6 col-lg-3"),
        Filter("source", _("线索来源"), CHOICE, options=LeadSource.choices, values=LeadSource.values),
        Filter(
            "stage",
            _("阶段"),
            CHOICE,
            options=LeadStage.choices,
            values=[OPEN_FILTER, *LeadStage.values],
            first=((OPEN_FILTER, _("跟进中（未签约、未放弃）")),),
        ),
        Filter("owner", _("跟进责任人"), options="owners"),
        Filter("region", _("拟落户地区"), options="regions"),
    ),
    columns=(
        Col("title", _("线索名称"), attr("title"), width=30, wrap=True, sort="title", cell=CELLS),
        Col(
            "source",
            _("线索来源"),
            attr("get_source_display"),
            width=10,
            hide=MD,
            css="text-nowrap",
            short=_("来源"),
        ),
        ledger_only("origin", _("引荐方/对接城市"), _origin, 26, wrap=True),
        Col("investor", _("投资方"), attr("investor"), width=26, wrap=True, hide=LG, empty=""),
        Col("position", _("产业链/目标环节"), _position, width=24, wrap=True, hide=LG, css="small"),
        ledger_only("region", _("拟落户地区"), attr("region"), 10),
        Col(
            "estimated_investment",
            _("预计投资(万元)"),
            attr("estimated_investment"),
            width=14,
            sort="investment",
            align="text-end",
            css="cd-mono text-nowrap",
            wan=True,
            short=_("预计投资"),
        ),
        Col("stage", _("阶段"), attr("get_stage_display"), width=8, css="text-nowrap", cell=CELLS),
        Col(
            "owner",
            _("跟进责任人"),
            attr("owner"),
            width=10,
            hide=MD,
            css="text-nowrap",
            empty="",
        ),
        ledger_only("last_follow_up_on", _("最近跟进"), attr("last_follow_up_on"), 12),
        ledger_only("next_action", _("下一步行动"), attr("next_action"), 26, wrap=True),
        Col(
            "next_action_on",
            _("下次跟进日期"),
            attr("next_action_on"),
            width=12,
            sort="next",
            css="text-nowrap",
            cell=CELLS,
            short=_("下次跟进"),
        ),
        ledger_only("project", _("转化项目"), attr("project"), 26, wrap=True),
        Col(
            "created_at",
            _("录入日期"),
            attr("created_at"),
            export=lambda lead: timezone.localtime(lead.created_at).date(),
            width=12,
            sort="created",
            hide=LG,
            css="text-nowrap",
            short=_("录入时间"),
        ),
    ),
    sorts=SORTS,
    default_sort="-created",
    queryset=base_queryset,
    select=lead_list,
    roles=OFFICIALS,
    api_name="leads",
    ledger=Ledger(
        title=_("招商线索台账"),
        name="招商线索",
        prepare=with_export_columns,
    ),
    export_view="leads:export",
    create_view="leads:create",
    create_label=_("登记线索"),
    row_testid="lead-row",
    noun=pgettext_lazy("rows of a list", "线索"),
    empty=_("暂无可查看的线索。"),
    empty_hint=_("点击“登记线索”记录以商引商、在外能人、异地对接等渠道获得的潜在项目。"),
    empty_icon="ti-target-arrow",
)
