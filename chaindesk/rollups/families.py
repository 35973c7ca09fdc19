"""The families of rollups: for each table, the records it is computed from, how (one grouped query per source,
cut to some partitions or not), and which partitions a change of a record touches.

A family's rows are keyed by a partition (a day or a month) and the dimensions the pages group by; refreshing a
partition deletes its rows and computes them again from the records, so a refresh is always the truth of the
moment, whatever happened before (no delta arithmetic to get wrong). A change touches the partitions of the record
as it was and as it is: the old values come from the audit line's `before`, the rest from the record."""

import datetime as dt
import functools
import operator
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Count, F, Q, Sum

from chaindesk.core.listeners import Change
from chaindesk.projects.models import InvestmentReport, Project
from chaindesk.projects.selectors_schedule import cents

from .models import InvestmentMonth, ProjectDay

CHUNK = 500  # partitions per IN (…)
Key = tuple[Any, ...]
Rows = dict[Key, tuple[Any, ...]]  # key -> measures


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _chunks(values: Collection[Any]) -> Iterator[list[Any]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def block_spans(blocks: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted blocks of ids as [first, end) block ranges, consecutive blocks as one."""
    spans: list[list[int]] = []
    for block in blocks:
        if spans and spans[-1][1] == block:
            spans[-1][1] = block + 1
        else:
            spans.append([block, block + 1])
    return [(first, end) for first, end in spans]


def block_parts(partitions: Collection[Any] | None, field: str, size: int) -> list[Q]:
    """The rows of the blocks of `size` ids named by `partitions` (or all rows when None), as conditions on `field`
    (the id the blocks cut): one per chunk of blocks, consecutive blocks as one id range."""
    if partitions is None:
        return [Q()]
    conditions = []
    for part in _chunks(partitions):
        ranges = (Q(**{f"{field}__gte": lo * size, f"{field}__lt": hi * size}) for lo, hi in block_spans(part))
        conditions.append(functools.reduce(operator.or_, ranges, Q(pk__in=[])))
    return conditions


def block_batches(model: type[models.Model], size: int, per_batch: int) -> Iterator[Collection[Any] | None]:
    """A rebuild's batches of a family partitioned by blocks of `size` ids of `model`: `per_batch` blocks at a time
    up to the highest id (everything at once when there are no rows)."""
    top = model._default_manager.aggregate(top=models.Max("pk"))["top"]
    if top is None:
        yield None
        return
    last = int(top) // size
    for start in range(0, last + 1, per_batch):
        yield list(range(start, min(start + per_batch, last + 1)))


def blocks_of(change: Change, names: Iterable[str], key: str, size: int) -> set[Any]:
    """The blocks of `size` ids that the record's `key` (a foreign key among `names`) names before and after the
    change; none when the change leaves `names` alone."""
    if change.before is None and change.after is not None and change.obj is not None:
        # A creation by a writer holding the record (an import's hundred thousand): its own value, no states built.
        value = change.after[key] if key in change.after else getattr(change.obj, _attname(change.model, key))
        return set() if value is None else {int(value) // size}
    if not _touched(change, names):
        return set()
    return {
        int(state[key]) // size for state in _states(change, names) if state is not None and state.get(key) is not None
    }


@functools.cache
def _attname(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    return str(getattr(field, "attname", name))


def _states(change: Change, names: Iterable[str]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The record's values of `names` before and after the change (None for the side that does not exist). The
    fields the line does not name are the record's own: from the instance, else read from the database."""
    names = list(names)
    attnames = [_attname(change.model, n) for n in names]
    current: dict[str, Any] = {}
    if change.obj is not None:
        current = {n: getattr(change.obj, a) for n, a in zip(names, attnames, strict=True)}
    else:
        row = change.model._default_manager.filter(pk=change.pk).values(*attnames).first()
        current = {n: row[a] for n, a in zip(names, attnames, strict=True)} if row else {}
    old = None if change.before is None and change.after is not None else current | (change.before or {})
    new = None if change.after is None else current | change.after
    if change.before is None and change.after is None:  # nothing said: the record as it is
        old, new = None, current
    return old, new


def _touched(change: Change, names: Iterable[str]) -> bool:
    """Whether the change may move the family's figures: a creation, a deletion or a change of one of `names`."""
    if change.before is None or change.after is None:
        return True
    return not (change.before.keys() | change.after.keys()).isdisjoint(names)


@dataclass(frozen=True)
class Family:
    """One rollup table; subclasses say how its rows are computed and which partitions a change touches."""

    name: str
    label: str
    model: type[models.Model]
    partition: str
    keys: tuple[str, ...]  # the key fields of the table, the partition first
    measures: tuple[str, ...]

    def sources(self) -> tuple[type[models.Model], ...]:
        raise NotImplementedError

    def live(self, partitions: Collection[Any] | None) -> Rows:
        """The rows from the records: all of them, or those of the given partitions."""
        raise NotImplementedError

    def touched(self, change: Change) -> set[Any]:
        raise NotImplementedError

    def resolve(self, partitions: Collection[Any]) -> set[Any]:
        """The partitions themselves, from what `touched` noted (a family may note records whose partitions it
        looks up only when it refreshes them)."""
        return set(partitions)

    def batches(self) -> Iterator[Collection[Any] | None]:
        """The partitions a rebuild computes at a time (all at once unless a family says otherwise: a large
        family computes a month at a time, so a rebuild's memory does not grow with the records)."""
        yield None

    # A family whose figures depend on the day (not only on the records) holds for the day it was rebuilt: the
    # pages read it only then (`engine.built`), and the nightly rebuild computes it again.
    daily = False

    # A family may keep tables derived from its rows (coarser partitions): told what each refresh and each rebuilt
    # batch wrote, so they keep in step, and asked for their differences when the family is checked.

    def refreshed(self, old: Rows, new: Rows) -> None:
        """A refresh changed some rows: `old` are those that went or changed, as they were; `new` those that came
        or changed, as they are now (a row that stayed the same is in neither)."""

    def rebuilt(self, partitions: Collection[Any] | None, rows: Rows) -> None:
        """A rebuild wrote `rows`: every row of `partitions` (of every partition when None)."""

    def cleared_outside(self, first: Any, last: Any) -> None:
        """A rebuild found no records outside [first, last] (nothing at all when both are None)."""

    def derived_differences(
        self, partitions: Collection[Any] | None, live: Rows
    ) -> list[tuple[str, tuple[str, ...], Rows, Rows]]:
        """Each derived table's name, key names, stored rows and rows computed from `live`, over `partitions`."""
        return []

    def derived_outside(self, first: Any, last: Any) -> list[tuple[str, tuple[str, ...], Rows]]:
        """Each derived table's name, key names and stored rows outside [first, last] (all when both are None)."""
        return []

    def stored_ids(self, partitions: Collection[Any] | None = None) -> dict[Key, tuple[int, tuple[Any, ...]]]:
        """The stored rows (of `partitions`, or all): key → (primary key, measures)."""
        qs = self.model._default_manager.all()
        found: dict[Key, tuple[int, tuple[Any, ...]]] = {}
        parts: Iterable[Any] = [None] if partitions is None else _chunks(partitions)
        width = len(self.keys)
        for part in parts:
            cut = qs if part is None else qs.filter(**{f"{self.partition}__in": part})
            for values in cut.values_list("pk", *self.keys, *self.measures):
                found[tuple(values[1 : width + 1])] = (values[0], tuple(values[width + 1 :]))
        return found

    def stored(self, partitions: Collection[Any] | None = None) -> Rows:
        """The stored rows (of `partitions`, or all): key → measures."""
        return {key: values for key, (_pk, values) in self.stored_ids(partitions).items()}


# --- 项目节点: 签约, 开工, 竣工, 投产 --------------------------------------------------------------------

EVENTS = ("signed_on", "started_on", "completed_on", "production_on")
PROJECT_FIELDS = (*EVENTS, "chain", "region", "planned_investment")


class ProjectDays(Family):
    def sources(self) -> tuple[type[models.Model], ...]:
        return (Project,)

    def live(self, partitions: Collection[Any] | None) -> Rows:
        rows: Rows = {}
        parts: Iterable[list[Any] | None] = [None] if partitions is None else list(_chunks(partitions))
        for event in EVENTS:
            for part in parts:
                qs = Project.objects.filter(**{f"{event}__isnull": False})
                if part is not None:
                    qs = qs.filter(**{f"{event}__in": part})
                grouped = (
                    qs.order_by()
                    .values(event, "chain_id", "region_id")
                    .annotate(n=Count("pk"), amount=Sum(cents(F("planned_investment"))))
                )
                for r in grouped:
                    rows[(r[event], event, r["chain_id"], r["region_id"])] = (r["n"], int(r["amount"] or 0))
        return rows

    def touched(self, change: Change) -> set[Any]:
        if not _touched(change, PROJECT_FIELDS):
            return set()
        days: set[Any] = set()
        for state in _states(change, PROJECT_FIELDS):
            if state is not None:
                days.update(d for d in (_date(state.get(e)) for e in EVENTS) if d is not None)
        return days


# --- 月度投资 ------------------------------------------------------------------------------------------

REPORT_FIELDS = ("month", "project", "amount")


class InvestmentMonths(Family):
    def sources(self) -> tuple[type[models.Model], ...]:
        return (InvestmentReport, Project)

    def live(self, partitions: Collection[Any] | None) -> Rows:
        rows: Rows = {}
        parts: Iterable[list[Any] | None] = [None] if partitions is None else list(_chunks(partitions))
        for part in parts:
            qs = InvestmentReport.objects.all()
            if part is not None:
                qs = qs.filter(month__in=part)
            grouped = (
                qs.order_by()
                .values("month", "project__chain_id", "project__region_id")
                .annotate(n=Count("pk"), amount=Sum(cents(F("amount"))))
            )
            for r in grouped:
                key = (r["month"], r["project__chain_id"], r["project__region_id"])
                rows[key] = (r["n"], int(r["amount"] or 0))
        return rows

    def touched(self, change: Change) -> set[Any]:
        if change.model is Project:  # a project moved to another chain or region takes its reports along
            if change.before is None or not ({"chain", "region"} & change.before.keys()):
                return set()
            return set(InvestmentReport.objects.filter(project_id=change.pk).values_list("month", flat=True))
        if not _touched(change, REPORT_FIELDS):
            return set()
        months: set[Any] = set()
        for state in _states(change, REPORT_FIELDS):
            if state is not None and state.get("month") is not None:
                months.add(_date(state.get("month")))
        return months


PROJECT_DAYS = ProjectDays(
    name="project_days",
    label="项目节点日汇总",
    model=ProjectDay,
    partition="day",
    keys=("day", "event", "chain_id", "region_id"),
    measures=("projects", "amount_cents"),
)
INVESTMENT_MONTHS = InvestmentMonths(
    name="investment_months",
    label="月度投资汇总",
    model=InvestmentMonth,
    partition="month",
    keys=("month", "chain_id", "region_id"),
    measures=("reports", "amount_cents"),
)
