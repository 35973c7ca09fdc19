"""The chain map's enterprises by the nodes they sit on, as a rollup (the family `chain_node_sets`).

The map (chaindesk.chains.selectors.chain_tree) adds up, per chain, how many enterprises sit on each set of its
nodes with which 链主 and 规上 flags (`chaindesk.chains.extensions.NodeSets`), then sums those few dozen rows over
every subtree in Python, distinct. Read from the records that is one pass over every placement of the chain, the
latest revenue of each of its enterprises included: seconds at province scale. This family keeps the same rows
per block of `BLOCK` enterprise ids (`block` = enterprise id // BLOCK), so that

- a write refreshes one block (a few thousand enterprises: milliseconds), and
- the map adds up one chain's rows of every block (a few thousand rows) in one grouped query.

A change touches the block of the enterprise it concerns: an enterprise created, deleted, or given other nodes or
qualifications; an indicator (its revenue, year or enterprise) created, changed or deleted. Node moves change
nothing here (the sets hold node ids; the map walks the tree as it is when it reads). What no audited write
changes needs `chaindesk rollups --rebuild`: a qualification's 计为规模以上 flag or code (loaded, read-only in the
admin), the size threshold CHAINDESK_GAP_SCALE_REVENUE, and bulk loads that bypass the services."""

from collections.abc import Collection, Iterator
from typing import Any

from django.db import models
from django.db.models import Count, Exists, ExpressionWrapper, F, OuterRef, QuerySet, Sum, Value

from chaindesk.chains.gaps import scale_revenue
from chaindesk.chains.models import Chain
from chaindesk.core.listeners import Change
from chaindesk.enterprises.chain_map import NodeSetRow, node_set_rows
from chaindesk.enterprises.models import Enterprise, Indicator

from .families import Family, Rows, _chunks, _touched, block_batches, block_parts, block_spans, blocks_of
from .models import ChainNodeSet, ScaleYear

BLOCK = 4096  # enterprise ids per partition
REBUILD_BLOCKS = 64  # blocks a rebuild computes at a time (262,144 enterprise ids)
ENTERPRISE_FIELDS = ("nodes", "qualifications")
INDICATOR_FIELDS = ("enterprise", "year", "revenue")


def _text(nodes: Collection[int]) -> str:
    return ",".join(str(pk) for pk in sorted(nodes))


def _ranges(blocks: list[int]) -> tuple[str, list[Any]]:
    """SQL on the links `l` for the enterprise ids of `blocks` (sorted), consecutive blocks as one range."""
    spans = block_spans(blocks)
    where = " OR ".join("(l.enterprise_id >= %s AND l.enterprise_id < %s)" for _ in spans)
    return f"({where})", [bound * BLOCK for span in spans for bound in span]


class ChainNodeSets(Family):
    def sources(self) -> tuple[type[models.Model], ...]:
        return (Enterprise, Indicator)

    def live(self, partitions: Collection[Any] | None) -> Rows:
        parts: list[tuple[str, list[Any]]] = (
            [("1 = 1", [])] if partitions is None else [_ranges(part) for part in _chunks(partitions)]
        )
        rows: Rows = {}
        for where, params in parts:
            for block, chain_id, nodes, lianzhu, scale, n in node_set_rows(where, params, block=BLOCK):
                rows[(block, chain_id, _text(nodes), lianzhu, scale)] = (n,)
        return rows

    def touched(self, change: Change) -> set[Any]:
        if change.model is Enterprise:
            return {int(change.pk) // BLOCK} if _touched(change, ENTERPRISE_FIELDS) else set()
        return blocks_of(change, INDICATOR_FIELDS, "enterprise", BLOCK)

    def batches(self) -> Iterator[Collection[Any] | None]:
        return block_batches(Enterprise, BLOCK, REBUILD_BLOCKS)


CHAIN_NODE_SETS = ChainNodeSets(
    name="chain_node_sets",
    label="产业链环节企业汇总",
    model=ChainNodeSet,
    partition="block",
    keys=("block", "chain_id", "nodes", "is_lianzhu", "is_scale"),
    measures=("enterprises",),
)


def stored_node_sets(chain: Chain) -> list[NodeSetRow] | None:
    """The chain's node sets from the rollup (every block's rows added up), or None when the map must read the
    records (rollups switched off). Flushes this thread's pending refreshes of the family first."""
    from . import engine  # not at import time: the registry, which the engine imports, imports this module

    if not engine.ready(CHAIN_NODE_SETS.name):
        return None
    rows = (
        ChainNodeSet.objects.filter(chain_id=chain.pk)
        .order_by()
        .values_list("nodes", "is_lianzhu", "is_scale")
        .annotate(n=Sum("enterprises"))
    )
    return [
        (frozenset(int(pk) for pk in nodes.split(",")), lianzhu, scale, int(n)) for nodes, lianzhu, scale, n in rows
    ]


# --- 新增规上企业: enterprises that became 规上 in a year ------------------------------------------------------

SCALE_PATHS = {"chain": "enterprise__chains", "region": "enterprise__region_id"}
SCALE_ENTERPRISE_FIELDS = ("chains", "nodes", "region")


def new_scale(year: int | None = None) -> QuerySet[Indicator]:
    """The indicators by which an enterprise became 规上 (the target 新增规上企业): revenue at or above the size
    line in their year, and no such revenue the year before; of `year`, or of every year."""
    line = scale_revenue()
    was_scale = Indicator.objects.filter(
        enterprise=OuterRef("enterprise"), year=OuterRef("year") - 1, revenue__gte=line
    )
    found = Indicator.objects.filter(revenue__gte=line).filter(~Exists(was_scale))
    return found if year is None else found.filter(year=year)


class ScaleYears(Family):
    """Per block of enterprises, those that became 规上 each year, by chain and by region. A change touches the
    block of the enterprise it concerns: an indicator created, changed or deleted (its revenue, year or
    enterprise), an enterprise created, deleted, or moved to other chains or another region. The size line
    (CHAINDESK_GAP_SCALE_REVENUE) and bulk loads need a rebuild."""

    def sources(self) -> tuple[type[models.Model], ...]:
        return (Enterprise, Indicator)

    def live(self, partitions: Collection[Any] | None) -> Rows:
        parts = block_parts(partitions, "enterprise_id", BLOCK)
        block = ExpressionWrapper(F("enterprise_id") / Value(BLOCK), output_field=models.IntegerField())
        rows: Rows = {}
        for where in parts:
            for dimension, path in SCALE_PATHS.items():
                grouped = (
                    new_scale()
                    .filter(where)
                    .exclude(**{f"{path}__isnull": True})
                    .annotate(block=block)
                    .order_by()
                    .values("block", "year", path)
                    .annotate(n=Count("enterprise", distinct=True))
                )
                for r in grouped:
                    rows[(int(r["block"]), r["year"], dimension, r[path])] = (r["n"],)
        return rows

    def touched(self, change: Change) -> set[Any]:
        if change.model is Enterprise:
            return {int(change.pk) // BLOCK} if _touched(change, SCALE_ENTERPRISE_FIELDS) else set()
        return blocks_of(change, INDICATOR_FIELDS, "enterprise", BLOCK)

    def batches(self) -> Iterator[Collection[Any] | None]:
        return block_batches(Enterprise, BLOCK, REBUILD_BLOCKS)


SCALE_YEARS = ScaleYears(
    name="scale_years",
    label="新增规上企业汇总",
    model=ScaleYear,
    partition="block",
    keys=("block", "year", "dimension", "group_id"),
    measures=("enterprises",),
)
