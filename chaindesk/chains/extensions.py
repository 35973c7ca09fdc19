"""Counts that later apps add to the chain map (projects, leads) without the chains app importing them.

A later app registers a counter in its AppConfig.ready(); the map sums each counter's per-node numbers
over the subtree, like the enterprise counts. One query per registered counter.

The enterprises on the nodes (the map's own counts, 链主 and 规上 flags, and the node panel's list) come
the same way from the enterprises app (`register_enterprise_placements`): chains imports nothing from it.
Without it the map shows every node empty."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

from .models import Chain

# For one chain: {node_pk: number of records placed directly on that node}.
NodeCounter = Callable[[Chain], dict[int, int]]


@dataclass(frozen=True)
class Counter:
    key: str
    label: str | Promise
    count: NodeCounter


_COUNTERS: dict[str, Counter] = {}


def register_node_counter(key: str, label: str | Promise, count: NodeCounter) -> None:
    """Add (or replace) the counter `key`: its label heads a column of the chain map's segment table."""
    _COUNTERS[key] = Counter(key=key, label=label, count=count)


def node_counters() -> list[Counter]:
    return list(_COUNTERS.values())


# For one chain: (node_pk, enterprise_pk, is_lianzhu, has_scale_qualification, latest_revenue) per placement.
EnterpriseLinks = Callable[[Chain], Iterable[tuple[int, int, bool, bool, Any]]]
# (reader, node pks) → the enterprises the reader may see placed on those nodes, as the node panel lists them.
NodeEnterprises = Callable[[Any, list[int]], Any]


@dataclass(frozen=True)
class EnterprisePlacements:
    links: EnterpriseLinks
    on_nodes: NodeEnterprises


_PLACEMENTS: dict[str, EnterprisePlacements] = {}


def register_enterprise_placements(*, links: EnterpriseLinks, on_nodes: NodeEnterprises) -> None:
    """Say where the chain map reads the enterprises on its nodes (the enterprises app, in its ready())."""
    _PLACEMENTS["enterprises"] = EnterprisePlacements(links=links, on_nodes=on_nodes)


def enterprise_placements() -> EnterprisePlacements | None:
    return _PLACEMENTS.get("enterprises")
