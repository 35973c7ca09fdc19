"""Industry chains and their segments (环节) as resources: the chain list's filter bar and columns, and every
column a segment shows in the chain map's two tables (环节列表, 补链目标) and in the 补链目标清单 ledger.

The segments are not rows of a queryset but the chain's tree with its counts and ratings
(`selectors.chain_tree`), read whole in a fixed number of queries; so the map page renders the columns named
in `NODE_TABLE` and `TARGET_TABLE`, and the ledger is written from `SEGMENTS.export_columns()` by
`gaps_ledger` (the chain's name in its title and file name, the size threshold as a note, the chain as the
audited object) instead of `Resource.export`, which exports a filtered queryset."""

from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from chaindesk.accounts.choices import OFFICIALS
from chaindesk.core import clock
from chaindesk.core.export import Column, ledger_response
from chaindesk.core.resources import MD, ROW_NUMBER, TEXT, Col, Filter, Resource, attr, page_only

from . import extensions, gaps
from .models import Chain
from .selectors import CHAIN_SORTS, SEGMENT_SORTS, NodeStats, base_queryset, chain_list

CHAIN_CELLS = "chains/partials/chain_cells.html"
SEGMENT_CELLS = "chains/partials/segment_cells.html"


def _num(key: str, header: Any, sort: str = "", **kwargs: Any) -> Col:
    return Col(key, header, attr(key), width=12, sort=sort, align="num", **kwargs)


CHAINS: Resource = Resource(
    view="chains:list",
    testid="chain",
    count_text=_("共 %(n)s 条产业链"),
    filters=(Filter("q", _("关键词"), TEXT, placeholder=_("产业链名称")),),
    columns=(
        Col("name", _("产业链"), attr("name"), width=20, sort="name", css="fw-medium", link="chains:detail"),
        Col("chief", _("链长"), attr("chief"), width=10, css="text-nowrap"),
        Col("lead_department", _("牵头部门"), attr("lead_department"), width=16, hide=MD),
        _num("n_enterprises", _("链上企业(家)"), "enterprises", cell=CHAIN_CELLS),
        _num("n_team", _("团队成员(人)"), "team"),
        page_only("map", _("图谱"), css="text-nowrap", cell=CHAIN_CELLS),
    ),
    sorts=CHAIN_SORTS,
    queryset=base_queryset,
    select=lambda user, params: chain_list(user, q=CHAINS.parse(params)["q"], sort=params.get("sort", "")),
    roles=OFFICIALS,
    api_name="chains",
    noun=pgettext_lazy("rows of a list", "产业链"),
    empty=_("暂无可查看的产业链。"),
    empty_hint=_("加入产业链服务团队后，您的产业链将显示在这里。"),
    empty_icon="ti-hierarchy-3",
)


# A segment (a `selectors.NodeStats`): the columns in the ledger's order. `name` is the page's indented tree
# cell, `path` the full path the 补链 list and the ledger show.
SEGMENTS = Resource(
    view="chains:map",
    testid="node",
    filters=(),
    columns=(
        Col("index", _("序号"), export=ROW_NUMBER, width=6, page=False, api=False),
        page_only("name", _("环节"), sort="name", css="text-nowrap", cell=SEGMENT_CELLS),
        Col("path", _("环节"), attr("path"), width=36, wrap=True, css="fw-medium"),
        Col("rating", _("评级"), attr("rating_label"), width=8, sort="rating", css="text-nowrap", cell=SEGMENT_CELLS),
        Col("reason", _("原因"), attr("reason"), width=32, wrap=True, css="small text-secondary"),
        _num("n_enterprises", _("本地企业(家)"), "enterprises", cell=SEGMENT_CELLS),
        _num("n_scale", _("规上企业(家)")),
        _num("n_lianzhu", _("链主企业(家)"), "lianzhu"),
        page_only("link", _("企业"), css="text-nowrap", cell=SEGMENT_CELLS),
    ),
    sorts=SEGMENT_SORTS,
)
# The map page's tables, by column key; COUNTERS stands for the counters later apps register (项目, 线索).
COUNTERS = "__counters__"
NODE_TABLE = ("name", "n_enterprises", "n_lianzhu", COUNTERS, "rating", "reason", "link")
TARGET_TABLE = ("path", "rating", "reason", "n_enterprises", "n_scale")


def _counter_column(counter: extensions.Counter) -> Col:
    def value(item: NodeStats) -> int:
        return item.extra.get(counter.key, 0)

    return Col(f"extra_{counter.key}", counter.label, value, align="num", in_export=False, api=False)


def segment_columns(keys: Sequence[str]) -> list[Col]:
    """The SEGMENTS columns named by `keys`, in that order (COUNTERS: one column per registered counter)."""
    by_key = {c.key: c for c in SEGMENTS.columns}
    columns: list[Col] = []
    for key in keys:
        if key == COUNTERS:
            columns += [_counter_column(counter) for counter in extensions.node_counters()]
        else:
            columns.append(by_key[key])
    return columns


def gaps_ledger(request: HttpRequest, chain: Chain, targets: Sequence[NodeStats]) -> HttpResponse:
    """The chain's 补链 targets as the .xlsx ledger of SEGMENTS' export columns; the export itself is audited."""
    title = gettext("%(name)s产业链补链目标清单") % {"name": chain.name}
    now = clock.localnow().strftime("%Y-%m-%d %H:%M")
    return ledger_response(
        request,
        filename=f"{title}.xlsx",
        title=title,
        notes=[
            gettext("导出时间：%(now)s　导出人：%(user)s　共 %(n)d 个环节")
            % {"now": now, "user": request.user, "n": len(targets)},
            gaps.threshold_text(),
        ],
        columns=[Column(c.label, c.width, c.wrap) for c in SEGMENTS.export_columns()],
        rows=SEGMENTS.ledger_rows(targets, request.user),
        audit_message=f"{title} ({len(targets)})",
        audit_object=chain,
    )
