"""The demo's annual targets (年度目标): this year's and last year's, for every chain, the city and its districts,
and four departments (办结率, 满意率, 上争获批金额).

The figures are set against what the demo city has actually done (chaindesk.targets.actuals, measured once per
year for every owner at once), the way an office would: the year's pace (actual ÷ 序时进度) divided by a factor
picked per owner and metric from a hash of their codes, so that most targets are on schedule, some a little
behind and a few far behind, then rounded as offices round (whole projects, amounts to round 万元). Early in a
year (序时进度 under a quarter) the base is last year's figure; with nothing at all to base it on, a chain or the
city still gets a modest floor (every metric, this year), a district or a department no target for that metric;
a past year gets targets only where there are figures. The rates are the usual 90 or 95: 95 for an owner whose
record (last year's rate, else this year's so far) is 95 or better, 90 for one under 90 or without a record,
either (picked by the hash) in between; the light then tells the truth, red where few demands are closed. No
owner without a single 上争事项 in the year or the year before gets a 上争获批金额 target (an office would not
set one). Nothing random changes between loads.

Everything goes through chaindesk.targets.services.targets_save: a chain's targets by its chief, the city's,
the districts' and the departments' by a city leader, with their audit lines; the rows' time is then moved to
when targets are handed down (20 February), the rows picked by owner. An owner that has any target of a year is
left as it is: loading again writes nothing and does not even measure.

The projects' story hangs off the seed day (the latest 11月24日): a demo loaded earlier in a year has no project,
investment or 上争 figure of the year yet, so those targets are behind by 序时进度 itself (green in the year's
first weeks, then yellow, then red); the rates' lights come from the year's demands (chaindesk.demo.demands)."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Model, Q

from chaindesk.accounts.choices import RegionLevel
from chaindesk.accounts.models import Department, Region, User
from chaindesk.chains.models import Chain
from chaindesk.targets import progress
from chaindesk.targets.actuals import Actual, measure
from chaindesk.targets.choices import Light, Metric, Owner, metrics_for
from chaindesk.targets.models import LightRule, Target
from chaindesk.targets.services import targets_save
from chaindesk.upward.models import UpwardRequest

from .projects import working_hours
from .year_to_date import pick

M = Metric
SETTER = "zhangkun"  # the city leader who sets the city's, the districts' and the departments' targets
DEPARTMENTS = ("fgw", "gxj", "swj", "zrzy")  # those with demands or 上争事项 in the demo
DEPARTMENT_METRICS = (M.CLOSURE_RATE, M.SATISFACTION_RATE, M.UPWARD_OBTAINED)
RATES = frozenset({M.CLOSURE_RATE, M.SATISFACTION_RATE})
RATE_LOW, RATE_HIGH = Decimal(90), Decimal(95)  # the usual 办结率 and 满意率 targets
FLOORS: dict[str, Decimal] = {  # a chain's target with nothing to base it on (the city's: three times)
    M.SIGNED: Decimal(2),
    M.SIGNED_AMOUNT: Decimal(20000),
    M.STARTED: Decimal(2),
    M.COMPLETED: Decimal(1),
    M.PRODUCTION: Decimal(1),
    M.INVESTMENT: Decimal(10000),
    M.NEW_SCALE: Decimal(2),
    M.UPWARD_OBTAINED: Decimal(500),
}
AMOUNTS = frozenset({M.SIGNED_AMOUNT, M.INVESTMENT, M.UPWARD_OBTAINED})  # 万元
QUARTER = Decimal("0.25")
GROWTH = Decimal("1.1")  # on last year's figure, early in a year
# The light aimed at (share of targets up to) and the factors tried for it: completion ≈ factor × 序时进度.
AIMS = ((Decimal("0.70"), Light.GREEN), (Decimal("0.97"), Light.YELLOW), (Decimal(1), Light.RED))
FACTORS = {
    Light.GREEN: (Decimal("1.00"), Decimal("1.04"), Decimal("1.08"), Decimal("1.12")),
    Light.YELLOW: (Decimal("0.84"), Decimal("0.78"), Decimal("0.72")),
    Light.RED: (Decimal("0.55"), Decimal("0.60"), Decimal("0.50")),
}
SET_ON = (2, 20)  # targets are handed down in February (年初下达)


@dataclass(frozen=True)
class Owned:
    """One owner of targets: its kind, record, natural code (for the hash), the user who sets them, its metrics,
    and whether it gets every metric this year, with or without a figure to base it on (chains, the city)."""

    kind: str
    obj: Model
    code: str
    actor: User
    metrics: tuple[str, ...]
    full: bool = False
    weight: int = 1  # the floors' multiple


def _owners(users: dict[str, User]) -> list[Owned]:
    """The demo's own chains, regions and departments (never the other records of the database)."""
    from .city import CHAINS, REGIONS  # the loader imports this module

    setter = users[SETTER]
    chains = Chain.objects.filter(code__in=[c[0] for c in CHAINS]).select_related("chief")
    owned = [
        Owned(Owner.CHAIN, chain, chain.code, chain.chief, tuple(metrics_for(Owner.CHAIN)), full=True)
        for chain in chains.order_by("sort_order", "code")
    ]
    regions = Region.objects.filter(code__in=[r[0] for r in REGIONS])
    for region in regions.filter(level__in=[RegionLevel.CITY, RegionLevel.DISTRICT]).order_by("sort_order"):
        city = region.level == RegionLevel.CITY
        metrics = tuple(metrics_for(Owner.REGION))
        owned.append(Owned(Owner.REGION, region, region.code, setter, metrics, full=city, weight=3 if city else 1))
    for department in Department.objects.filter(code__in=DEPARTMENTS).order_by("sort_order"):
        owned.append(Owned(Owner.DEPARTMENT, department, department.code, setter, DEPARTMENT_METRICS))
    return owned


