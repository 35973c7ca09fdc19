"""Reads on the enterprise registry, always starting from the user's visible set."""

import datetime as dt
import difflib
import heapq
import itertools
import re
import string
from array import array
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, TypeVar

from django.db import connection
from django.db.models import CharField, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import Region, User
from chaindesk.chains.models import Chain, ChainNode
from chaindesk.core import clock
from chaindesk.core.listing import sort_queryset
from chaindesk.core.params import param_days, param_id, param_text

from .models import Enterprise, Indicator, Qualification

SORTS = {
    "name": "name",
    "region": "region__code",
    "founded": "founded_on",
    "created": "created_at",
    "visit": "last_visit_on",
}

# Stripped before comparing names: 泰州XX医药科技有限公司 and 泰州XX医药有限公司 are the same firm to a reader.
_NAME_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "集团",
    "分公司",
    "科技",
    "实业",
    "公司",
    "江苏",
    "泰州市",
    "泰州",
)
SIMILARITY_THRESHOLD = 0.8


_NOT_IN_CORE = re.compile(r"[\s()（）]")


def name_core(name: str) -> str:
    core = _NOT_IN_CORE.sub("", name or "")
    changed = True
    while changed and (core.endswith(_NAME_SUFFIXES) or core.startswith(_NAME_SUFFIXES)):
        changed = False
        for suffix in _NAME_SUFFIXES:
            if core.endswith(suffix) and len(core) > len(suffix):
                core, changed = core[: -len(suffix)], True
            if core.startswith(suffix) and len(core) > len(suffix):
                core, changed = core[len(suffix) :], True
    return core


def _probe_bigrams(core: str, limit: int = 4) -> list[str]:
    """A few 2-character pieces spread over the name: any real near-duplicate shares at least one."""
    grams = [core[i : i + 2] for i in range(len(core) - 1)]
    if len(grams) <= limit:
        return grams
    step = (len(grams) - 1) / (limit - 1)
    return list(dict.fromkeys(grams[round(i * step)] for i in range(limit)))


T = TypeVar("T")
CANDIDATES = 200  # registered names compared with one name, at most


def _closest(core: str, candidates: Iterable[tuple[str, T]], limit: int) -> list[T]:
    """The `candidates` ((name core, item) pairs) whose core is at least SIMILARITY_THRESHOLD alike (difflib's
    ratio), best first (ties in the candidates' order). difflib's two cheap upper bounds of the ratio
    (real_quick_ratio: the lengths; quick_ratio: the characters in common), computed here with its own formula, drop
    most candidates first: they share a bigram and little more, and building a SequenceMatcher for each was most of
    an import's dry run."""
    letters = Counter(core)
    scored = []
    for other, candidate in candidates:
        length = len(core) + len(other)
        if 2.0 * min(len(core), len(other)) / length < SIMILARITY_THRESHOLD:
            continue
        if 2.0 * (letters & Counter(other)).total() / length < SIMILARITY_THRESHOLD:
            continue
        ratio = difflib.SequenceMatcher(None, core, other).ratio()
        if ratio >= SIMILARITY_THRESHOLD:
            scored.append((ratio, candidate))
    scored.sort(key=lambda pair: -pair[0])
    return [candidate for _ratio, candidate in scored[:limit]]


def similar_enterprises(name: str, *, exclude_pk: int | None = None, limit: int = 5) -> list[Enterprise]:
    """Registered enterprises whose name is close to `name` (SequenceMatcher ratio ≥ 0.8 on the names
    without their common suffixes). Candidates come from name__contains on a few bigrams, which is a
    plain LIKE on SQLite and PostgreSQL alike; the fuzzy comparison runs in Python on at most 200 rows.
    For many names at once, SimilarNames finds the same with one query."""
    core = name_core(name)
    if len(core) < 2:
        return []
    condition = Q()
    for gram in _probe_bigrams(core):
        condition |= Q(name__contains=gram)
    candidates_qs = Enterprise.objects.filter(condition)
    if exclude_pk is not None:
        candidates_qs = candidates_qs.exclude(pk=exclude_pk)
    candidates = candidates_qs.only("pk", "name")[:CANDIDATES]
    return _closest(core, ((name_core(candidate.name), candidate) for candidate in candidates), limit)


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


