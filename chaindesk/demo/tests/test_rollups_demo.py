"""The demo city's rollups equal its records: the loader writes through the services, so every table was kept in
step as it loaded (what `chaindesk check-rollups` checks)."""

import pytest

from chaindesk.rollups import engine
from chaindesk.rollups.models import DemandDay, InvestmentMonth, ProjectDay

pytestmark = [pytest.mark.django_db, pytest.mark.demo]


def test_every_rollup_of_the_demo_city_equals_its_records() -> None:
    engine.flush()
    assert ProjectDay.objects.exists() and InvestmentMonth.objects.exists() and DemandDay.objects.exists()
    assert engine.check() == []
