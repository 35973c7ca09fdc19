"""Test helpers for the registry: valid codes, a qualification, a phone and its masked form; and nodes and
enterprises of 测试甲链 on the personas' world."""

import itertools
import random
from collections.abc import Sequence

from stdnum.cn.uscc import calc_check_digit

from chaindesk.chains import services as chain_services
from chaindesk.chains.models import ChainNode
from chaindesk.enterprises import services as enterprise_services
from chaindesk.enterprises.models import Enterprise, Qualification
from chaindesk.testkit.personas import Personas, make_uscc

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_counter = itertools.count(1)


def valid_uscc(seed: int | None = None) -> str:
    rng = random.Random(seed if seed is not None else next(_counter) * 7919)
    body = "".join(rng.choice("0123456789") for _ in range(8)) + "".join(rng.choice(ALPHABET) for _ in range(9))
    return body + calc_check_digit(body)


def flip_check_digit(code: str) -> str:
    wrong = next(c for c in ALPHABET if c != code[-1])
    return code[:-1] + wrong


def qualification(code: str = "test_qual", name: str = "测试资质") -> Qualification:
    return Qualification.objects.get_or_create(code=code, defaults={"name": name})[0]


PHONE = "13812341234"
MASKED = "138****1234"


# --- on the personas' world (chaindesk/testkit/personas.py) --------------------------------------------------


def ours_tree(personas: Personas) -> dict[str, ChainNode]:
    """A test branch of 测试甲链 added by its chief: 测试上游 → 测试原料药 → 测试化学原料药, and 测试下游."""
    chain, chief = personas.ours.chain, personas.chief
    up = chain_services.node_add(chain=chain, parent=None, name="测试上游", actor=chief)
    api = chain_services.node_add(chain=chain, parent=up, name="测试原料药", actor=chief)
    chem = chain_services.node_add(chain=chain, parent=api, name="测试化学原料药", actor=chief)
    down = chain_services.node_add(chain=chain, parent=None, name="测试下游", actor=chief)
    return {"up": up, "api": api, "chem": chem, "down": down}


def ours_enterprises(personas: Personas, count: int, nodes: Sequence[ChainNode]) -> list[Enterprise]:
    """`count` more enterprises of 测试甲链 in 测试甲区, registered by its chief on `nodes`."""
    region = personas.ours.region
    created = []
    for number in range(count):
        name = f"测试甲批量{number}号企业有限公司"
        created.append(
            enterprise_services.enterprise_create(
                actor=personas.chief, name=name, uscc=make_uscc(name, region.code), region=region, nodes=list(nodes)
            )
        )
    return created
