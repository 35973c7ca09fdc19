"""Lead test fixtures: today's date under the tests' fixed clock, and the test lead and talent made on the
personas' world (chaindesk/leads/tests/factories.py)."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from chaindesk.leads.models import Lead
from chaindesk.leads.tests import factories
from chaindesk.network.models import Talent
from chaindesk.testkit.personas import Personas


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def make_lead(personas: Personas) -> Callable[..., Lead]:
    """A lead of our chain owned by `p_liaison`; keyword arguments override its fields."""

    def make(**fields: Any) -> Lead:
        return factories.make_lead(personas, **fields)

    return make


@pytest.fixture
def talent(personas: Personas) -> Talent:
    """顾振华, a hometown talent of 测试甲区 tied to our chain (factories.make_talent)."""
    return factories.make_talent(personas)
