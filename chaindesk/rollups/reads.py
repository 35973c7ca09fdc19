"""Reading the rollups as a reader may see them.

The project families are keyed by the project's chain and region, which is exactly how a chain's team and a
district administrator see projects (`Project.scope_paths`: chain="chain", region="region", the region itself or a
region whose parent it is). For them a page reads the rollup rows of their chains or their district: the same
figures as the records they may see, proved by the tests for random writes and readers. Every other reader (a
liaison, an enterprise, a department, the administrators) sees a handful of projects or none: `visible_rows`
answers None and the page reads the records."""

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from chaindesk.accounts.models import Region
from chaindesk.core.scope import CHAIN, REGION, scope_of

from . import engine
from .models import DemandDay
from .registry import FAMILIES


def _region_q(region_id: int | None) -> Q:
    if region_id is None:
        return Q(pk__in=[])
    children = Region.objects.filter(parent_id=region_id).values("pk")
    return Q(region_id=region_id) | Q(region_id__in=children)


def visible_rows(user: Any, name: str) -> QuerySet[Any] | None:
    """The family's rows the reader's records add up to, or None when the page must read the records (a reader
    the rollup's dimensions do not describe, or rollups switched off). Flushes this thread's pending refreshes
    of the family first."""
    scope = scope_of(user)
    if scope.dimension not in (CHAIN, REGION):
        return None
    if not engine.ready(name):
        return None
    rows = FAMILIES[name].model._default_manager.all()
    if scope.dimension == CHAIN:
        return rows.filter(chain_id__in=scope.chain_ids)
    return rows.filter(_region_q(scope.region_id))


def visible_demand_rows(user: Any, model: type[Any] = DemandDay) -> QuerySet[Any] | None:
    """The rows of 办理指标's rollup (daily, or `DemandMonth`) the reader's demands add up to (see `DemandDay`), or
    None when the page must read the demands: a chain's team reads the rows of reader "chain" whose enterprise
    chains meet its own, a district administrator the rows of reader "region" of its district and the districts
    right below it, exactly as `Enterprise.scope_paths` lets them see enterprises (and `Demand` follows its
    enterprise)."""
    scope = scope_of(user)
    if scope.dimension not in (CHAIN, REGION):
        return None
    if not engine.ready("demand_days"):
        return None
    rows = model._default_manager.all()
    if scope.dimension == REGION:
        if scope.region_id is None:
            return rows.none()
        children = Region.objects.filter(parent_id=scope.region_id).values("pk")
        return rows.filter(Q(reader_region=scope.region_id) | Q(reader_region__in=children), reader="region")
    chains = sorted(scope.team_chains)
    if not chains:
        return rows.none()
    meets = Q(pk__in=[])
    for chain_id in chains:
        meets |= Q(reader_chains__contains=f",{chain_id},")
    return rows.filter(meets, reader="chain")


def all_demand_rows(model: type[Any] = DemandDay) -> QuerySet[Any] | None:
    """Every demand counted once (the rows of reader "region"), for figures not cut to a reader; None when off."""
    if not engine.ready("demand_days"):
        return None
    return model._default_manager.filter(reader="region")


def demand_spans(start: dt.date, end: dt.date, before: dt.date | None = None) -> tuple[list[dt.date], list[Q]]:
    """[start, end] as the months wholly inside it (ending before `before`, when given), read from `DemandMonth`,
    and the days left at either end, as conditions on `DemandDay.day`."""
    first = start if start.day == 1 else _next_month(start)
    months: list[dt.date] = []
    month = first
    while _next_month(month) - dt.timedelta(days=1) <= end and (before is None or _next_month(month) <= before):
        months.append(month)
        month = _next_month(month)
    if not months:
        return [], [Q(day__range=(start, end))] if start <= end else []
    days = []
    if start < months[0]:
        days.append(Q(day__range=(start, months[0] - dt.timedelta(days=1))))
    after = _next_month(months[-1])
    if after <= end:
        days.append(Q(day__range=(after, end)))
    return months, days


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def all_rows(name: str) -> QuerySet[Any] | None:
    """Every row of the family (figures not cut to a reader: the annual targets), or None when switched off."""
    if not engine.ready(name):
        return None
    return FAMILIES[name].model._default_manager.all()
