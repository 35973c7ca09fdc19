"""Items sought from higher levels (上争事项) as a resource: the filter bar, the list's columns and the
上争事项台账 columns."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chaindesk.accounts.choices import OFFICIALS, Role
from chaindesk.core.resources import (
    CHOICE,
    DATE,
    LG,
    MD,
    TEXT,
    Col,
    Filter,
    Ledger,
    Resource,
    attr,
    ledger_only,
    page_only,
)

from .choices import UpwardKind, UpwardLevel, UpwardStage
from .models import UpwardRequest
from .selectors import SORTS, base_queryset, upward_list

CELLS = "upward/partials/list_cells.html"


def _prepare(qs: QuerySet[UpwardRequest]) -> QuerySet[UpwardRequest]:
    return qs.prefetch_related("enterprises", "projects")


def _names(rows: Any) -> str:
    return "、".join(str(row.name) for row in rows)


def _amount(key: str, header: Any, short: Any, sort: str) -> Col:
    return Col(key, header, attr(key), width=14, sort=sort, align="text-end", css="text-nowrap", wan=True, short=short)


UPWARD_VIEWERS = frozenset({*OFFICIALS, Role.DEPT_HANDLER})

UPWARD = Resource(
    view="upward:list",
    testid="upward",
    count_text=_("共 %(n)s 项"),
    filters=(
        Filter("q", _("关键词"), TEXT, placeholder=_("事项名称或对接部门")),
        Filter("kind", _("类型"), CHOICE, options=UpwardKind.choices, values=UpwardKind.values),
        Filter("level", _("争取层级"), CHOICE, options=UpwardLevel.choices, values=UpwardLevel.values),
        Filter("stage", _("阶段"), CHOICE, options=UpwardStage.choices, values=UpwardStage.values),
        Filter("department", _("责任部门"), options="departments", width="col-sm-6 col-lg-3"),
        Filter("chain", _("产业链"), options="chains"),
        Filter("deadline_from", _("申报截止（起）"), DATE, input_id="f-from"),
        Filter("deadline_to", _("申报截止（止）"), DATE, input_id="f-to"),
    ),
    columns=(
        Col("title", _("事项名称"), attr("title"), width=34, sort="title", link="upward:detail"),
        page_only("kind_level", _("类型/层级"), css="small text-nowrap", cell=CELLS),
        ledger_only("kind", _("类型"), attr("get_kind_display"), 10),
        ledger_only("level", _("争取层级"), attr("get_level_display"), 8),
        Col("counterpart", _("对接部门"), attr("counterpart"), width=18, hide=MD, css="small", empty=""),
        ledger_only("chain", _("产业链"), attr("chain.name"), 12),
        ledger_only("region", _("所在地区"), attr("region.name"), 10),
        Col("department", _("责任部门"), attr("department"), width=14, hide=LG, css="small", empty=""),
        Col("chain_name", _("产业链"), attr("chain.name"), in_export=False, api=False, hide=LG, css="small"),
        Col("stage", _("阶段"), attr("get_stage_display"), width=8, sort="stage", css="text-nowrap", cell=CELLS),
        ledger_only("stage_changed_on", _("阶段变更日期"), attr("stage_changed_on"), 12),
        ledger_only("window_opens_on", _("申报窗口开始"), attr("window_opens_on"), 12),
        Col("deadline", _("申报截止"), attr("deadline"), width=12, sort="deadline", css="text-nowrap", cell=CELLS),
        _amount("amount_sought", _("争取金额(万元)"), _("争取金额"), "sought"),
        _amount("amount_obtained", _("获批金额(万元)"), _("获批金额"), "obtained"),
        ledger_only(
            "enterprises", _("关联企业"), lambda item: "、".join(str(e.name) for e in item.enterprises.all()), 30
        ),
        ledger_only("projects", _("关联项目"), lambda item: "、".join(str(p.name) for p in item.projects.all()), 30),
        ledger_only("description", _("事项说明"), attr("description"), 40),
    ),
    sorts=SORTS,
    default_sort="deadline",
    queryset=base_queryset,
    select=upward_list,
    roles=UPWARD_VIEWERS,
    api_name="upward",
    ledger=Ledger(
        title=_("上争事项台账"),
        name="上争事项台账",
        prepare=_prepare,
    ),
    export_view="upward:export",
    create_view="upward:create",
    create_label=_("登记上争事项"),
    keep_sort=True,
    noun=pgettext_lazy("rows of a list", "上争事项"),
    empty=_("暂无可查看的上争事项。"),
    empty_hint=_("向省、国家争取的资金、政策、试点、审批和要素指标登记后将显示在这里。"),
    empty_icon="ti-flag-up",
)
