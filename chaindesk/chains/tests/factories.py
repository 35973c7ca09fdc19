"""Small hand-built trees and enterprises for the chain tests (independent of the demo's own nodes)."""

import itertools
import random
from decimal import Decimal
from typing import Any

from chaindesk.accounts.models import Region
from chaindesk.chains.models import Chain, ChainNode
from chaindesk.demo.city import make_uscc
from chaindesk.enterprises.models import Enterprise, Indicator, Qualification

QUALS = {
    "gxj_test": ("测试高新", False),
    "gsgy": ("规上工业企业", True),
    "lianzhu": ("链主企业", True),
}
_seq = itertools.count(1)
_rng = random.Random(20261125)


def qualification(code: str) -> Qualification:
    name, scale = QUALS[code]
    existing = Qualification.objects.filter(code=code).first()
    return existing or Qualification.objects.create(code=code, name=name, counts_as_scale=scale)


def biomed() -> Chain:
    return Chain.objects.get(code="biomed")


def node(chain: Chain, name: str, parent: ChainNode | None = None, order: int = 0) -> ChainNode:
    return ChainNode.objects.create(chain=chain, parent=parent, name=name, sort_order=order)


def enterprise(
    *nodes: ChainNode, quals: tuple[str, ...] = (), revenue: Any = None, year: int = 2025, **extra: Any
) -> Enterprise:
    n = next(_seq)
    ent = Enterprise.objects.create(
        name=extra.pop("name", f"测试企业{n:04d}有限公司"),
        uscc=make_uscc(_rng, "321281"),
        region=Region.objects.get(code="321281"),
        **extra,
    )
    ent.nodes.set(nodes)
    ent.chains.set({nd.chain for nd in nodes})
    ent.qualifications.set([qualification(c) for c in quals])
    if revenue is not None:
        Indicator.objects.create(enterprise=ent, year=year, revenue=Decimal(str(revenue)))
    return ent


def small_tree(chain: Chain) -> dict[str, ChainNode]:
    """测试上游 → (甲, 乙 → 乙一), 测试中游 (empty)."""
    up = node(chain, "测试上游", order=100)
    a = node(chain, "测试环节甲", up, 0)
    b = node(chain, "测试环节乙", up, 1)
    b1 = node(chain, "测试环节乙一", b, 0)
    mid = node(chain, "测试中游", order=101)
    return {"up": up, "a": a, "b": b, "b1": b1, "mid": mid}
