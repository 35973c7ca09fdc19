"""The service metrics page (/demands/metrics/): the triage backlog, a table per dimension over a period, ranked
with a minimum number of cases (the groups left out named), a bar chart of the ranked rate, and the
definitions. One query per dimension shown and one for the backlog (chaindesk.demands.metrics); every figure
from the user's visible demands."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from chaindesk.accounts.choices import CHAIN_ROLES, OFFICIALS, Role
from chaindesk.accounts.requests import AuthedRequest
from chaindesk.core import clock
from chaindesk.core.permissions import role_required

from . import metrics
from .forms import ALL_DIMENSIONS, MetricsForm

METRIC_VIEWERS = tuple(OFFICIALS | {Role.DEPT_HANDLER})
# A department handler sees only demands with a task for the department, never one waiting for triage.
BACKLOG_READERS = OFFICIALS


def _presets(today: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    return [
        (_("本年"), dt.date(today.year, 1, 1), today),
        (_("近12个月"), today - dt.timedelta(days=364), today),
        (_("上年"), dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)),
    ]


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _chart(table: metrics.MetricTable) -> dict[str, Any] | None:
    """The ranked rate per group as bars (%), the number of demands as a line on a second axis."""
    rows = [r for r in table.rows if r.rank is not None] or table.rows
    if not rows:
        return None
    label = str(metrics.RATES[table.rank_by][0])
    return {
        "title": {
            "text": _("按%(dim)s：%(rate)s") % {"dim": table.label, "rate": label},
            "subtext": _("柱：%；折线：受理量（件）"),
        },
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0},
        "grid": {"left": 60, "right": 60, "top": 70, "bottom": 80},
        "xAxis": {"type": "category", "data": [r.label for r in rows], "axisLabel": {"interval": 0, "rotate": 20}},
        "yAxis": [{"type": "value", "name": "%", "min": 0, "max": 100}, {"type": "value", "name": _("件")}],
        "series": [
            {
                "name": label,
                "type": "bar",
                "barMaxWidth": 32,
                "data": [_float(r.percents[table.rank_by]) for r in rows],
            },
            {"name": _("受理量"), "type": "line", "yAxisIndex": 1, "data": [r.received for r in rows]},
        ],
    }


@role_required(*METRIC_VIEWERS)
def metrics_page(request: AuthedRequest) -> HttpResponse:
    """诉求办理指标: 受理量, 响应率, 办结率, 按时办结率, 满意率, 办结用时中位数 and 重办率 per dimension (在办 and
    逾期 per department), with the triage backlog."""
    today = clock.today()
    form = MetricsForm(request.GET or None)
    data: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    dimension = data.get("dimension") or "chain"
    start = data.get("start") or dt.date(today.year, 1, 1)
    end = data.get("end") or today
    rank_by = data.get("rank_by") or metrics.DEFAULT_RANK_BY
    dims = list(metrics.DIMENSIONS) if dimension == ALL_DIMENSIONS else [dimension]
    tables = [
        metrics.metric_table(request.user, dimension=d, start=start, end=end, rank_by=rank_by, today=today)
        for d in dims
    ]
    backlog = metrics.triage_backlog(request.user, today) if request.user.role in BACKLOG_READERS else None
    chart = _chart(tables[0])
    return render(
        request,
        "demands/metrics.html",
        {
            "form": form,
            "tables": tables,
            "dimension": dimension,
            "start": start,
            "end": end,
            "rank_by": rank_by,
            "rank_label": metrics.RATES[rank_by][0],
            "rates": [(k, label) for k, (label, _n, _d) in metrics.RATES.items()],
            "min_cases": metrics.min_cases(),
            "definitions": metrics.DEFINITIONS,
            "presets": _presets(today),
            "chart": chart,
            "backlog": backlog,
            "today": today,
            "triage_url": reverse("demands:triage") if request.user.role in CHAIN_ROLES else None,
            "page_title": _("诉求办理指标"),
            "breadcrumbs": [(_("诉求"), None), (_("办理指标"), None)],
        },
    )
