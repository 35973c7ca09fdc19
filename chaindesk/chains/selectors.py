"""Reads of a chain's node tree with per-node counts and ratings.

The tree is one query for the nodes and one for the chain's enterprises grouped by the set of nodes each sits
on and its 链主 and 规上 flags (a few dozen rows whatever the number of enterprises; read by the enterprises app,
which registers it in chaindesk.chains.extensions), whatever the number of nodes; subtree totals are summed in
Python over those sets, so a firm on two segments of 中游 counts once there."""

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from . import extensions, gaps
from .models import Chain, ChainNode, ChainQuerySet

# The chain list's sort keys (`resources.CHAINS`): without one the chains keep their own order (排序, 编码).
CHAIN_SORTS = {"name": "name", "enterprises": "n_enterprises", "team": "n_team"}
# The segment table's sort keys (`resources.SEGMENTS`): a NodeStats attribute each, sorted in Python.
SEGMENT_SORTS = {"name": "path", "enterprises": "n_enterprises", "lianzhu": "n_lianzhu", "rating": "rating_rank"}


def base_queryset(user: Any) -> ChainQuerySet:
    """The chains a user may see, with what a row of the chain list shows (the filters: `resources.CHAINS`)."""
    return Chain.objects.visible_to(user).select_related("chief", "lead_department").with_counts()


def chain_list(user: Any, *, q: str | None = None, sort: str = "") -> tuple[ChainQuerySet, str]:
    """The user's visible chains, filtered by the keyword (name or code) and sorted as asked; an unknown sort
    keeps the chains' own order and is not echoed back."""
    qs = base_queryset(user)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    key = sort.lstrip("-")
    if key not in CHAIN_SORTS:
        return qs, ""
    prefix = "-" if sort.startswith("-") else ""
    return qs.order_by(f"{prefix}{CHAIN_SORTS[key]}", f"{prefix}sort_order", "code"), sort


@dataclass
class NodeStats:
    """A node with its place in the tree and its subtree's counts and rating."""

    node: ChainNode
    depth: int
    children: list["NodeStats"] = field(default_factory=list)
    n_own: int = 0
    n_enterprises: int = 0
    n_lianzhu: int = 0
    n_scale: int = 0
    rating: str = ""
    reason: str = ""
    path: str = ""
    # Subtree totals of the counters later apps register (chaindesk.chains.extensions), by key.
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def pk(self) -> int:
        return self.node.pk

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def rating_label(self) -> str:
        return str(gaps.NodeRating(self.rating).label)

    @property
    def rating_css(self) -> str:
        return gaps.RATING_CSS[gaps.NodeRating(self.rating)]

    @property
    def rating_rank(self) -> int:
        """缺 < 弱 < 强, the order the segment table sorts the rating in."""
        return gaps.RATING_RANK[gaps.NodeRating(self.rating)]


@dataclass
class ChainTree:
    chain: Chain
    roots: list[NodeStats]
    by_pk: dict[int, NodeStats]

    def walk(self) -> Iterator[NodeStats]:
        """Every node in tree order (depth first, siblings by sort order)."""
        stack = list(reversed(self.roots))
        while stack:
            item = stack.pop()
            yield item
            stack.extend(reversed(item.children))

    def sorted(self, requested: str) -> tuple[list[NodeStats], str]:
        """Every node sorted by a segment sort key (`-key` descending; ties keep tree order), or in tree
        order with "" for no sort or an unknown one."""
        rows = list(self.walk())
        key = requested.lstrip("-")
        if key not in SEGMENT_SORTS:
            return rows, ""
        field_name = SEGMENT_SORTS[key]
        rows.sort(key=lambda item: getattr(item, field_name), reverse=requested.startswith("-"))
        return rows, requested

    def targets(self) -> list[NodeStats]:
        """The 补链 target list: nodes rated 缺 or 弱, in tree order."""
        return [s for s in self.walk() if s.rating != gaps.NodeRating.STRONG]

    def summary(self) -> dict[str, int]:
        counts = {r.value: 0 for r in gaps.NodeRating}
        for item in self.walk():
            counts[item.rating] += 1
        return counts


def node_sets(chain: Chain) -> Iterable[tuple[Collection[int], bool, bool, int]]:
    """(node pks, is_lianzhu, is_scale, number of enterprises) per place enterprises sit on `chain`, as the
    enterprises app (or a rollup of it) reads them (chaindesk.chains.extensions); none without it."""
    return extensions.node_sets(chain)