class SimilarNames:
    """similar_enterprises for a whole ledger's names: the registry's names read once, in the order the
    query reads them (Enterprise's ordering), with an index of their 2-character pieces; a name's candidates are
    the first CANDIDATES names holding one of its probe bigrams, as name__contains would pick them (a LIKE,
    which SQLite runs case-blind on ASCII letters and PostgreSQL does not). An import of 100 000 rows asked one
    query per name for 300 of them; this is one query for all, and the same answers (tested against it)."""

    def __init__(self) -> None:
        self._fold = connection.vendor == "sqlite"
        # Kept by column, keys as 8-byte machine integers and positions as 4-byte ones: a province's registry of
        # 200 000 generated names took 48 MB this way (79 MB as tuples and lists of integers).
        self._pks: array[int] = array("q")
        self._names: list[str] = []
        self._usccs: list[str] = []
        self._postings: dict[str, array[int]] = {}
        rows = Enterprise.objects.values_list("pk", "name", "uscc").iterator(chunk_size=5000)
        for position, (pk, name, uscc) in enumerate(rows):
            self._pks.append(pk)
            self._names.append(name)
            self._usccs.append(uscc)
            text = self._folded(name)
            for gram in {text[i : i + 2] for i in range(len(text) - 1)}:
                postings = self._postings.get(gram)
                if postings is None:
                    postings = self._postings[gram] = array("I")
                postings.append(position)
        self._by_name: dict[str, list[int]] | None = None
        self._cores: dict[int, str] = {}

    def _core(self, position: int) -> str:
        core = self._cores.get(position)
        if core is None:
            core = self._cores[position] = name_core(self._names[position])
        return core

    def _folded(self, text: str) -> str:
        return text.translate(_ASCII_LOWER) if self._fold else text

    def _enterprise(self, position: int) -> Enterprise:
        return Enterprise(pk=self._pks[position], name=self._names[position], uscc=self._usccs[position])

    def similar(self, name: str, *, limit: int = 5) -> list[Enterprise]:
        """What similar_enterprises(name, limit=limit) returns."""
        core = name_core(name)
        if len(core) < 2:
            return []
        lists: list[Sequence[int]] = [self._postings.get(self._folded(gram), ()) for gram in _probe_bigrams(core)]
        positions = itertools.islice(_unique_sorted(heapq.merge(*lists)), CANDIDATES)
        closest = _closest(core, ((self._core(position), position) for position in positions), limit)
        return [self._enterprise(position) for position in closest]

    def named(self, name: str) -> list[Enterprise]:
        """The registered enterprises with exactly this name, oldest first."""
        if self._by_name is None:
            self._by_name = {}
            for position, registered in enumerate(self._names):
                self._by_name.setdefault(registered, []).append(position)
        found = [self._enterprise(position) for position in self._by_name.get(name, ())]
        return sorted(found, key=lambda enterprise: enterprise.pk)


FEW_NAMES = 30  # names looked up a query each; more read the registry's names once (SimilarNames)


def similar_search(count: int) -> Callable[[str], list[Enterprise]]:
    """How a batch finds the similar names of `count` names: similar_enterprises, a query a name, for a few;
    SimilarNames.similar, the registry read once, for more (an import's ledger must not cost a query a row)."""
    return similar_enterprises if count <= FEW_NAMES else SimilarNames().similar


def _unique_sorted(values: Iterable[int]) -> Iterator[int]:
    """A sorted stream without its repeats."""
    last = None
    for value in values:
        if value != last:
            yield value
            last = value


def descendant_ids(node_id: int, parents: dict[int, int | None] | None = None) -> set[int]:
    """The node and every node below it. `parents` (node → parent) may come from the filter choices,
    already loaded; otherwise the node's chain is read in one query. The tree is walked in Python."""
    if parents is None:
        parents = dict(ChainNode.objects.filter(chain__nodes=node_id).values_list("pk", "parent_id"))
    if node_id not in parents:
        return set()
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in parents.items():
        children.setdefault(parent_id, []).append(pk)
    found: set[int] = set()
    stack = [node_id]
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children.get(current, []))
    return found


