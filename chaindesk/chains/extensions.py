"""Counts that later apps add to the chain map (projects, leads) without the chains app importing them.

A later app registers a counter in its AppConfig.ready(); the map sums each counter's per-node numbers
over the subtree, like the enterprise counts. One query per registered counter."""

from collections.abc import Callable
from dataclasses import dataclass

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
