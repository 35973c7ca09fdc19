"""The chain tree's counts and gap ratings (缺/弱/强), on a small tree added to 测试甲链 of the personas' world
(chaindesk/testkit/personas.py) by `ours_small_tree`: 测试上游 → (测试环节甲, 测试环节乙 → 测试环节乙一), 测试中游,
after the world's own node 测试甲链环节 (our enterprise, 12,000 万元 last year, and ent2, no figures)."""

from decimal import Decimal

import pytest
from django.test.utils import override_settings

from chaindesk.chains import extensions, gaps, selectors
from chaindesk.chains.models import NodeRating
from chaindesk.enterprises import services as enterprise_services
from chaindesk.rollups import engine as rollup_engine

from .factories import ours_enterprise, ours_node, ours_small_tree

pytestmark = pytest.mark.django_db

SMALL_TREE = {"测试上游", "测试环节甲", "测试环节乙", "测试环节乙一", "测试中游"}


def _mine(tree):
    return {s.name: s for s in tree.walk() if s.name in SMALL_TREE}


def test_counts_on_a_hand_built_tree(personas):
    chain = personas.ours.chain
    t = ours_small_tree(personas)
    both = ours_enterprise(personas, t["a"], t["b1"], quals=("lianzhu",))
    ours_enterprise(personas, t["a"])
    ours_enterprise(personas, t["b1"], revenue=100)
    tree = _mine(selectors.chain_tree(chain))
    assert (tree["测试环节甲"].n_own, tree["测试环节甲"].n_lianzhu) == (2, 1)
    assert tree["测试环节乙"].n_own == 0 and tree["测试环节乙"].n_enterprises == 2
    # A firm on two segments of the same parent counts once there.
    assert tree["测试上游"].n_enterprises == 3 and tree["测试上游"].n_lianzhu == 1
    assert tree["测试中游"].n_enterprises == 0
    assert tree["测试环节乙一"].depth == 2 and tree["测试环节乙一"].path == "测试上游 / 测试环节乙 / 测试环节乙一"
    assert both.pk


def test_tree_is_two_queries_whatever_its_size(personas, django_assert_num_queries):
    """Nodes and enterprise links, plus one per counter registered by a later app (projects, leads)."""
    n = 2 + len(extensions.node_counters())
    chain = personas.ours.chain
    t = ours_small_tree(personas)
    ours_enterprise(personas, t["a"], quals=("gsgy",), revenue=5000)
    rollup_engine.flush()  # what the writes' commits do (a test's transaction never commits)
    with django_assert_num_queries(n):
        small = selectors.chain_tree(chain)
    for i in range(30):
        parent = ours_node(personas, f"测试批量{i}", t["mid"])
        ours_enterprise(personas, parent, quals=("lianzhu",), revenue=i * 100)
    rollup_engine.flush()
    with django_assert_num_queries(n):
        big = selectors.chain_tree(chain)
    assert len(list(big.walk())) == len(list(small.walk())) + 30
    # the world's node and the small tree, then the 30 more
    assert len(list(small.walk())) == 1 + len(SMALL_TREE)


def test_rating_rules(personas):
    chain = personas.ours.chain
    t = ours_small_tree(personas)
    ours_enterprise(personas, t["a"], quals=("gxj_test",), revenue=1999.99)  # 甲: one firm below the line -> 弱
    ours_enterprise(personas, t["b1"], revenue=2000)  # exactly the line counts as above -> 强
    tree = _mine(selectors.chain_tree(chain))
    assert tree["测试环节甲"].rating == NodeRating.WEAK
    assert "均未达到规模门槛" in tree["测试环节甲"].reason
    assert tree["测试环节乙一"].rating == NodeRating.STRONG
    assert tree["测试环节乙"].rating == NodeRating.STRONG  # aggregates its subtree
    assert tree["测试上游"].rating == NodeRating.STRONG
    assert tree["测试中游"].rating == NodeRating.MISSING and tree["测试中游"].reason == "无本地企业"


def test_scale_by_qualification_and_latest_year_only(personas):
    chain = personas.ours.chain
    t = ours_small_tree(personas)
    ours_enterprise(personas, t["a"], quals=("lianzhu",))  # 链主 counts as scale without any figures
    old = ours_enterprise(personas, t["b1"])
    last_year = personas.today.year - 1
    for year, revenue in ((last_year - 2, "9000"), (last_year, "1500")):  # the latest year decides
        enterprise_services.indicator_set(actor=personas.chief, enterprise=old, year=year, revenue=Decimal(revenue))
    tree = _mine(selectors.chain_tree(chain))
    assert tree["测试环节甲"].rating == NodeRating.STRONG
    assert tree["测试环节乙一"].rating == NodeRating.WEAK


@override_settings(CHAINDESK_GAP_SCALE_REVENUE=500)
def test_threshold_from_settings(personas):
    chain = personas.ours.chain
    t = ours_small_tree(personas)
    ours_enterprise(personas, t["a"], revenue=500)
    assert _mine(selectors.chain_tree(chain))["测试环节甲"].rating == NodeRating.STRONG
    assert "500 万元" in gaps.threshold_text()


def test_targets_are_missing_and_weak_in_tree_order(personas):
    chain = personas.ours.chain
    t = ours_small_tree(personas)
    ours_enterprise(personas, t["a"])
    # 测试甲链环节 is first in the tree but strong (our enterprise's 12,000 万元), so it is no target.
    names = [s.name for s in selectors.chain_tree(chain).targets()]
    assert names == ["测试上游", "测试环节甲", "测试环节乙", "测试环节乙一", "测试中游"]


def test_rules_text_comes_from_constants():
    labels = [label for _, label, _ in gaps.rules()]
    assert labels == ["缺", "弱", "强"]
    assert "2,000 万元" in gaps.threshold_text()