def base_queryset(user: Any) -> QuerySet[Enterprise]:
    """The enterprises a user may see, with what a list row shows (the filters: `resources.ENTERPRISES`)."""
    return Enterprise.objects.visible_to(user).select_related("region", "liaison")


def enterprise_list(
    user: Any, params: dict[str, str], *, node_parents: dict[int, int | None] | None = None
) -> tuple[QuerySet[Enterprise], str]:
    """The filtered, sorted list a user may see. Filters: q (name or USCC prefix), region, chain, node
    (with its descendants; `node_parents` saves a query when the caller already holds the tree), qual,
    liaison, stale (no visit in N days)."""
    qs = base_queryset(user)
    q = param_text(params.get("q"))
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(uscc__startswith=q.upper()))
    if (region := param_id(params.get("region"))) is not None:
        qs = qs.filter(Q(region_id=region) | Q(region__parent_id=region))
    if (chain := param_id(params.get("chain"))) is not None:
        qs = qs.filter(Exists(Enterprise.chains.through.objects.filter(enterprise_id=OuterRef("pk"), chain_id=chain)))
    if (node_id := param_id(params.get("node"))) is not None:
        ids = descendant_ids(node_id, node_parents)
        links = Enterprise.nodes.through.objects.filter(enterprise_id=OuterRef("pk"), chainnode_id__in=ids)
        qs = qs.filter(Exists(links))
    if (qual := param_id(params.get("qual"))) is not None:
        held = Enterprise.qualifications.through.objects.filter(enterprise_id=OuterRef("pk"), qualification_id=qual)
        qs = qs.filter(Exists(held))
    if (liaison := param_id(params.get("liaison"))) is not None:
        qs = qs.filter(liaison_id=liaison)
    if (stale := param_days(params.get("stale"))) is not None:
        cutoff = clock.today() - dt.timedelta(days=stale)
        qs = qs.filter(Q(last_visit_on__isnull=True) | Q(last_visit_on__lt=cutoff))
    return sort_queryset(qs, params.get("sort", ""), SORTS, "name")


def with_nodes(qs: QuerySet[Enterprise]) -> QuerySet[Enterprise]:
    """Chain position for each row in one extra query."""
    return qs.prefetch_related(Prefetch("nodes", queryset=ChainNode.objects.select_related("chain")))


def with_export_columns(qs: QuerySet[Enterprise]) -> QuerySet[Enterprise]:
    latest = Indicator.objects.filter(enterprise_id=OuterRef("pk"), revenue__isnull=False).order_by("-year")
    return (
        with_nodes(qs)
        .prefetch_related("qualifications", "chains")
        .annotate(
            latest_revenue=Subquery(latest.values("revenue")[:1]), latest_year=Subquery(latest.values("year")[:1])
        )
    )


@dataclass
class FilterChoices:
    chains: list[tuple[int, str]] = field(default_factory=list)
    nodes: list[tuple[int, str]] = field(default_factory=list)  # indented under their chain
    regions: list[tuple[int, str]] = field(default_factory=list)
    qualifications: list[tuple[int, str]] = field(default_factory=list)
    liaisons: list[tuple[int, str]] = field(default_factory=list)
    node_parents: dict[int, int | None] = field(default_factory=dict)  # the visible chains' trees


def choice_rows(
    qs: QuerySet[Any], kind: str, *, name: str = "name", parent: str | None = None, group: str | None = None
) -> QuerySet[Any]:
    """One part of a filter bar's UNION query (`read_choices`): (kind, id, name, parent, group, sort) for each
    option of `qs`; a segment ("node") names its parent and its chain (`group`), and carries its sort order."""
    null = Value(None, output_field=IntegerField())
    return (
        qs.order_by()
        .annotate(
            c_kind=Value(kind, output_field=CharField()),
            c_id=Cast("pk", IntegerField()),
            c_name=Cast(name, CharField()),
            c_parent=Cast(parent, IntegerField()) if parent else null,
            c_group=Cast(group, IntegerField()) if group else null,
            c_sort=Cast("sort_order", IntegerField()) if kind == "node" else null,
        )
        .values_list("c_kind", "c_id", "c_name", "c_parent", "c_group", "c_sort")
    )


