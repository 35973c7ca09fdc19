"""Synthetic one-to-one service: an open liaison assignment for every assigned enterprise (matching
Enterprise.liaison, a hand-over history for a few), and visit logs with participants, issues raised at a
fraction of the visits and a next step per issue; Enterprise.last_visit_on is then set from the visits in
one set-based UPDATE."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import User
from chaindesk.demo.service import ISSUES, STEP_TEXT, TOPICS
from chaindesk.enterprises.models import Enterprise
from chaindesk.liaison.models import LiaisonAssignment, NextStep, Visit, VisitIssue, VisitKind

from .base import SYNTH_USER_PREFIX, BulkWriter, Context, register, weighted
from .registry import first_synthetic_enterprise

HANDOVER_SHARE = 0.05
ISSUE_SHARE = 0.15
DONE_SHARE = 0.6
HISTORY_DAYS = 540
KINDS = [(VisitKind.VISIT.value, 50.0), (VisitKind.CALL.value, 32.0), (VisitKind.SYMPOSIUM.value, 12.0)]
KINDS.append((VisitKind.SITE.value, 6.0))


def reset(writer: BulkWriter) -> None:
    writer.wipe(
        NextStep._meta.db_table,
        VisitIssue._meta.db_table,
        Visit.participants.through._meta.db_table,
        Visit._meta.db_table,
        LiaisonAssignment._meta.db_table,
    )


def _assignments(ctx: Context, enterprises: list[tuple[int, int, int, dt.date]]) -> None:
    rng = ctx.rng("liaison:assignments")
    by_region: dict[int, list[int]] = defaultdict(list)
    for pk, region_id in User.objects.filter(role=Role.LIAISON, is_active=True).values_list("pk", "region_id"):
        by_region[region_id].append(pk)

    def rows() -> Iterator[tuple[object, ...]]:
        for pk, liaison, region, created in enterprises:
            started = max(created, dt.date(2025, 1, 2))
            others = [u for u in by_region[region] if u != liaison]
            if others and rng.random() < HANDOVER_SHARE and started > created + dt.timedelta(days=30):
                yield pk, rng.choice(others), None, created, started - dt.timedelta(days=1), "岗位调整，工作交接", None
            yield pk, liaison, None, started, None, "", None

    columns = ("enterprise_id", "liaison_id", "leader_id", "started_on", "ended_on", "note", "assigned_by_id")
    table = LiaisonAssignment._meta.db_table
    with ctx.writer.bulk_load(table, len(enterprises)):
        ctx.counts["liaison_assignments"] = ctx.writer.insert(table, columns, rows())


@register("liaison", reset=reset)
def generate(ctx: Context) -> None:
    writer = ctx.writer
    first = first_synthetic_enterprise(ctx)
    assigned = [
        (pk, liaison, region, created.date())
        for pk, liaison, region, created in Enterprise.objects.filter(pk__gte=first, liaison__isnull=False)
        .order_by("pk")
        .values_list("pk", "liaison_id", "region_id", "created_at")
    ]
    _assignments(ctx, assigned)
    _visits(ctx, assigned)
    table, qn = Enterprise._meta.db_table, writer.connection.ops.quote_name
    visits = qn(Visit._meta.db_table)
    writer.execute(
        f"UPDATE {qn(table)} SET last_visit_on = (SELECT MAX(v.visited_on) FROM {visits} v "  # noqa: S608
        f"WHERE v.enterprise_id = {qn(table)}.id) WHERE id >= %s",
        [first],
    )


def _visits(ctx: Context, assigned: list[tuple[int, int, int, dt.date]]) -> None:
    rng = ctx.rng("liaison:visits")
    writer = ctx.writer
    n = ctx.scale.visits if assigned else 0
    handlers = list(
        User.objects.filter(role=Role.DEPT_HANDLER, username__startswith=SYNTH_USER_PREFIX).values_list("pk", flat=True)
    )
    picks = sorted(rng.choices(range(len(assigned)), k=n)) if n else []
    kinds = weighted(rng, [k for k, _ in KINDS], [w for _, w in KINDS], n)
    first_visit = writer.next_id(Visit._meta.db_table)
    participants: list[tuple[int, int]] = []
    issues: list[tuple[int, str, int]] = []
    steps: list[tuple[object, ...]] = []
    stamp = dt.time(10)

    def rows() -> Iterator[tuple[object, ...]]:
        for offset, index in enumerate(picks):
            pk, liaison, _, created = assigned[index]
            visit_id = first_visit + offset
            span = max((ctx.today - max(created, ctx.today - dt.timedelta(days=HISTORY_DAYS))).days, 0)
            on = ctx.today - dt.timedelta(days=int(rng.random() ** 1.4 * span))
            participants.append((visit_id, liaison))
            if rng.random() < ISSUE_SHARE:
                for order, (text, topic) in enumerate(rng.sample(ISSUES, 1 if rng.random() < 0.7 else 2)):
                    issues.append((visit_id, text, order))
                    due = on + dt.timedelta(days=rng.randint(20, 60))
                    done = None
                    if due < ctx.today and rng.random() < DONE_SHARE:
                        done = (on + dt.timedelta(days=rng.randint(5, (due - on).days))).isoformat()
                    owner = rng.choice(handlers) if handlers and rng.random() < 0.6 else liaison
                    steps.append((visit_id, STEP_TEXT[topic], owner, due.isoformat(), done))
            created_at = writer.ts(dt.datetime.combine(on, stamp, tzinfo=dt.UTC))
            yield visit_id, pk, on.isoformat(), kinds[offset], "", rng.choice(TOPICS), liaison, created_at

    columns = (
        "id",
        "enterprise_id",
        "visited_on",
        "kind",
        "other_participants",
        "notes",
        "created_by_id",
        "created_at",
    )
    with writer.bulk_load(Visit._meta.db_table, n):
        ctx.counts["visits"] = writer.insert(Visit._meta.db_table, columns, rows())
    writer.reset_sequences(Visit)
    through = Visit.participants.through._meta.db_table
    with writer.bulk_load(through, len(participants)):
        ctx.counts["visit_participants"] = writer.insert(through, ("visit_id", "user_id"), participants)
    with writer.bulk_load(VisitIssue._meta.db_table, len(issues)):
        ctx.counts["visit_issues"] = writer.insert(
            VisitIssue._meta.db_table, ("visit_id", "text", "sort_order"), issues
        )
    step_columns = ("visit_id", "text", "owner_id", "due_on", "done_on")
    with writer.bulk_load(NextStep._meta.db_table, len(steps)):
        ctx.counts["next_steps"] = writer.insert(NextStep._meta.db_table, step_columns, steps)
