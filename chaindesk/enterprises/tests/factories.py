"""Test helpers for the registry: valid codes, nodes on the demo chains, a qualification."""

import itertools
import random

from stdnum.cn.uscc import calc_check_digit

from chaindesk.chains.models import Chain, ChainNode
from chaindesk.enterprises.models import Contact, Enterprise, Qualification

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_counter = itertools.count(1)


def valid_uscc(seed: int | None = None) -> str:
    rng = random.Random(seed if seed is not None else next(_counter) * 7919)
    body = "".join(rng.choice("0123456789") for _ in range(8)) + "".join(rng.choice(ALPHABET) for _ in range(9))
    return body + calc_check_digit(body)


def flip_check_digit(code: str) -> str:
    wrong = next(c for c in ALPHABET if c != code[-1])
    return code[:-1] + wrong


def biomed_tree() -> dict[str, ChainNode]:
    """A test branch of 生物医药 (测试上游 → 测试原料药 → 测试化学原料药, and 测试下游) and a node on the second
    chain; names of their own, so that the demo's trees and enterprises do not leak into the counts."""
    biomed = Chain.objects.get(code="biomed")
    up, _ = ChainNode.objects.get_or_create(chain=biomed, parent=None, name="测试上游")
    api, _ = ChainNode.objects.get_or_create(chain=biomed, parent=up, name="测试原料药")
    chem, _ = ChainNode.objects.get_or_create(chain=biomed, parent=api, name="测试化学原料药")
    down, _ = ChainNode.objects.get_or_create(chain=biomed, parent=None, name="测试下游")
    other_chain = Chain.objects.exclude(pk=biomed.pk).first()
    assert other_chain is not None
    other, _ = ChainNode.objects.get_or_create(chain=other_chain, parent=None, name="测试装备")
    return {"up": up, "api": api, "chem": chem, "down": down, "other": other}


def qualification(code: str = "test_qual", name: str = "测试资质") -> Qualification:
    return Qualification.objects.get_or_create(code=code, defaults={"name": name})[0]


BOSHEN = "江苏博生医用新材料股份有限公司"
PHONE = "13812341234"
MASKED = "138****1234"


def boshen_with_one_contact() -> Enterprise:
    """The demo's 博生 from a known state: no indicators, one primary contact (王经理, PHONE)."""
    enterprise = Enterprise.objects.get(name=BOSHEN)
    enterprise.contacts.all().delete()
    enterprise.indicators.all().delete()
    Contact.objects.create(enterprise=enterprise, name="王经理", title="总经理", phone=PHONE, is_primary=True)
    return enterprise
