"""Reads of the annual targets: the ledger of a year (every visible target with its figure, 完成率, how far
behind and its light) and the year's last stretch (最后赛段: the gaps and the weekly pace they need)."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Model

from chaindesk.accounts.choices import RegionLevel, Role
from chaindesk.accounts.models import Department, Region
from chaindesk.chains.models import Chain
from chaindesk.core.scope import scope_of

from . import progress
from .actuals import Actual, measure
from .choices import SPECS, Light, MetricSpec, Owner, metrics_for
from .models import LightRule, Target
from .permissions import may_set

LIGHT_ORDER: dict[str, int] = {Light.RED: 0, Light.YELLOW: 1, Light.GREEN: 2, Light.NONE: 3}
OWNER_ORDER: list[str] = [Owner.REGION, Owner.CHAIN, Owner.DEPARTMENT]


@dataclass
class Progress:
    """One target as the ledger shows it."""

    target: Target
    spec: MetricSpec
    actual: Actual
    elapsed: Decimal | None  # 序时进度 (accumulating targets only)
    done: Decimal | None  # 完成率 (accumulating targets only)
    behind: Decimal | None
    light: str
    pace: progress.Pace | None = None  # accumulating targets only

    @property
    def metric(self) -> str:
        return self.target.metric


@dataclass
class OwnerRow:
    """One owner's targets of the year, keyed by metric, in the order of the ledger's columns."""

    owner: str
    owner_id: int
    name: str
    cells: dict[str, Progress] = field(default_factory=dict)
    may_set: bool = False

    @property
    def lights(self) -> dict[str, int]:
        counts: dict[str, int] = dict.fromkeys((Light.RED, Light.YELLOW, Light.GREEN), 0)
        for cell in self.cells.values():
            if cell.light in counts:
                counts[cell.light] += 1
        return counts


@dataclass
class Ledger:
    year: int
    today: dt.date
    elapsed: Decimal
    rule: LightRule
    days_left: int | None
    sections: dict[str, list[OwnerRow]]

    @property
    def weeks_left(self) -> Decimal | None:
        return None if self.days_left is None else (Decimal(self.days_left) / 5).quantize(Decimal("0.1"))

    def progresses(self) -> Iterable[Progress]:
        for rows in self.sections.values():
            for row in rows:
                yield from row.cells.values()

    @property
    def is_empty(self) -> bool:
        return not any(self.sections.values())


def _progress(target: Target, actual: Actual, *, elapsed: Decimal, rule: LightRule, days_left: int | None) -> Progress:
    spec = SPECS[target.metric]
    points = progress.behind(actual=actual.value, target=target.value, is_rate=spec.is_rate, elapsed=elapsed)
    yellow, red = (rule.rate_yellow, rule.rate_red) if spec.is_rate else (rule.yellow, rule.red)
    item = Progress(
        target=target,
        spec=spec,
        actual=actual,
        elapsed=None if spec.is_rate else elapsed,
        done=None if spec.is_rate or actual.value is None else progress.completion(actual.value, target.value),
        behind=points,
        light=progress.light(points, yellow=yellow, red=red),
    )
    if not spec.is_rate and actual.value is not None:
        item.pace = progress.pace(actual=actual.value, target=target.value, days_left=days_left)
    return item


def _sort_key(row: OwnerRow, order: dict[tuple[str, int], tuple[Any, ...]]) -> tuple[Any, ...]:
    return order.get((row.owner, row.owner_id), (9, row.name))


def _owner_order(targets: list[Target]) -> dict[tuple[str, int], tuple[Any, ...]]:
    """The city first, then the districts in their own order; chains and departments in theirs."""
    order: dict[tuple[str, int], tuple[Any, ...]] = {}
    for t in targets:
        obj: Any = t.owner_obj
        if t.owner == Owner.REGION:
            order[(t.owner, obj.pk)] = (0 if obj.level == RegionLevel.CITY else 1, obj.sort_order, obj.code)
        else:
            order[(t.owner, obj.pk)] = (0, getattr(obj, "sort_order", 0), str(obj))
    return order


def readable_kinds(user: Any, owner: str | None = None) -> list[str]:
    """The kinds of owner whose targets the user's role may read (Target.scope_paths), or just `owner`."""
    role = getattr(user, "role", None)
    kinds: dict[str, list[str]] = {
        Role.CITY_LEADER: OWNER_ORDER,
        Role.TEAM_MEMBER: OWNER_ORDER,
        Role.DISTRICT_ADMIN: [Owner.REGION],
        Role.DEPT_HANDLER: [Owner.DEPARTMENT],
    }
    return [k for k in kinds.get(str(role), []) if not owner or k == owner]


