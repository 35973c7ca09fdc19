"""Three officials act on the same lead at the same moment (sign, abandon, move on): on PostgreSQL, with
real threads and real transactions, exactly one wins, the others get InvalidTransition (HTTP 409), and at
most one project exists."""

import datetime as dt
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections

from chaindesk.accounts.models import Region, User
from chaindesk.chains.models import Chain
from chaindesk.conftest import DEMO_TODAY
from chaindesk.core.exceptions import InvalidTransition
from chaindesk.demo import city
from chaindesk.leads import services
from chaindesk.leads.choices import LeadSource, LeadStage
from chaindesk.leads.models import Lead
from chaindesk.projects.models import Project

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locking needs PostgreSQL"),
    pytest.mark.clock,
]  # clock: depends on today, CI runs it under other clocks too

ON = dt.date(2026, 11, 2)
Move = Callable[[Lead, User], Any]

MOVES: list[tuple[str, str, Move]] = [
    ("jiangdd", LeadStage.SIGNED, lambda lead, actor: services.lead_sign(lead=lead, actor=actor, on=ON)),
    (
        "wangzh",
        LeadStage.ABANDONED,
        lambda lead, actor: services.lead_abandon(lead=lead, reason="投资方撤回", on=ON, actor=actor),
    ),
    (
        "liming",
        LeadStage.INSPECTED,
        lambda lead, actor: services.lead_advance(lead=lead, to_stage=LeadStage.INSPECTED, on=ON, actor=actor),
    ),
]


def _race(lead_pk: int) -> list[Any]:
    barrier = threading.Barrier(len(MOVES))
    results: list[Any] = [None] * len(MOVES)

    def run(i: int, username: str, stage: str, move: Move) -> None:
        try:
            actor = User.objects.get(username=username)
            lead = Lead.objects.get(pk=lead_pk)
            barrier.wait(timeout=10)
            move(lead, actor)
            results[i] = stage
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, *move)) for i, move in enumerate(MOVES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_exactly_one_concurrent_move_wins() -> None:
    """Five races, each on a lead of its own, after one load of the demo city (a load per race cost 17 s)."""
    city.load(enterprises=40, today=DEMO_TODAY)  # transactional tests start from whatever the last one left
    for rounds in range(5):
        _one_race(rounds)


def _one_race(rounds: int) -> None:
    lead = services.lead_create(
        actor=User.objects.get(username="jiangdd"),
        title=f"并发测试线索{rounds}",
        source=LeadSource.OTHER,
        investor="上海某医疗器械公司",
        chain=Chain.objects.get(code="biomed"),
        owner=User.objects.get(username="liming"),
        region=Region.objects.get(code="321281"),
        estimated_investment=Decimal("30000"),
    )
    results = _race(lead.pk)
    winners = [r for r in results if isinstance(r, str)]
    losers = [r for r in results if isinstance(r, InvalidTransition)]
    assert len(winners) == 1 and len(losers) == 2, results
    assert all("请刷新页面" in str(e) for e in losers)
    lead.refresh_from_db()
    assert lead.stage == winners[0]
    projects = Project.objects.filter(name=lead.title)
    assert projects.count() == (1 if winners[0] == LeadStage.SIGNED else 0)
    assert (lead.project_id is not None) == (winners[0] == LeadStage.SIGNED)
