"""Small hand-built trees, enterprises and chains for the chain tests, on the personas' world
(chaindesk/testkit/personas.py), added through the product's services."""

import itertools
from decimal import Decimal
from typing import Any

from chaindesk.chains import services as chain_services
from chaindesk.chains.models import Chain, ChainNode
from chaindesk.core.actors import FIXTURES
from chaindesk.core.services import audited_create
from chaindesk.enterprises import services as enterprise_services
from chaindesk.enterprises.models import Enterprise, Qualification
from chaindesk.testkit.personas import Personas
from chaindesk.testkit.personas import make_uscc as persona_uscc

QUALS = {
    "gxj_test": ("测试高新", False),
    "gsgy": ("规上工业企业", True),
    "lianzhu": ("链主企业", True),
}
_seq = itertools.count(1)


def qualification(code: str) -> Qualification:
    name, scale = QUALS[code]
    existing = Qualification.objects.filter(code=code).first()
    return existing or Qualification.objects.create(code=code, name=name, counts_as_scale=scale)


# --- on the personas' world (chaindesk/testkit/personas.py) --------------------------------------------------


def ours_small_tree(personas: Personas) -> dict[str, ChainNode]:
    """A small tree added to 测试甲链 by its chief through the service, after the world's own node 测试甲链环节
    (sort order 0): 测试上游 (1) → (测试环节甲 0, 测试环节乙 1 → 测试环节乙一 0), 测试中游 (2, empty)."""
    chain, chief = personas.ours.chain, personas.chief
    up = chain_services.node_add(chain=chain, parent=None, name="测试上游", actor=chief)
    a = chain_services.node_add(chain=chain, parent=up, name="测试环节甲", actor=chief)
    b = chain_services.node_add(chain=chain, parent=up, name="测试环节乙", actor=chief)
    b1 = chain_services.node_add(chain=chain, parent=b, name="测试环节乙一", actor=chief)
    mid = chain_services.node_add(chain=chain, parent=None, name="测试中游", actor=chief)
    return {"up": up, "a": a, "b": b, "b1": b1, "mid": mid}


def ours_node(personas: Personas, name: str, parent: ChainNode | None = None) -> ChainNode:
    """One more node of 测试甲链, added last among its siblings by the chain's chief."""
    return chain_services.node_add(chain=personas.ours.chain, parent=parent, name=name, actor=personas.chief)


def ours_enterprise(
    personas: Personas, *nodes: ChainNode, quals: tuple[str, ...] = (), revenue: Any = None, name: str = ""
) -> Enterprise:
    """An enterprise of 测试甲区 on `nodes` (of 测试甲链), registered by our chief with no liaison, so our liaison
    does not see it; `revenue` (万元) is reported for last year."""
    chief, region = personas.chief, personas.ours.region
    n = next(_seq)
    name = name or f"测试甲链企业{n:04d}有限公司"
    ent = enterprise_services.enterprise_create(
        actor=chief,
        name=name,
        uscc=persona_uscc(f"{n:04d}{name}", region.code),  # the number first: the seed's low digits differ
        region=region,
        nodes=list(nodes),
        qualifications=[qualification(c) for c in quals],
    )
    if revenue is not None:
        enterprise_services.indicator_set(
            actor=chief, enterprise=ent, year=personas.today.year - 1, revenue=Decimal(str(revenue))
        )
    return ent


def other_chain(personas: Personas, name: str) -> Chain:
    """A third chain `name` (code p_other), chaired by our chief with 测试甲局 leading and no team, enterprise or
    node; a loader-only step, like the world's own chains (no service creates a chain)."""
    return audited_create(
        model=Chain,
        actor=FIXTURES,
        code="p_other",
        name=name,
        chief=personas.chief,
        lead_department=personas.ours.department,
        sort_order=0,
    )
