"""The chain map's per-node figures against a brute-force count over the records, for every persona who may open
the map (the figures are the whole chain's, whoever reads them: the node panel is what the reader's visibility
cuts), with enterprises placed on several nodes of one subtree; and the map's queries do not grow with the tree.
The same figures from the rollup of them (chaindesk/rollups/families_chains.py), before and after a write."""

from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chaindesk.chains import gaps
from chaindesk.chains.models import Chain, ChainNode
from chaindesk.enterprises import services as enterprise_services
from chaindesk.enterprises.chain_map import node_sets
from chaindesk.enterprises.models import Enterprise, Indicator
from chaindesk.leads.choices import OPEN
from chaindesk.leads.models import Lead
from chaindesk.projects.choices import ProjectStage
from chaindesk.projects.models import Project
from chaindesk.rollups import engine
from chaindesk.rollups.families_chains import BLOCK, CHAIN_NODE_SETS, stored_node_sets

from .factories import ours_enterprise, ours_node, ours_small_tree

pytestmark = pytest.mark.django_db

FIGURES = ("n_own", "n_enterprises", "n_lianzhu", "n_scale", "rating")


def _subtrees(chain: Chain) -> dict[int, set[int]]:
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent in ChainNode.objects.filter(chain=chain).values_list("pk", "parent_id"):
        children[parent].append(pk)

    def below(pk: int) -> set[int]:
        found = {pk}
        for child in children[pk]:
            found |= below(child)
        return found

    return {pk: below(pk) for pks in list(children.values()) for pk in pks}


def brute_force(chain: Chain) -> dict[int, dict[str, Any]]:
    """Each node's figures counted the plain way: the enterprises placed on its subtree, one by one."""
    placed: dict[int, set[int]] = defaultdict(set)  # node -> enterprises on it
    for enterprise_id, node_id in Enterprise.nodes.through.objects.values_list("enterprise_id", "chainnode_id"):
        placed[node_id].add(enterprise_id)
    lianzhu, scale = set(), set()
    for enterprise in Enterprise.objects.prefetch_related("qualifications"):
        quals = list(enterprise.qualifications.all())
        if any(q.code == gaps.LIANZHU_CODE for q in quals):
            lianzhu.add(enterprise.pk)
        latest = Indicator.objects.filter(enterprise=enterprise, revenue__isnull=False).order_by("-year").first()
        if any(q.counts_as_scale for q in quals) or (latest and latest.revenue >= gaps.scale_revenue()):
            scale.add(enterprise.pk)
    figures = {}
    for pk, subtree in _subtrees(chain).items():
        members = set().union(*(placed[n] for n in subtree))
        n_scale = len(members & scale)
        figures[pk] = {
            "n_own": len(placed[pk]),
            "n_enterprises": len(members),
            "n_lianzhu": len(members & lianzhu),
            "n_scale": n_scale,
            "rating": gaps.rate(n_enterprises=len(members), n_scale=n_scale)[0],
            "projects": Project.objects.filter(node__in=subtree).exclude(stage=ProjectStage.TERMINATED).count(),
            "leads": Lead.objects.filter(node__in=subtree, stage__in=OPEN).count(),
        }
    return figures


def _page_figures(client: Any, user: Any, chain: Chain) -> dict[int, dict[str, Any]]:
    client.force_login(user)
    response = client.get(reverse("chains:map", args=[chain.pk]))
    assert response.status_code == 200
    figures = {}
    for row in response.context["rows"]:
        figures[row.pk] = {name: getattr(row, name) for name in FIGURES} | {
            key: row.extra[key] for key in ("projects", "leads") if key in row.extra
        }
    return figures


