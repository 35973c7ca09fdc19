"""Hand-written SQL baselines for the benchmark: the same numbers as a page's, computed by one statement over the
records, timed in the same run, so each page's cost reads as a ratio against the plainest query of its numbers
(below 1× where the page reads a rollup instead of the records)."""

import datetime as dt
from typing import Any

from django.db import connection

from chaindesk.demands.choices import DemandKind, DemandStatus, Rating
from chaindesk.demands.metrics import period_bounds
from chaindesk.demands.models import Demand
from chaindesk.enterprises.models import Enterprise

# per chain: received, accepted, closed, closed on time, rated, satisfied, reopened (closed and reopened before)
RAW_DEMAND_METRICS_SQL = """
SELECT d.chain_id,
       COUNT(*),
       SUM(CASE WHEN d.accepted_at IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN d.status = %s THEN 1 ELSE 0 END),
       SUM(CASE WHEN d.status = %s AND d.closed_on_time THEN 1 ELSE 0 END),
       SUM(CASE WHEN d.rating <> '' THEN 1 ELSE 0 END),
       SUM(CASE WHEN d.rating IN (%s, %s) THEN 1 ELSE 0 END),
       SUM(CASE WHEN d.status = %s AND d.reopen_count > 0 THEN 1 ELSE 0 END)
  FROM {demand} d
 WHERE d.kind = %s AND d.submitted_at >= %s AND d.submitted_at < %s
   AND EXISTS (SELECT 1 FROM {links} ec WHERE ec.enterprise_id = d.enterprise_id AND ec.chain_id IN ({chains}))
 GROUP BY d.chain_id
"""

MetricCounts = dict[Any, tuple[int, ...]]


def raw_demand_metrics_sql(chain_ids: list[int], start: dt.date, end: dt.date) -> MetricCounts:
    """办理指标 by chain over the demands a chain team sees (its enterprises' chains meet the team's), submitted in
    [start, end]: chain id -> the counts of `metric_counts`."""
    if not chain_ids:
        return {}
    sql = RAW_DEMAND_METRICS_SQL.format(
        demand=Demand._meta.db_table,
        links=Enterprise.chains.through._meta.db_table,
        chains=", ".join(["%s"] * len(chain_ids)),
    )
    lo, hi = period_bounds(start, end)
    closed = DemandStatus.CLOSED
    params: list[Any] = [
        closed,
        closed,
        Rating.SATISFIED,
        Rating.BASICALLY,
        closed,
        DemandKind.DEMAND,
        lo,
        hi,
        *chain_ids,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: tuple(int(v or 0) for v in row[1:]) for row in cursor.fetchall()}


def metric_counts(table: Any) -> MetricCounts:
    """The same counts from a page's `MetricTable` (chaindesk.demands.metrics), to check both agree."""
    return {
        r.key: (r.received, r.accepted, r.closed, r.closed_on_time, r.rated, r.satisfied, r.reopened)
        for r in table.rows
    }