def _missing(owners: list[Owned], years: Iterable[int]) -> dict[int, list[Owned]]:
    """Per year, the owners without any target yet (one query)."""
    have = Target.objects.values_list("year", "owner", "chain_id", "region_id", "department_id").distinct()
    had = {(year, kind, c or r or d) for year, kind, c, r, d in have}
    found = {year: [o for o in owners if (year, o.kind, o.obj.pk) not in had] for year in years}
    return {year: todo for year, todo in found.items() if todo}


def _factors(*parts: object) -> tuple[str, list[Decimal]]:
    """The light aimed at for these parts, and its factors starting from one picked by them."""
    share = pick(*parts)
    aim = next(light for upto, light in AIMS if share < upto)
    factors = list(FACTORS[aim])
    start = int(pick("factor", *parts) * len(factors))
    return aim, factors[start:] + factors[:start]


def office_round(value: Decimal, metric: str) -> Decimal:
    """Counts to whole ones (at least 1); 万元 to 10, 100, 1 000 or 10 000 as the figure grows."""
    if metric not in AMOUNTS:
        return max(value.quantize(Decimal(1), ROUND_HALF_UP), Decimal(1))
    step = next((s for limit, s in ((100000, 10000), (10000, 1000), (1000, 100)) if value >= limit), 10)
    return max((value / step).quantize(Decimal(1), ROUND_HALF_UP) * step, Decimal(step))


@dataclass(frozen=True)
class Year:
    """What a year's targets are set against: 序时进度 (a fraction), the figures of that year and the one
    before, keyed (owner kind, owner id, metric), and the lights' thresholds."""

    year: int
    current: bool
    elapsed: Decimal
    actuals: dict[Any, Actual]
    before: dict[Any, Actual]
    rule: LightRule
    upward: frozenset[tuple[str, int]] = frozenset()  # the owners with 上争事项 in the year or the one before

    def light(self, actual: Decimal, target: Decimal) -> str:
        points = progress.behind(actual=actual, target=target, is_rate=False, elapsed=self.elapsed * 100)
        return progress.light(points, yellow=self.rule.yellow, red=self.rule.red)


def _aimed(metric: str, actual: Decimal, year: Year, parts: tuple[object, ...]) -> Decimal:
    """A target the actual figure meets with the light aimed at; on schedule when rounding allows no such target
    (one project cannot be a little behind)."""
    aim, factors = _factors(*parts)
    pace = actual / year.elapsed
    for factor in factors:
        target = office_round(pace / factor, metric)
        if year.light(actual, target) == aim:
            return target
    return office_round(pace, metric)