@dataclass
class Choices:
    """A filter bar's options as `read_choices` returns them: (id, name) pairs by kind, the segments as the
    indented tree of `node_options`, and each segment's parent (what `descendant_ids` walks)."""

    options: dict[str, list[tuple[int, str]]]
    nodes: list[tuple[int, str]]
    node_parents: dict[int, int | None]

    def of(self, kind: str) -> list[tuple[int, str]]:
        return self.options.get(kind, [])


def read_choices(parts: Sequence[QuerySet[Any]], *, by_name: Collection[str] = ()) -> Choices:
    """The options of `parts` (`choice_rows`, one a kind) in one UNION query: each kind's (id, name) pairs in id
    order (in name order for the kinds in `by_name`: people), the segments ("node") under the chains
    ("chain")."""
    options: dict[str, list[tuple[int, str]]] = {}
    nodes: list[tuple[int, str, int | None, int, int]] = []
    node_parents: dict[int, int | None] = {}
    for kind, pk, name, parent, group, sort in parts[0].union(*parts[1:], all=True):
        if kind == "node":
            nodes.append((pk, name, parent, group, sort or 0))
            node_parents[pk] = parent
        else:
            options.setdefault(kind, []).append((pk, name))
    for kind, pairs in options.items():
        pairs.sort(key=itemgetter(1 if kind in by_name else 0))
    return Choices(options, node_options(options.get("chain", []), nodes), node_parents)


def chain_and_region_rows(user: Any) -> list[QuerySet[Any]]:
    """The UNION parts every chain-scoped list's filter bar starts from: the chains the user sees, their
    segments (under their chain, with their parents) and the regions below the province."""
    chains = Chain.objects.visible_to(user)
    return [
        choice_rows(chains, "chain"),
        choice_rows(ChainNode.objects.filter(chain__in=chains), "node", parent="parent_id", group="chain_id"),
        choice_rows(Region.objects.exclude(level="province"), "region", parent="parent_id"),
    ]


def filter_choices(user: Any) -> FilterChoices:
    """Every filter's options in one UNION query (a list page has six queries in all to spend)."""
    read = read_choices(
        [
            *chain_and_region_rows(user),
            choice_rows(Qualification.objects.all(), "qual"),
            choice_rows(User.objects.filter(role=Role.LIAISON, is_active=True), "liaison", name="display_name"),
        ],
        by_name={"liaison"},
    )
    return FilterChoices(
        chains=read.of("chain"),
        nodes=read.nodes,
        regions=read.of("region"),
        qualifications=read.of("qual"),
        liaisons=read.of("liaison"),
        node_parents=read.node_parents,
    )


def node_options(
    chains: list[tuple[int, str]], nodes: list[tuple[int, str, int | None, int, int]]
) -> list[tuple[int, str]]:
    """Nodes as a tree in one flat list: "生物医药 · 原料药", children indented below their parent."""
    children: dict[tuple[int, int | None], list[tuple[int, str, int]]] = {}
    for pk, name, parent, chain_id, sort in nodes:
        children.setdefault((chain_id, parent), []).append((sort, name, pk))
    options: list[tuple[int, str]] = []

    def walk(chain_id: int, parent: int | None, depth: int, prefix: str) -> None:
        for _sort, name, pk in sorted(children.get((chain_id, parent), [])):
            options.append((pk, ("\u3000" * depth) + (prefix if depth == 0 else "") + name))
            walk(chain_id, pk, depth + 1, prefix)

    for chain_id, chain_name in chains:
        walk(chain_id, None, 0, f"{chain_name} · ")
    return options