def _assemble(chain: Chain, nodes: Iterable[ChainNode]) -> ChainTree:
    by_pk: dict[int, NodeStats] = {}
    ordered = list(nodes)
    for node in ordered:
        by_pk[node.pk] = NodeStats(node=node, depth=0)
    roots: list[NodeStats] = []
    for node in ordered:
        item = by_pk[node.pk]
        parent = by_pk.get(node.parent_id) if node.parent_id else None
        (parent.children if parent else roots).append(item)
    tree = ChainTree(chain=chain, roots=roots, by_pk=by_pk)
    for root in roots:
        _set_depth(root, 0, "")
    return tree


def _set_depth(item: NodeStats, depth: int, prefix: str) -> None:
    stack = [(item, depth, prefix)]
    while stack:
        current, d, p = stack.pop()
        current.depth = d
        current.path = f"{p} / {current.name}" if p else current.name
        stack.extend((child, d + 1, current.path) for child in current.children)


def _count(tree: ChainTree, sets: Iterable[tuple[Collection[int], bool, bool, int]]) -> None:
    """Each node's enterprises on it (本级) and in its subtree, distinct: a set of enterprises sitting on some
    nodes counts once at every node that is one of them or above one of them."""
    above: dict[int, list[int]] = {}  # node pk -> itself and every node above it
    for item in tree.walk():
        above[item.pk] = [item.pk, *above.get(item.node.parent_id or 0, [])]  # tree order: parents first
    own: dict[int, int] = {}
    total: dict[int, int] = {}
    lianzhu: dict[int, int] = {}
    scale: dict[int, int] = {}
    for nodes, is_lianzhu, is_scale, n in sets:
        covered: set[int] = set()
        for pk in nodes:
            if pk in above:
                own[pk] = own.get(pk, 0) + n
                covered.update(above[pk])
        for pk in covered:
            total[pk] = total.get(pk, 0) + n
            if is_lianzhu:
                lianzhu[pk] = lianzhu.get(pk, 0) + n
            if is_scale:
                scale[pk] = scale.get(pk, 0) + n
    for item in tree.walk():
        item.n_own = own.get(item.pk, 0)
        item.n_enterprises = total.get(item.pk, 0)
        item.n_lianzhu = lianzhu.get(item.pk, 0)
        item.n_scale = scale.get(item.pk, 0)
        item.rating, item.reason = gaps.rate(n_enterprises=item.n_enterprises, n_scale=item.n_scale)


def chain_tree(chain: Chain) -> ChainTree:
    """The chain's whole tree with counts and ratings: two queries whatever the size of the tree."""
    nodes = ChainNode.objects.filter(chain=chain).order_by("sort_order", "pk")
    tree = _assemble(chain, nodes)
    _count(tree, node_sets(chain))
    _count_extra(tree)
    return tree


def _count_extra(tree: ChainTree) -> None:
    """Sum each registered counter's per-node numbers over the subtree (one query per counter)."""
    for counter in extensions.node_counters():
        own = counter.count(tree.chain)

        def visit(item: NodeStats, key: str = counter.key, own: dict[int, int] = own) -> int:
            total = own.get(item.pk, 0) + sum(visit(child) for child in item.children)
            item.extra[key] = total
            return total

        for root in tree.roots:
            visit(root)


def node_enterprises(*, user: Any, node: ChainNode, subtree_ids: Iterable[int]) -> Any:
    """The enterprises the user may see on `node` or below it, with what the node panel shows (a queryset
    from the enterprises app, chaindesk.chains.extensions; an empty list without it)."""
    placements = extensions.enterprise_placements()
    return placements.on_nodes(user, [node.pk, *subtree_ids]) if placements else []


def subtree_ids(node: ChainNode) -> set[int]:
    """Ids of the nodes below `node` (itself excluded), from one query over the chain's parent links."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in ChainNode.objects.filter(chain_id=node.chain_id).values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found: set[int] = set()
    stack = list(children.get(node.pk, []))
    while stack:
        pk = stack.pop()
        if pk not in found:
            found.add(pk)
            stack.extend(children.get(pk, []))
    return found


def descendant_ids(tree: ChainTree, pk: int) -> list[int]:
    """Ids below node `pk` in an already loaded tree (no query)."""
    item = tree.by_pk.get(pk)
    found: list[int] = []
    stack = list(item.children) if item else []
    while stack:
        current = stack.pop()
        found.append(current.pk)
        stack.extend(current.children)
    return found
