"""Two officials change the same project's stage at the same moment: on PostgreSQL, with real threads and
real transactions, exactly one transition wins and the other gets InvalidTransition (HTTP 409)."""

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections

from chaindesk.accounts.models import Region, User
from chaindesk.chains.models import Chain
from chaindesk.conftest import DEMO_TODAY
from chaindesk.core.exceptions import InvalidTransition
from chaindesk.demo import city
from chaindesk.projects import services
from chaindesk.projects.choices import ProjectStage
from chaindesk.projects.models import Project, StageChange

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locking needs PostgreSQL"),
    pytest.mark.clock,
]  # clock: depends on today, CI runs it under other clocks too


def _race(project_pk: int, moves: list[tuple[str, str, str]]) -> list[Any]:
    """Run each (username, to_stage, reason) in its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(moves))
    results: list[Any] = [None] * len(moves)

    def run(i: int, username: str, to_stage: str, reason: str) -> None:
        try:
            actor = User.objects.get(username=username)
            project = Project.objects.get(pk=project_pk)
            barrier.wait(timeout=10)
            services.project_transition(
                project=project,
                to_stage=to_stage,
                on=dt.date(2026, 6, 1),
                actor=actor,
                expected_stage=ProjectStage.NEGOTIATING,
                reason=reason,
            )
            results[i] = to_stage
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, *move)) for i, move in enumerate(moves)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_exactly_one_concurrent_transition_wins() -> None:
    """Five races, each on a project of its own, after one load of the demo city (a load per race cost 17 s)."""
    city.load(enterprises=40, today=DEMO_TODAY)  # transactional tests start from whatever the last one left
    for rounds in range(5):
        _one_race(rounds)


def _one_race(rounds: int) -> None:
    chief = User.objects.get(username="jiangdd")
    project = services.project_create(
        actor=chief,
        name=f"并发测试项目{rounds}",
        chain=Chain.objects.get(code="biomed"),
        region=Region.objects.get(code="321281"),
        investor_name="上海某医疗器械公司",
        planned_investment=Decimal("30000"),
    )
    results = _race(
        project.pk,
        [
            ("jiangdd", ProjectStage.SIGNED, ""),
            ("wangzh", ProjectStage.TERMINATED, "投资方撤回"),
            ("zhangkun", ProjectStage.SIGNED, ""),
        ],
    )
    winners = [r for r in results if isinstance(r, str)]
    losers = [r for r in results if isinstance(r, InvalidTransition)]
    assert len(winners) == 1, results
    assert len(losers) == 2, results
    project.refresh_from_db()
    assert project.stage == winners[0]
    assert StageChange.objects.filter(project=project).count() == 1
    assert all("请刷新页面" in str(e) for e in losers)
