"""Two confirmations of the same report at the same moment (a double click, two tabs): on PostgreSQL, with real
threads and real transactions, exactly one writes the meeting and its records, the other gets InvalidTransition
(HTTP 409) and writes nothing."""

import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections

from chaindesk.accounts.models import User
from chaindesk.conftest import DEMO_TODAY
from chaindesk.core.exceptions import InvalidTransition
from chaindesk.demo import city
from chaindesk.ingest import services
from chaindesk.ingest.forms import ReviewForm
from chaindesk.ingest.models import Report, ReportRecord, ReportStatus
from chaindesk.ingest.tests.posted import posted
from chaindesk.meetings.models import Meeting, SiteVisit

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locking needs PostgreSQL"),
    pytest.mark.clock,
]
SEED = (Path(__file__).parent / "data" / "seed.txt").read_text(encoding="utf-8")
RACERS = 2


def _review(report: Report, user: User) -> services.Review:
    """The draft confirmed as read (the form's initial values posted back untouched)."""
    data = posted(ReviewForm(report=report, user=user))
    form = ReviewForm(data, report=report, user=user)
    assert form.is_valid(), form.errors
    return form.review()


def _race(report_pk: int, review: services.Review) -> list[Any]:
    barrier = threading.Barrier(RACERS)
    results: list[Any] = [None] * RACERS

    def run(i: int) -> None:
        try:
            actor = User.objects.get(username="wangzh")
            report = Report.objects.get(pk=report_pk)
            barrier.wait(timeout=10)
            results[i] = services.report_confirm(actor=actor, report=report, review=review)
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("rounds", range(3))
def test_exactly_one_concurrent_confirmation_writes(rounds: int) -> None:
    city.load(enterprises=40, today=DEMO_TODAY)  # transactional tests start from whatever the last one left
    Report.objects.all().delete()
    user = User.objects.get(username="wangzh")
    report = services.report_read(actor=user, data=SEED)
    meetings = Meeting.objects.count()
    results = _race(report.pk, _review(report, user))
    winners = [r for r in results if isinstance(r, Meeting)]
    losers = [r for r in results if isinstance(r, InvalidTransition)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert Meeting.objects.count() == meetings + 1
    assert SiteVisit.objects.filter(meeting=winners[0]).count() == 2
    assert Report.objects.get(pk=report.pk).status == ReportStatus.CONFIRMED
    assert ReportRecord.objects.filter(report=report, kind="meeting").count() == 1