def _figure(owner: Owned, metric: str, year: Year) -> Decimal | None:
    """One target's figure (see the module's docstring), or None: a district, a department or a past year is
    given no target with nothing to base it on, nor a rate without a single case in a past year."""
    parts, key = (year.year, owner.kind, owner.code, metric), (owner.kind, owner.obj.pk, metric)
    if metric in RATES:
        return _rate(key, year, parts)
    if metric == M.UPWARD_OBTAINED and (owner.kind, owner.obj.pk) not in year.upward:
        return None
    actual = year.actuals.get(key, Actual(None)).value or Decimal(0)
    before = year.before.get(key, Actual(None)).value or Decimal(0)
    if actual > 0 and year.elapsed >= QUARTER:
        return _aimed(metric, actual, year, parts)
    if not year.current:
        return None
    if before > 0:
        return office_round(max(before * GROWTH, actual), metric)
    if actual > 0 or owner.full:
        return office_round(max(FLOORS[metric] * owner.weight, actual), metric)
    return None


def _rate(key: tuple[str, int, str], year: Year, parts: tuple[object, ...]) -> Decimal | None:
    """90 or 95 by the owner's record (see the module's docstring); none in a past year without a case."""
    actual, before = year.actuals.get(key, Actual(None)).value, year.before.get(key, Actual(None)).value
    if not year.current and actual is None:
        return None
    record = before if before is not None else actual
    if record is None or record < RATE_LOW:
        return RATE_LOW
    if record >= RATE_HIGH:
        return RATE_HIGH
    return RATE_HIGH if pick(*parts) < Decimal("0.4") else RATE_LOW


def _with_upward(years: tuple[int, int]) -> frozenset[tuple[str, int]]:
    """(owner kind, owner id) of every chain, region (and the regions above it) and department with a 上争事项
    registered or moved in these years (two queries)."""
    moved = Q(created_at__year__in=years) | Q(stage_changed_on__year__in=years)
    rows = UpwardRequest.objects.filter(moved).values_list("chain_id", "region_id", "department_id")
    parents: dict[int, int | None] = dict(Region.objects.values_list("pk", "parent_id"))
    found: set[tuple[str, int]] = set()
    for chain, region, department in rows:
        found |= {(Owner.CHAIN, chain), (Owner.DEPARTMENT, department)}
        at: int | None = region
        while at is not None:
            found.add((Owner.REGION, at))
            at = parents.get(at)
    return frozenset(found)


def _set_on(year: int, today: dt.date) -> dt.datetime:
    return working_hours(min(dt.date(year, *SET_ON), today), 15)


def _measure(owners: list[Owned], year: int, today: dt.date) -> dict[Any, Actual]:
    wanted = [
        Target(year=year, metric=m, owner=o.kind, **{o.kind: o.obj}, value=Decimal(0))
        for o in owners
        for m in o.metrics
    ]
    return measure(wanted, year=year, today=today)


def load_targets(users: dict[str, User], today: dt.date, add: Any) -> None:
    """This year's and last year's targets of the owners that have none (see the module's docstring)."""
    owners = _owners(users)
    missing = _missing(owners, (today.year - 1, today.year))
    if not missing:
        return
    measured = {year: _measure(owners, year, today) for year in sorted({*missing, today.year - 1})}
    rule = LightRule.current()
    for year, todo in sorted(missing.items()):
        elapsed = progress.time_progress(year, today) / 100
        before, upward = measured.get(year - 1, {}), _with_upward((year - 1, year))
        context = Year(year, year == today.year, elapsed, measured[year], before, rule, upward)
        saved_for = Q(pk__in=[])  # the owners given targets of the year now (they had none: see _missing)
        for owner in todo:
            figures = {m: _figure(owner, m, context) for m in owner.metrics}
            values = {m: value for m, value in figures.items() if value is not None}
            if values:
                saved = targets_save(actor=owner.actor, year=year, owner=owner.kind, owner_obj=owner.obj, values=values)
                for _ in range(saved.created):
                    add("target")
                saved_for |= Q(owner=owner.kind, **{owner.kind: owner.obj})
        # Their rows, picked by owner (not by the time they were written), dated to when targets are handed down.
        Target.objects.filter(saved_for, year=year).update(updated_at=_set_on(year, today))
