"""Demand and task services: every legal and illegal transition, stale 409s, permissions per persona,
closure only on confirmation, 不满意 reopens, proxy confirmation, metrics fields."""

import pytest

from chaindesk.demands.choices import DemandStatus

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "status",
    [
        DemandStatus.SUBMITTED,
        DemandStatus.NEEDS_INFO,
        DemandStatus.REJECTED,
        DemandStatus.ACCEPTED,
        DemandStatus.IN_PROGRESS,
        DemandStatus.AWAITING_CONFIRMATION,
        DemandStatus.CLOSED,
    ],
)
def test_factory_reaches_status(make_demand, status) -> None:  # noqa: ANN001
    demand = make_demand(status=status)
    demand.refresh_from_db()
    assert demand.status == status
