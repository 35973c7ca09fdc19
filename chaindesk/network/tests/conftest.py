"""Network test data built by the tests themselves (the demo may carry talents and partners of its own)."""

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from chaindesk.accounts.models import Region, User
from chaindesk.chains.models import Chain
from chaindesk.enterprises.models import Enterprise
from chaindesk.network.models import CooperationStatus, PartnerKind, RdCooperation, RdPartner, Talent

BOSHEN = "江苏博生医用新材料股份有限公司"
JINYANGZI = "江苏金扬子包装科技有限公司"
PHONE = "13912345678"
MASKED = "139****5678"

_seq = itertools.count(1)


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def boshen(db) -> Enterprise:  # noqa: ANN001
    return Enterprise.objects.get(name=BOSHEN)


@pytest.fixture
def jinyangzi(db) -> Enterprise:  # noqa: ANN001
    return Enterprise.objects.get(name=JINYANGZI)


@pytest.fixture
def make_talent(db, persona) -> Callable[..., Talent]:  # noqa: ANN001
    """A talent kept by liming, from 兴化市, on the 生物医药 chain unless told otherwise (model-level: the
    services are tested on their own)."""

    def make(**fields: Any) -> Talent:
        chains = fields.pop("chains", [Chain.objects.get(code="biomed")])
        values: dict[str, Any] = {
            "name": f"测能人{next(_seq)}",
            "city": "上海",
            "organisation": "上海测试研究院",
            "field": "医用高分子材料",
            "hometown": Region.objects.get(code="321281"),
            "phone": PHONE,
            "keeper": persona("liming"),
        }
        values.update(fields)
        talent = Talent.objects.create(**values)
        talent.chains.set(chains)
        return talent

    return make


@pytest.fixture
def make_partner(db) -> Callable[..., RdPartner]:  # noqa: ANN001
    def make(**fields: Any) -> RdPartner:
        values: dict[str, Any] = {"name": f"测试研发机构{next(_seq)}", "city": "上海", "kind": PartnerKind.UNIVERSITY}
        values.update(fields)
        return RdPartner.objects.create(**values)

    return make


@pytest.fixture
def make_cooperation(db, persona) -> Callable[..., RdCooperation]:  # noqa: ANN001
    def make(enterprise: Enterprise, partner: RdPartner, status: str = CooperationStatus.ACTIVE) -> RdCooperation:
        return RdCooperation.objects.create(
            enterprise=enterprise,
            partner=partner,
            subject="医用膜材联合研发",
            started_on=dt.date(2025, 3, 1),
            status=status,
            created_by=persona("liming"),
        )

    return make


@pytest.fixture
def no_cooperations(db) -> None:  # noqa: ANN001
    """Start from no cooperations at all, whatever the demo loaded (rolled back after the test)."""
    RdCooperation.objects.all().delete()


def user(username: str) -> User:
    return User.objects.get(username=username)
