"""The cockpit's ECharts options, passed to the page as JSON (json_script; app.js draws them, cockpit.js makes each
point open the list behind it: a data item's `url`). Every chart has a title, its unit and a sentence on the page
saying what it shows; the numbers are in the table or tiles beside it. The card's heading is the chart's title and
its sentence states the unit, so the options carry neither (ECharts would draw them over the axis name)."""

import calendar
import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from chaindesk.leads.choices import LeadSource, LeadStage
from chaindesk.targets import progress

from .links import Links
from .panels import LEAD_STAGES, Goal

SCHEDULE_COLOUR = "#c92a2a"  # 序时进度 is the red dashed line on every investment chart (投资进度 too)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _round(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01")))


def investment_chart(months: dict[int, Decimal], goal: Goal | None, *, today: dt.date, links: Links) -> dict[str, Any]:
    """Investment completed per month (bars) and cumulated (line), in 万元; with `goal` (given only when it is
    measured on exactly the records shown), the 完成投资 target spread over the year at 序时进度 (the red dashed
    line: where the cumulated amount should be at each month's end)."""
    year, url = today.year, links.investment().url
    monthly: list[Any] = []
    cumulative: list[Any] = []
    running = Decimal(0)
    for m in range(1, 13):
        if m > today.month:
            monthly.append(None)
            cumulative.append(None)
            continue
        running += months.get(m, Decimal(0))
        monthly.append({"value": _round(months.get(m, Decimal(0))), "url": url})
        cumulative.append({"value": _round(running), "url": url})
    series: list[dict[str, Any]] = [
        {"name": _("当月完成"), "type": "bar", "data": monthly, "barMaxWidth": 22},
        {"name": _("累计完成"), "type": "line", "data": cumulative, "connectNulls": True, "symbolSize": 6},
    ]
    if goal is not None:
        schedule = [_round(goal.target * progress.time_progress(year, _month_end(year, m)) / 100) for m in range(1, 13)]
        series.append(
            {
                "name": _("序时目标"),
                "type": "line",
                "data": schedule,
                "symbol": "none",
                "lineStyle": {"type": "dashed", "color": SCHEDULE_COLOUR},
                "itemStyle": {"color": SCHEDULE_COLOUR},
            }
        )
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0},
        "grid": {"left": 64, "right": 16, "top": 36, "bottom": 44},
        "xAxis": {"type": "category", "data": [_("%(m)s月") % {"m": m} for m in range(1, 13)]},
        "yAxis": {"type": "value", "name": _("万元")},
        "series": series,
    }


def leads_chart(counts: dict[tuple[str, str], int], links: Links) -> dict[str, Any]:
    """Leads per stage (新线索 → 签约, and 放弃), stacked by source; each block opens the leads list so filtered."""
    stages = [(s, str(LeadStage(s).label)) for s in LEAD_STAGES]
    series = []
    for source, label in LeadSource.choices:
        if not any(counts.get((source, s), 0) for s, _label in stages):
            continue
        series.append(
            {
                "name": str(label),
                "type": "bar",
                "stack": "leads",
                "barMaxWidth": 36,
                "data": [
                    {"value": counts.get((source, s), 0) or None, "url": links.leads(source, s).url} for s, _l in stages
                ],
            }
        )
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"bottom": 0},
        "grid": {"left": 44, "right": 16, "top": 36, "bottom": 56},
        "xAxis": {"type": "category", "data": [label for _s, label in stages]},
        "yAxis": {"type": "value", "name": _("条"), "minInterval": 1},
        "series": series,
    }