def _spread(personas: Any) -> dict[str, ChainNode]:
    """The small tree with firms on one node, on two nodes of one subtree (甲 and 乙一 under 上游), on nodes under
    two roots, a 链主 below the revenue line and a firm whose older, higher revenue does not count."""
    t = ours_small_tree(personas)
    ours_enterprise(personas, t["a"], t["b1"], quals=("lianzhu",))
    ours_enterprise(personas, t["a"], t["b1"], revenue=100)
    ours_enterprise(personas, t["b"], t["mid"], revenue=2000)
    ours_enterprise(personas, t["a"], quals=("gxj_test",), revenue=1999.99)
    old = ours_enterprise(personas, t["b1"], revenue=1500)
    enterprise_services.indicator_set(
        actor=personas.chief, enterprise=old, year=personas.today.year - 3, revenue=Decimal(9000)
    )
    return t


@pytest.mark.parametrize("who", ["chief", "district", "liaison"])
def test_map_figures_equal_a_brute_force_count(client, personas, who):
    chain = personas.ours.chain
    t = _spread(personas)
    expected = brute_force(chain)
    assert expected[t["up"].pk]["n_enterprises"] == 5  # the two firms on 甲 and 乙一 once each
    assert expected[t["b"].pk]["n_enterprises"] == 4 and expected[t["mid"].pk]["n_enterprises"] == 1
    assert _page_figures(client, getattr(personas, who), chain) == expected


def test_every_reader_sees_the_same_figures(client, personas):
    chain = personas.ours.chain
    _spread(personas)
    seen = [_page_figures(client, getattr(personas, who), chain) for who in ("chief", "member", "district", "liaison")]
    assert all(figures == seen[0] for figures in seen)


def test_map_queries_do_not_grow_with_the_tree(client, personas, django_assert_max_num_queries):
    chain = personas.ours.chain
    t = _spread(personas)
    client.force_login(personas.chief)
    url = reverse("chains:map", args=[chain.pk])
    engine.flush()
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    parent = t["a"]
    for i in range(12):  # a deeper and wider tree: chains of three, firms on two nodes of each
        upper = ours_node(personas, f"测试多层{i}", parent)
        lower = ours_node(personas, f"测试多层{i}下级", upper)
        ours_enterprise(personas, upper, lower, quals=("gsgy",))
        parent = upper if i % 3 else t["a"]
    engine.flush()  # what the writes' commits do (a test's transaction never commits)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert len(response.context["rows"]) >= 6 + 24
    assert _page_figures(client, personas.chief, chain) == brute_force(chain)


# --- the rollup of the same figures ------------------------------------------------------------------------------


def _as_counter(rows: Any) -> Counter[tuple[frozenset[int], bool, bool]]:
    counted: Counter[tuple[frozenset[int], bool, bool]] = Counter()
    for nodes, lianzhu, scale, n in rows:
        counted[(frozenset(nodes), bool(lianzhu), bool(scale))] += n
    return counted


def _live(chain: Chain) -> Counter[tuple[frozenset[int], bool, bool]]:
    with override_settings(CHAINDESK_ROLLUPS=False):
        return _as_counter(node_sets(chain))


def test_the_rollup_holds_the_same_node_sets_and_follows_writes(client, personas):
    chain = personas.ours.chain
    t = _spread(personas)
    assert _as_counter(stored_node_sets(chain)) == _live(chain)
    assert _page_figures(client, personas.district, chain) == brute_force(chain)
    # A firm moved onto a second node of the subtree, and a revenue that crosses the line.
    moved = ours_enterprise(personas, t["b1"])
    engine.flush()
    enterprise_services.enterprise_update(actor=personas.chief, enterprise=moved, nodes=[t["b1"], t["a"]])
    enterprise_services.indicator_set(
        actor=personas.chief, enterprise=moved, year=personas.today.year - 1, revenue=Decimal(2500)
    )
    assert engine.pending()[CHAIN_NODE_SETS.name] == {moved.pk // BLOCK}  # one block to refresh
    assert _as_counter(stored_node_sets(chain)) == _live(chain)  # the reader flushed it
    assert engine.check([CHAIN_NODE_SETS.name]) == []
    assert _page_figures(client, personas.liaison, chain) == brute_force(chain)
