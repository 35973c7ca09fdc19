"""Briefings as a resource: the list's filter bar and columns, declared once (chaindesk/core/resources.py). The list
has no export and no API list of its own: a briefing's data is its XLSX ledger pack."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chaindesk.core.resources import CHOICE, ID, LG, MD, TEXT, Col, Filter, Resource, attr, date_range, page_only

from .choices import BriefingKind
from .permissions import READER_ROLES
from .selectors import DEFAULT_SORT, SORTS, base_queryset

CELLS = "reports/partials/list_cells.html"

BRIEFINGS: Resource = Resource(
    view="reports:list",
    testid="briefing",
    filters=(
        Filter("q", _("关键词"), TEXT, placeholder=_("标题或会议名称")),
        Filter("chain", _("产业链"), ID, options="chains"),
        Filter("kind", _("类型"), CHOICE, options=BriefingKind.choices, values=BriefingKind.values),
        *date_range("from", "to", _("成文日期从"), _("至")),
    ),
    columns=(
        Col("dated_on", _("成文日期"), attr("dated_on"), sort="dated", css="text-nowrap"),
        Col("number", _("期号"), attr("number_text"), sort="number", css="text-nowrap", hide=MD),
        Col("title", _("标题"), attr("title"), sort="title", link="reports:detail"),
        page_only("kind", _("类型"), css="text-nowrap", cell=CELLS),
        Col("chain", _("产业链"), attr("chain.name"), hide=MD, css="text-nowrap"),
        page_only("period", _("统计期"), hide=LG, css="text-nowrap", cell=CELLS),
        page_only("latest", _("最新版本"), css="text-nowrap", cell=CELLS),
    ),
    sorts=SORTS,
    default_sort=DEFAULT_SORT,
    queryset=base_queryset,
    create_view="reports:new",
    create_label=_("新建简报"),
    roles=READER_ROLES,
    keep_sort=True,
    row_testid="briefing-row",
    noun=pgettext_lazy("rows of a list", "简报"),
    empty=_("暂无简报。"),
    empty_hint=_("在会议页点击“生成简报”，或点击右上角“新建简报”为产业链的一个统计期生成阶段简报。"),
    empty_icon="ti-report-analytics",
)