def ledger(user: Any, *, year: int, today: dt.date, owner: str | None = None) -> Ledger:
    """Every target of `year` the user may see (of one kind of owner if given), measured as of `today`."""
    qs = Target.objects.visible_to(user).filter(year=year).select_related("chain", "region", "department")
    if owner:
        qs = qs.filter(owner=owner)
    targets = list(qs)
    rule = LightRule.current()
    elapsed = progress.time_progress(year, today)
    days_left = progress.workdays_left(year, today)
    actuals = measure(targets, year=year, today=today, kinds=readable_kinds(user, owner))
    rows: dict[tuple[str, int], OwnerRow] = {}
    for t in targets:
        key = (t.owner, t.owner_id or 0)
        row = rows.get(key)
        if row is None:
            row = rows[key] = OwnerRow(t.owner, key[1], t.owner_name, may_set=may_set(user, t.owner, t.owner_id))
        actual = actuals.get((t.owner, key[1], t.metric), Actual(None))
        row.cells[t.metric] = _progress(t, actual, elapsed=elapsed, rule=rule, days_left=days_left)
    order = _owner_order(targets)
    sections: dict[str, list[OwnerRow]] = {o: [] for o in OWNER_ORDER if not owner or o == owner}
    for row in sorted(rows.values(), key=lambda r: _sort_key(r, order)):
        sections[row.owner].append(row)
    for rows_of in sections.values():
        for row in rows_of:
            row.cells = {m: row.cells[m] for m in metrics_for(row.owner) if m in row.cells}
    return Ledger(year, today, elapsed, rule, days_left, sections)


def behind_list(book: Ledger) -> list[tuple[OwnerRow, Progress]]:
    """最后赛段: every target short of where it should be (red and yellow first, then by points behind)."""
    found = [
        (row, cell)
        for rows in book.sections.values()
        for row in rows
        for cell in row.cells.values()
        if cell.light in (Light.RED, Light.YELLOW)
    ]
    return sorted(found, key=lambda rc: (LIGHT_ORDER[rc[1].light], -(rc[1].behind or Decimal(0)), rc[0].name))


def settable_owners(user: Any) -> dict[str, list[Model]]:
    """The owners whose targets the user may set, by kind (the page's 填报 choices)."""
    role = getattr(user, "role", None)
    result: dict[str, list[Model]] = {Owner.REGION: [], Owner.CHAIN: [], Owner.DEPARTMENT: []}
    if role in (Role.CITY_LEADER, Role.TEAM_MEMBER):
        result[Owner.CHAIN] = list(Chain.objects.filter(pk__in=scope_of(user).chain_ids).order_by("sort_order", "code"))
    if role == Role.CITY_LEADER:
        regions = Region.objects.filter(level__in=[RegionLevel.CITY, RegionLevel.DISTRICT])
        result[Owner.REGION] = list(regions)
        result[Owner.DEPARTMENT] = list(Department.objects.filter(is_active=True))
    elif role == Role.DISTRICT_ADMIN:
        result[Owner.REGION] = list(Region.objects.filter(pk__in=scope_of(user).district_regions))
    elif role == Role.DEPT_HANDLER and user.department_id:
        result[Owner.DEPARTMENT] = list(Department.objects.filter(pk=user.department_id))
    return result
