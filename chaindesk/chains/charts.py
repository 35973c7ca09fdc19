"""The chain map as an ECharts option (plain JSON: app.js renders it from a json_script data island)."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from . import gaps
from .models import NodeRating
from .selectors import ChainTree, NodeStats

ROW_HEIGHT = 46  # px per leaf: two label lines and air between them
MIN_HEIGHT = 420


def _safe(text: str) -> str:
    # ECharts rich-text markup uses {style|text}; keep a node's own braces and bars out of it.
    return text.replace("{", "(").replace("}", ")").replace("|", "/")


def _node(item: NodeStats, chain_pk: int) -> dict[str, Any]:
    rating = NodeRating(item.rating)
    counts = _("企业 %(n)d · 链主 %(l)d") % {"n": item.n_enterprises, "l": item.n_lianzhu}
    return {
        "name": item.name,
        "value": f"{item.rating_label} · {counts} · {item.reason}",
        "panel": reverse("chains:node_panel", args=[chain_pk, item.pk]),
        "itemStyle": {"color": gaps.RATING_COLOURS[rating], "borderColor": gaps.RATING_COLOURS[rating]},
        "label": {"formatter": f"{{n|{_safe(item.name)}}} {{{rating.value}|{item.rating_label}}}\n{{c|{counts}}}"},
        "children": [_node(child, chain_pk) for child in item.children],
    }


def _leaves(items: list[NodeStats]) -> int:
    return sum(_leaves(i.children) if i.children else 1 for i in items)


def chart_height(tree: ChainTree) -> int:
    return max(MIN_HEIGHT, _leaves(tree.roots) * ROW_HEIGHT + 40)


def map_option(tree: ChainTree) -> dict[str, Any]:
    badge = {"color": "#fff", "padding": [1, 4], "borderRadius": 2, "fontSize": 11}
    rich = {
        "n": {"fontSize": 13, "fontWeight": "bold", "color": "#1b2a41"},
        "c": {"fontSize": 11, "color": "#5f6b7d", "lineHeight": 16},
        **{r.value: {**badge, "backgroundColor": gaps.RATING_COLOURS[r]} for r in NodeRating},
    }
    root = {
        "name": _("%(name)s产业链") % {"name": tree.chain.name},
        "value": _("全链"),
        "itemStyle": {"color": "#1b2a41", "borderColor": "#1b2a41"},
        "symbolSize": 14,
        "label": {"formatter": "{root|" + _safe(_("%(name)s产业链") % {"name": tree.chain.name}) + "}"},
        "children": [_node(item, tree.chain.pk) for item in tree.roots],
    }
    rich["root"] = {"fontSize": 14, "fontWeight": "bold", "color": "#1b2a41"}
    return {
        "tooltip": {"trigger": "item", "formatter": "{b}<br/>{c}"},
        "series": [
            {
                "type": "tree",
                "data": [root],
                "orient": "LR",
                "top": 20,
                "bottom": 20,
                "left": 130,
                "right": 190,
                "symbol": "circle",
                "symbolSize": 11,
                "initialTreeDepth": -1,
                "expandAndCollapse": False,
                "roam": False,
                "lineStyle": {"color": "#b8c2cc", "width": 1.2, "curveness": 0.5},
                "label": {
                    "position": "left",
                    "verticalAlign": "middle",
                    "align": "right",
                    "distance": 8,
                    "backgroundColor": "rgba(255,255,255,0.85)",
                    "rich": rich,
                },
                "leaves": {"label": {"position": "right", "align": "left"}},
                "emphasis": {"focus": "descendant"},
                "animation": False,
            }
        ],
    }
