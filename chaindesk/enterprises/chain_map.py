"""The enterprises on a chain's nodes, for the chain map (registered in chaindesk.chains.extensions, so
the chains app never imports this app): the enterprises grouped by the nodes they sit on with their 链主 and 规上
flags, and the node panel."""

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet

from chaindesk.chains import gaps
from chaindesk.chains.models import Chain, ChainNode

from .models import Enterprise, Indicator, Qualification

# The nodes an enterprise sits on, as one text column ("3,7"): per enterprise, over its placements on the chain.
_NODE_LIST = {
    "postgresql": "STRING_AGG(CAST(l.chainnode_id AS TEXT), ',' ORDER BY l.chainnode_id)",
    "sqlite": "GROUP_CONCAT(l.chainnode_id, ',')",
}


NodeSetRow = tuple[frozenset[int], bool, bool, int]


def _node_sets_sql(where: str, block: int | None) -> str:
    links = Enterprise.nodes.through._meta.db_table
    held = Enterprise.qualifications.through._meta.db_table
    quals = Qualification._meta.db_table
    keys = f"e.enterprise_id / {int(block)}, e.chain_id" if block else "e.chain_id"
    flags = "4, 5" if block else "3, 4"  # the two flags' places in the SELECT
    # Each flag is a set of enterprises hash-joined once per enterprise (not a lookup per placement); the latest
    # year's revenue is looked up only for the enterprises no qualification already makes 规上. Table names and
    # `where` come from the code, every value is a parameter.
    return f"""
        SELECT {keys}, e.nodes,
               CASE WHEN lz.enterprise_id IS NULL THEN 0 ELSE 1 END,
               CASE WHEN sq.enterprise_id IS NOT NULL THEN 1
                    WHEN (SELECT i.revenue FROM {Indicator._meta.db_table} i
                          WHERE i.enterprise_id = e.enterprise_id AND i.revenue IS NOT NULL
                          ORDER BY i.year DESC LIMIT 1) >= CAST(%s AS NUMERIC) THEN 1
                    ELSE 0 END,
               COUNT(*)
        FROM (SELECT l.enterprise_id, n.chain_id, {_NODE_LIST[connection.vendor]} AS nodes
              FROM {links} l INNER JOIN {ChainNode._meta.db_table} n ON n.id = l.chainnode_id
              WHERE {where}
              GROUP BY l.enterprise_id, n.chain_id) e
        LEFT JOIN (SELECT DISTINCT h.enterprise_id FROM {held} h INNER JOIN {quals} q ON q.id = h.qualification_id
                   WHERE q.code = %s) lz ON lz.enterprise_id = e.enterprise_id
        LEFT JOIN (SELECT DISTINCT h.enterprise_id FROM {held} h INNER JOIN {quals} q ON q.id = h.qualification_id
                   WHERE q.counts_as_scale) sq ON sq.enterprise_id = e.enterprise_id
        GROUP BY {keys}, e.nodes, {flags}"""  # noqa: S608


def node_set_rows(where: str, params: Sequence[Any], *, block: int | None = None) -> list[tuple[Any, ...]]:
    """The enterprises placed on the nodes of the links `where` selects (SQL on the links `l` and their nodes `n`,
    with `params`), grouped per chain by the nodes of that chain each sits on (`node_sets`) and, with `block`, by
    block of enterprise ids (`enterprise_id // block`, first): ([block,] chain id, node pks, is 链主, is 规上,
    number of enterprises) per group. One query; the chain map's figures and the rollup of them both come from
    here, so they count alike."""
    sql = _node_sets_sql(where, block)
    with connection.cursor() as cursor:
        cursor.execute(sql, [str(gaps.scale_revenue()), *params, gaps.LIANZHU_CODE])
        rows = cursor.fetchall()
    return [
        (*keys, frozenset(int(pk) for pk in str(nodes).split(",")), bool(lianzhu), bool(scale), int(n))
        for *keys, nodes, lianzhu, scale, n in rows
    ]


def node_sets(chain: Chain) -> list[NodeSetRow]:
    """(the nodes of `chain` an enterprise sits on, is 链主, is 规上, how many enterprises) per combination, in one
    query: the enterprises of the chain grouped by where they sit, so the map adds up distinct enterprises over
    any subtree (规上: a qualification that counts as scale, or the latest year's revenue at the line or above)."""
    return [(nodes, lz, sc, n) for _chain, nodes, lz, sc, n in node_set_rows("n.chain_id = %s", [chain.pk])]


def enterprises_on_nodes(user: Any, ids: list[int]) -> QuerySet[Enterprise]:
    """The enterprises the user may see placed on the nodes `ids`, with what the node panel shows."""
    placed = Enterprise.nodes.through.objects.filter(enterprise_id=OuterRef("pk"), chainnode_id__in=ids)
    return (
        Enterprise.objects.visible_to(user)
        .filter(Exists(placed))
        .select_related("region", "liaison")
        .prefetch_related("qualifications")
        .order_by("name", "pk")
    )
