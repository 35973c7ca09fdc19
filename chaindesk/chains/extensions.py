"""Counts that later apps add to the chain map (projects, leads) without the chains app importing them.

A later app registers a counter in its AppConfig.ready(); the map sums each counter's per-node numbers
over the subtree, like the enterprise counts. One query per registered counter.

The enterprises on the nodes (the map's own counts, 链主 and 规上 flags, and the node panel's list) come
the same way from the enterprises app (`register_enterprise_placements`): chains imports nothing from it.
Without it the map shows every node empty. A rollup may register a stored copy of the map's node sets
(`register_stored_node_sets`), read first when it answers."""

from collections.abc import Callable, Collection, Iterable
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


# For one chain: (the pks of the chain's nodes an enterprise sits on, is 链主, is 规上, number of enterprises) per
# distinct combination. The enterprises grouped by where they sit: a few dozen rows whatever their number, from
# which the map adds up distinct enterprises over any subtree exactly (a firm on two segments of 中游 once).
NodeSets = Callable[[Chain], Iterable[tuple[Collection[int], bool, bool, int]]]
# (reader, node pks) → the enterprises the reader may see placed on those nodes, as the node panel lists them.
NodeEnterprises = Callable[[Any, list[int]], Any]
# The same rows as `NodeSets` from a faster source (a rollup table), or None when it cannot answer and the
# records must be read (rollups switched off).
StoredNodeSets = Callable[[Chain], Iterable[tuple[Collection[int], bool, bool, int]] | None]


@dataclass(frozen=True)
class EnterprisePlacements:
    node_sets: NodeSets
    on_nodes: NodeEnterprises


_PLACEMENTS: dict[str, EnterprisePlacements] = {}
_STORED: dict[str, StoredNodeSets] = {}


def register_enterprise_placements(*, node_sets: NodeSets, on_nodes: NodeEnterprises) -> None:
    """Say where the chain map reads the enterprises on its nodes (the enterprises app, in its ready())."""
    _PLACEMENTS["enterprises"] = EnterprisePlacements(node_sets=node_sets, on_nodes=on_nodes)


def enterprise_placements() -> EnterprisePlacements | None:
    return _PLACEMENTS.get("enterprises")


def register_stored_node_sets(read: StoredNodeSets | None) -> None:
    """Say where the map reads the node sets first (a rollup app, in its ready()); None forgets it."""
    if read is None:
        _STORED.pop("node_sets", None)
    else:
        _STORED["node_sets"] = read


def node_sets(chain: Chain) -> Iterable[tuple[Collection[int], bool, bool, int]]:
    """The chain's node sets: from the stored source when one is registered and answers, else from the
    enterprises app's records; none without it."""
    stored = _STORED.get("node_sets")
    rows = stored(chain) if stored else None
    if rows is not None:
        return rows
    placements = enterprise_placements()
    return placements.node_sets(chain) if placements else []
