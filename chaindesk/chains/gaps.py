"""Gap analysis (补链强链): each node rated 强 / 弱 / 缺 by rules the page states in the same words.

A node is rated on its whole subtree, so a parent such as 中游 sums up its segments:
- 缺: no local enterprise on the node or any node below it;
- 弱: enterprises, but none above the size threshold;
- 强: at least one enterprise above the size threshold.
Above the threshold means holding a qualification marked 计为规模以上 (规上工业企业, 专精特新"小巨人", 上市公司,
链主企业 …) or a latest-year 营业收入 of at least CHAINDESK_GAP_SCALE_REVENUE 万元 (default 2000, the 规上 line);
exactly the threshold counts as above."""

from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import NodeRating

DEFAULT_SCALE_REVENUE = Decimal("2000")  # 万元: the 规模以上工业企业 line of 2000万元 annual revenue
LIANZHU_CODE = "lianzhu"  # the 链主企业 qualification

# Colours as in UI.md: red 缺, orange 弱, green 强 (also the CSS status colours).
RATING_COLOURS = {NodeRating.MISSING: "#c92a2a", NodeRating.WEAK: "#d9480f", NodeRating.STRONG: "#2b8a3e"}
RATING_CSS = {NodeRating.MISSING: "red", NodeRating.WEAK: "orange", NodeRating.STRONG: "green"}
RATING_RANK = {NodeRating.MISSING: 0, NodeRating.WEAK: 1, NodeRating.STRONG: 2}


def scale_revenue() -> Decimal:
    """The revenue line (万元) above which an enterprise counts as 规上 for the gap analysis."""
    return Decimal(str(getattr(settings, "CHAINDESK_GAP_SCALE_REVENUE", DEFAULT_SCALE_REVENUE)))


def rules() -> list[tuple[str, str, str]]:
    """The rating rules as shown on the page: (rating value, label, sentence)."""
    return [
        (NodeRating.MISSING, str(NodeRating.MISSING.label), _("本环节及其下级环节没有本地企业。")),
        (NodeRating.WEAK, str(NodeRating.WEAK.label), _("有本地企业，但没有一家达到规模门槛。")),
        (NodeRating.STRONG, str(NodeRating.STRONG.label), _("至少有一家企业达到规模门槛。")),
    ]


def threshold_text() -> str:
    """What "above the size threshold" means, with the configured revenue line."""
    return _(
        "规模门槛：持有计为规模以上的资质（规上工业企业、专精特新“小巨人”、上市公司、链主企业等），"
        "或最近一年营业收入不低于 %(line)s 万元（恰好等于也算）。上级环节按其下全部环节汇总。"
    ) % {"line": f"{scale_revenue():,.0f}"}


def rate(*, n_enterprises: int, n_scale: int) -> tuple[str, str]:
    """(rating, reason) for a node whose subtree holds `n_enterprises` local enterprises, `n_scale` of
    them above the size threshold."""
    if n_enterprises == 0:
        return NodeRating.MISSING, _("无本地企业")
    if n_scale == 0:
        return NodeRating.WEAK, _("有 %(n)d 家企业，均未达到规模门槛") % {"n": n_enterprises}
    return NodeRating.STRONG, _("有 %(n)d 家规模以上企业") % {"n": n_scale}


RATING_HELP = gettext_lazy("红色为缺，橙色为弱，绿色为强；表格中同时以文字标注。")
