"""Lead fixtures on the demo city: a 生物医药 lead aimed at 兴化市, recorded by the chain chief and owned
by liming (兴化市 liaison); an enterprise that refers leads and a hometown talent."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from chaindesk.accounts.models import Region
from chaindesk.chains.models import Chain
from chaindesk.enterprises.models import Enterprise
from chaindesk.leads import services
from chaindesk.leads.choices import LeadSource
from chaindesk.leads.models import Lead
from chaindesk.network.models import Talent

BOSHEN = "江苏博生医用新材料股份有限公司"


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def biomed(db) -> Chain:  # noqa: ANN001
    return Chain.objects.get(code="biomed")


@pytest.fixture
def xinghua(db) -> Region:  # noqa: ANN001
    return Region.objects.get(code="321281")


@pytest.fixture
def boshen(db) -> Enterprise:  # noqa: ANN001
    return Enterprise.objects.get(name=BOSHEN)


@pytest.fixture
def talent(persona) -> Talent:  # noqa: ANN001
    return Talent.objects.create(
        name="顾振华", city="上海", organisation="上海某生物医药研究院", field="医用高分子", keeper=persona("wangzh")
    )


@pytest.fixture
def no_demo_leads(db) -> None:  # noqa: ANN001
    """For tests that compare whole lists or counts: the demo city's own leads out of the way (rolled back)."""
    Lead.objects.all().delete()


@pytest.fixture
def make_lead(persona, biomed, xinghua) -> Callable[..., Lead]:  # noqa: ANN001
    """A lead recorded by jiangdd (chain chief), owned by liming unless told otherwise."""

    def make(**fields: Any) -> Lead:
        values: dict[str, Any] = {
            "actor": persona("jiangdd"),
            "title": "测试线索·医用膜材配套",
            "source": LeadSource.EXPO,
            "investor": "上海某医疗科技有限公司",
            "chain": biomed,
            "owner": persona("liming"),
            "region": xinghua,
            "node": biomed.nodes.order_by("pk").first(),
            "estimated_investment": Decimal("12000"),
        }
        values.update(fields)
        return services.lead_create(**values)

    return make
