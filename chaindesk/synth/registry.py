"""Synthetic registry details of the generated enterprises: their chain nodes, qualifications, three years of
indicators and one or two contacts.

Each (enterprise, chain) link from the enterprises generator gets one leaf node of that chain, so
Enterprise.chains covers the chains of Enterprise.nodes exactly. The node trees and qualifications are the
demo city's (chaindesk.demo.trees), loaded before the generators run. The leaves the demo leaves empty stay
empty and its 弱 leaves get only small firms, so the chain map shows all three ratings at every scale."""

import math
from collections import defaultdict
from collections.abc import Iterator

from chaindesk.chains.models import ChainNode
from chaindesk.demo import names, trees
from chaindesk.enterprises.models import Contact, Enterprise, Indicator, Qualification

from .base import BulkWriter, Context, register

YEARS = (2023, 2024, 2025)
SCALE_LINE = 2000.0  # 万元: the 规上 revenue line
# (code, share among firms at or above the line, share among the others)
QUALIFICATION_SHARES = [
    ("gxjs", 0.35, 0.10),
    ("zjtx", 0.15, 0.05),
    ("xjr", 0.04, 0.0),
    ("ssgs", 0.01, 0.0),
    ("lianzhu", 0.004, 0.0),
    ("ddbc", 0.002, 0.0),
]
TITLES = [("总经理", "办公室主任"), ("董事长", "财务总监"), ("常务副总经理", "项目经理")]


def first_synthetic_enterprise(ctx: Context) -> int:
    """The enterprises generator writes contiguous ids ending at the table's maximum."""
    return ctx.writer.next_id(Enterprise._meta.db_table) - ctx.scale.enterprises


def reset(writer: BulkWriter) -> None:
    writer.wipe(
        Contact._meta.db_table,
        Indicator._meta.db_table,
        Enterprise.qualifications.through._meta.db_table,
        Enterprise.nodes.through._meta.db_table,
    )


def _leaves() -> tuple[dict[int, list[int]], set[int]]:
    """Placeable leaf ids per chain id, and the ids of the leaves that must stay 弱."""
    by_chain: dict[int, list[int]] = defaultdict(list)
    weak: set[int] = set()
    parents = set(ChainNode.objects.exclude(parent=None).values_list("parent_id", flat=True))
    for pk, chain_id, code, name in ChainNode.objects.order_by("chain", "pk").values_list(
        "pk", "chain_id", "chain__code", "name"
    ):
        profile = trees.LEAF_PROFILES.get(code, {}).get(name)
        if pk in parents or profile == trees.MISSING:
            continue
        by_chain[chain_id].append(pk)
        if profile == trees.WEAK:
            weak.add(pk)
    return by_chain, weak


def _money(value: float) -> str:
    return f"{value:.2f}"


@register("registry", reset=reset)
def generate(ctx: Context) -> None:
    rng = ctx.rng("registry")
    writer = ctx.writer
    first = first_synthetic_enterprise(ctx)
    through = Enterprise.chains.through._meta.db_table
    links = writer.execute(
        f"SELECT enterprise_id, chain_id FROM {through} WHERE enterprise_id >= %s ORDER BY enterprise_id, chain_id",  # noqa: S608
        [first],
    )
    leaves, weak = _leaves()
    quals = dict(Qualification.objects.values_list("code", "pk"))
    node_links: list[tuple[int, int]] = []
    small: set[int] = set()
    for enterprise_id, chain_id in links:
        if chain_id in leaves:
            node = rng.choice(leaves[chain_id])
            node_links.append((enterprise_id, node))
            if node in weak:
                small.add(enterprise_id)
    nodes_table = Enterprise.nodes.through._meta.db_table
    with writer.bulk_load(nodes_table, len(node_links)):
        ctx.counts["enterprise_nodes"] = writer.insert(nodes_table, ("enterprise_id", "chainnode_id"), node_links)

    qual_links: list[tuple[int, int]] = []

    def indicators() -> Iterator[tuple[object, ...]]:
        for pk in range(first, first + ctx.scale.enterprises):
            if pk in small:
                revenue = rng.uniform(200, 1500)
            else:
                revenue = min(math.exp(rng.gauss(7.2, 1.3)), 3_000_000.0)
            growth_range = (0.0, 0.1) if pk in small else (-0.08, 0.2)
            for year in YEARS:
                if year != YEARS[0]:
                    revenue *= 1 + rng.uniform(*growth_range)
                yield (
                    pk,
                    year,
                    _money(revenue),
                    _money(revenue * rng.uniform(0.03, 0.065)),
                    max(5, int(revenue / rng.uniform(45, 95))),
                    _money(revenue * rng.uniform(0.015, 0.065)),
                )
            above = pk not in small and revenue >= SCALE_LINE
            if above:
                qual_links.append((pk, quals["gsgy"]))
            for code, share_above, share_below in QUALIFICATION_SHARES:
                if rng.random() < (share_above if above else share_below):
                    qual_links.append((pk, quals[code]))

    columns = ("enterprise_id", "year", "revenue", "tax", "employees", "rd_spend")
    with writer.bulk_load(Indicator._meta.db_table, 3 * ctx.scale.enterprises):
        ctx.counts["indicators"] = writer.insert(Indicator._meta.db_table, columns, indicators())
    quals_table = Enterprise.qualifications.through._meta.db_table
    with writer.bulk_load(quals_table, len(qual_links)):
        ctx.counts["enterprise_qualifications"] = writer.insert(
            quals_table, ("enterprise_id", "qualification_id"), qual_links
        )

    def contacts() -> Iterator[tuple[object, ...]]:
        for pk in range(first, first + ctx.scale.enterprises):
            titles = rng.choice(TITLES)
            for n in range(1 if rng.random() < 0.5 else 2):
                name = rng.choice(names.SURNAMES) + rng.choice(names.GIVEN)
                yield pk, name, titles[n], f"13{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}", n == 0

    contact_columns = ("enterprise_id", "name", "title", "phone", "is_primary")
    with writer.bulk_load(Contact._meta.db_table, int(1.5 * ctx.scale.enterprises)):
        ctx.counts["contacts"] = writer.insert(Contact._meta.db_table, contact_columns, contacts())
