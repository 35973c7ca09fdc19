"""The one compare-and-set helper (chaindesk/core/transitions.py), on a plain row of the personas' world."""

import datetime as dt
from decimal import Decimal

import pytest

from chaindesk.core.actors import ESCALATION
from chaindesk.core.exceptions import InvalidTransition
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.core.transitions import compare_and_set
from chaindesk.upward.models import UpwardRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def mark(personas):
    """The last audit line before the test (the personas' world writes its own)."""
    return AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _lines(item: UpwardRequest, mark: int) -> list[AuditLog]:
    return list(
        AuditLog.objects.filter(object_id=str(item.pk), action=AuditAction.TRANSITION, pk__gt=mark).order_by("pk")
    )


def test_a_move_from_the_seen_state_writes_and_audits_before_and_after(personas, mark):
    item = personas.ours.upward
    seen = item.stage
    fields = {"stage": "x-next", "stage_changed_on": dt.date(2026, 11, 20), "amount_obtained": Decimal("12.50")}

    compare_and_set(item, field="stage", expected=seen, fields=fields, actor=personas.chief, stale=str, message="m")

    row = UpwardRequest.objects.values("stage", "stage_changed_on", "amount_obtained").get(pk=item.pk)
    assert row == {"stage": "x-next", "stage_changed_on": dt.date(2026, 11, 20), "amount_obtained": Decimal("12.50")}
    [line] = _lines(item, mark)
    assert line.actor == personas.chief
    assert line.message == "m"
    assert line.after == {"stage": "x-next", "stage_changed_on": "2026-11-20", "amount_obtained": "12.50"}
    assert line.before is not None
    assert line.before["stage"] == seen
    assert set(line.before) == {"stage", "stage_changed_on", "amount_obtained"}
    assert item.stage == seen  # the caller applies the fields itself


def test_the_loser_of_a_race_gets_409_naming_the_state_now_and_writes_nothing(personas, mark):
    item = personas.ours.upward
    seen = item.stage
    UpwardRequest.objects.filter(pk=item.pk).update(stage="moved-by-someone")

    with pytest.raises(InvalidTransition) as raised:
        compare_and_set(
            item,
            field="stage",
            expected=seen,
            fields={"stage": "mine"},
            actor=personas.chief,
            stale=lambda now: f"now {now}",
        )

    assert str(raised.value) == "now moved-by-someone"
    assert UpwardRequest.objects.values_list("stage", flat=True).get(pk=item.pk) == "moved-by-someone"
    assert _lines(item, mark) == []


def test_unaudited_fields_are_written_but_kept_out_of_the_line_and_system_actors_are_named(personas, mark):
    item = personas.ours.upward
    compare_and_set(
        item,
        field="stage",
        expected=item.stage,
        fields={"stage": "y", "description": "internal"},
        actor=ESCALATION,
        stale=str,
        unaudited=("description",),
    )

    assert UpwardRequest.objects.values_list("description", flat=True).get(pk=item.pk) == "internal"
    [line] = _lines(item, mark)
    assert line.after == {"stage": "y"}
    assert line.actor is None
    assert line.actor_name == str(ESCALATION)
