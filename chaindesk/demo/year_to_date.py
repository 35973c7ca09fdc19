"""This year's figures so far (本年累计), and any full year missing between the demo's last year and this one.

The demo's yearly indicators (chaindesk.demo.service) stop at 2025. During a year the offices follow the firms
bound for the 规上 line month by month and enter their figures to date (营业收入/开票销售 and 税收, 研发投入 累计;
从业人数 as it stands): their last year's revenue × 序时进度 × a growth picked from a hash of their name. Only those:
a partial year beside full ones would read as a fall on every other enterprise's page and could take a 规上 firm
below the line on the chain map. The 入规培育库 (small firms at or above POOL of the 规上 line, not on a leaf the demo keeps 弱) is followed
by every liaison, and each chain's BOUND firms of it nearest the line grow strongly this year, bound for a full
year of 1.12–1.5 × the line: they cross it one after the other as the months go by (新增规上企业,
chaindesk.targets.actuals). An enterprise on a 弱 leaf stays under the line (the demo's chain map keeps its profile, chaindesk.demo.trees.LEAF_PROFILES).
A year between the demo's last and this one (a demo loaded in 2027 or later) gets full-year figures the same
way, so that no enterprise looks new to the line for want of last year's figure.

The figures are entered by the enterprise's liaison through chaindesk.enterprises.services.indicator_set (the
demo's system actor is no user and may not). No figures of this year in January (no month closed yet). An
enterprise with figures for a year is left as it is: loading again writes nothing."""

import datetime as dt
import hashlib
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from chaindesk.chains.gaps import scale_revenue
from chaindesk.enterprises.models import Enterprise, Indicator
from chaindesk.enterprises.services import indicator_set
from chaindesk.targets.progress import time_progress

from . import trees
from .service import YEARS, Plan

POOL = Decimal("0.5")  # the 培育库: small firms at or above this share of the line
BOUND = 2  # the 培育库 firms of each chain bound for the line this year (those nearest to it)
# Where a bound firm's full year ends (× the line): its figures to date (× 序时进度) reach the line only once
# 序时进度 is 1/REACH[1] (two thirds of the year), and every bound firm's has by 1/REACH[0] (late November).
REACH = (Decimal("1.12"), Decimal("1.5"))
UNDER = Decimal("0.92")  # where a firm on a 弱 leaf stays, at most (× the line)
CENT = Decimal("0.01")


def pick(*parts: object) -> Decimal:
    """A number in [0, 1) fixed by the parts (sha256, not `hash`: the same on every run)."""
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return Decimal(int.from_bytes(digest[:4], "big")) / Decimal(2**32)


def _between(low: str, high: str, *parts: object) -> Decimal:
    return Decimal(low) + (Decimal(high) - Decimal(low)) * pick(*parts)


def _on_weak_leaf(plan: Plan) -> bool:
    return trees.LEAF_PROFILES.get(plan.chain, {}).get(plan.leaf) == trees.WEAK


def _pooled(plan: Plan, last: Decimal) -> bool:
    """In the 入规培育库: a small firm under the line but not far, on a leaf the demo does not keep 弱."""
    line = scale_revenue()
    return plan.small and not _on_weak_leaf(plan) and POOL * line <= last < line


def _bound(planned: list[tuple[Enterprise, Plan]], latest: dict[int, Indicator]) -> set[int]:
    """The enterprises bound for the line this year: each chain's BOUND 培育库 firms nearest to it."""
    pools: dict[str, list[tuple[Decimal, int]]] = {}
    for enterprise, plan in planned:
        last = latest[enterprise.pk].revenue if enterprise.pk in latest else None
        if last is not None and _pooled(plan, last):
            pools.setdefault(plan.chain, []).append((last, enterprise.pk))
    return {pk for pool in pools.values() for _, pk in sorted(pool, reverse=True)[:BOUND]}


def full_year(name: str, plan: Plan, last: Decimal, year: int, *, bound: bool = False) -> Decimal:
    """The enterprise's revenue for the whole of `year` (万元), from its last year's: a firm bound for the line
    reaches 1.12–1.5 × it, a firm on a 弱 leaf stays under it, the others grow as firms do."""
    line = scale_revenue()
    if bound:
        return line * _between(str(REACH[0]), str(REACH[1]), "bound", name, year)
    low, high = ("0.97", "1.12") if plan.small else ("0.92", "1.18")
    revenue = last * _between(low, high, "growth", name, year)
    return min(revenue, line * UNDER) if _on_weak_leaf(plan) else revenue


def _figures(before: Indicator, revenue: Decimal, share: Decimal) -> dict[str, Any]:
    """Tax and R&D in the same proportion to revenue as the year before; headcount grows half as fast."""
    old = before.revenue or Decimal(1)
    growth = revenue / old
    done = revenue * share

    def scaled(value: Decimal | None) -> Decimal | None:
        return None if value is None else (value * done / old).quantize(CENT, ROUND_HALF_UP)

    employees = None if before.employees is None else max(1, round(before.employees * (1 + (growth - 1) / 2)))
    return {
        "revenue": done.quantize(CENT, ROUND_HALF_UP),
        "tax": scaled(before.tax),
        "rd_spend": scaled(before.rd_spend),
        "employees": employees,
    }


def _latest(ids: list[int], until: int) -> dict[int, Indicator]:
    """Each enterprise's latest year with a revenue before `until` (one query)."""
    found: dict[int, Indicator] = {}
    rows = Indicator.objects.filter(enterprise_id__in=ids, revenue__isnull=False, year__lt=until)
    for row in rows.order_by("enterprise", "year"):
        found[row.enterprise_id] = row
    return found


def load_year_to_date(planned: list[tuple[Enterprise, Plan]], today: dt.date, add: Any) -> None:
    """The missing full years after the demo's last, then this year's figures to date (see the docstring). The
    firms bound for the line are picked on last year's figures, the missing ones filled first: none was 规上
    already, and loading again picks the same ones."""
    first = YEARS[-1] + 1
    if today.year < first:
        return
    ids = [e.pk for e, _ in planned]
    latest = _latest(ids, today.year)
    for enterprise, plan in planned:
        before = latest.get(enterprise.pk)
        if before is None or enterprise.liaison is None:
            continue
        for year in range(max(before.year + 1, first), today.year):
            revenue = full_year(enterprise.name, plan, before.revenue or Decimal(0), year)
            add("indicator")
            before = indicator_set(
                actor=enterprise.liaison, enterprise=enterprise, year=year, **_figures(before, revenue, Decimal(1))
            )
    if today.month == 1:  # no month of the year closed yet
        return
    latest = _latest(ids, today.year)
    bound = _bound(planned, latest)
    entered = set(
        Indicator.objects.filter(enterprise_id__in=bound, year=today.year).values_list("enterprise_id", flat=True)
    )
    share = time_progress(today.year, today) / 100
    for enterprise, plan in planned:
        before = latest.get(enterprise.pk)
        if enterprise.pk not in bound or enterprise.pk in entered or before is None or enterprise.liaison is None:
            continue
        revenue = full_year(enterprise.name, plan, before.revenue or Decimal(0), today.year, bound=True)
        add("indicator")
        indicator_set(
            actor=enterprise.liaison, enterprise=enterprise, year=today.year, **_figures(before, revenue, share)
        )
