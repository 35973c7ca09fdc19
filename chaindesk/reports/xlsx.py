"""The ledger pack (台账) beside a briefing: one XLSX with three sheets, the chain's projects, the period's demands and
the decisions of the briefing's meetings, each styled like the product's other ledgers (chaindesk/core/export.py: a
title merged over the columns, a note line, a bold frozen header with units, bordered cells, an autofilter, dates
as Excel dates, amounts as numbers with two decimals). Rows are read as the briefing's reader may see them, at most
SHEET_CAP a sheet (the sheet says so when cut)."""

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from chaindesk.core.export import Column, add_ledger_sheet
from chaindesk.demands.metrics import period_bounds
from chaindesk.demands.models import Demand
from chaindesk.meetings.models import Decision, Meeting
from chaindesk.meetings.progress import annotate_progress as annotate_decision_progress
from chaindesk.meetings.progress import progress_label
from chaindesk.projects.selectors_schedule import annotate_progress

from .figures import Period, chain_projects
from .models import Briefing

SHEET_CAP = 5000


def add_sheet(
    wb: Workbook, *, title: str, note: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]], cut: bool
) -> None:
    """One ledger sheet, laid out as every other ledger (core.export.add_ledger_sheet), saying when it was cut."""
    warning = _("超过 %(cap)s 条，仅列出前 %(cap)s 条。") % {"cap": SHEET_CAP} if cut else ""
    add_ledger_sheet(wb, title=title, notes=[note], columns=columns, rows=rows, warning=warning)


def _capped(qs: QuerySet[Any]) -> tuple[list[Any], bool]:
    rows = list(qs[: SHEET_CAP + 1])
    return rows[:SHEET_CAP], len(rows) > SHEET_CAP


PROJECT_COLUMNS = (
    Column(gettext_lazy("序号"), 6),
    Column(gettext_lazy("项目名称"), 30, wrap=True),
    Column(gettext_lazy("建设主体"), 28, wrap=True),
    Column(gettext_lazy("所在地区"), 10),
    Column(gettext_lazy("阶段"), 8),
    Column(gettext_lazy("计划总投资(万元)"), 14),
    Column(gettext_lazy("年度计划投资(万元)"), 14),
    Column(gettext_lazy("年度已完成(万元)"), 14),
    Column(gettext_lazy("完成率(%)"), 10),
    Column(gettext_lazy("滞后序时进度"), 10),
    Column(gettext_lazy("最近更新"), 12),
)


def project_rows(reader: Any, briefing: Briefing, as_of: dt.date) -> tuple[list[list[Any]], bool]:
    qs = annotate_progress(chain_projects(reader, briefing.chain), year=as_of.year, today=as_of)
    projects, cut = _capped(qs.select_related("enterprise", "region").order_by("name", "pk"))
    rows = [
        [
            i,
            p.name,
            p.enterprise.name if p.enterprise_id and p.enterprise else p.investor_name,
            p.region.name,
            p.get_stage_display(),
            p.planned_investment,
            p.plan_amount,  # type: ignore[attr-defined]
            p.done_ytd,  # type: ignore[attr-defined]
            None if p.rate is None else (p.rate * 100).quantize(Decimal("0.01")),  # type: ignore[attr-defined]
            _("是") if p.is_behind else "",  # type: ignore[attr-defined]
            p.last_progress_on,
        ]
        for i, p in enumerate(projects, start=1)
    ]
    return rows, cut


DEMAND_COLUMNS = (
    Column(gettext_lazy("序号"), 6),
    Column(gettext_lazy("提交时间"), 16),
    Column(gettext_lazy("企业"), 28, wrap=True),
    Column(gettext_lazy("诉求事项"), 36, wrap=True),
    Column(gettext_lazy("类别"), 10),
    Column(gettext_lazy("紧急程度"), 8),
    Column(gettext_lazy("来源渠道"), 10),
    Column(gettext_lazy("状态"), 10),
    Column(gettext_lazy("办结时间"), 16),
    Column(gettext_lazy("办结用时(工作日)"), 10),
    Column(gettext_lazy("评价"), 8),
)


def demand_rows(reader: Any, briefing: Briefing, period: Period) -> tuple[list[list[Any]], bool]:
    lo, hi = period_bounds(period.start, period.end)
    qs = (
        Demand.objects.visible_to(reader)
        .enterprise_demands()
        .filter(chain=briefing.chain, submitted_at__gte=lo, submitted_at__lt=hi)
    )
    demands, cut = _capped(qs.select_related("enterprise", "category").order_by("submitted_at", "pk"))
    rows = [
        [
            i,
            d.submitted_at,
            d.enterprise.name,
            d.title,
            d.category.name,
            d.get_urgency_display(),
            d.get_channel_display(),
            d.get_status_display(),
            d.closed_at,
            d.close_days,
            d.get_rating_display() if d.rating else "",
        ]
        for i, d in enumerate(demands, start=1)
    ]
    return rows, cut


DECISION_COLUMNS = (
    Column(gettext_lazy("会议日期"), 12),
    Column(gettext_lazy("会议"), 28, wrap=True),
    Column(gettext_lazy("序号"), 6),
    Column(gettext_lazy("议定事项"), 44, wrap=True),
    Column(gettext_lazy("涉及企业"), 24, wrap=True),
    Column(gettext_lazy("责任部门"), 20, wrap=True),
    Column(gettext_lazy("办结期限"), 12),
    Column(gettext_lazy("落实情况"), 10),
)


def decision_rows(reader: Any, meetings: QuerySet[Meeting], as_of: dt.date) -> tuple[list[list[Any]], bool]:
    qs = annotate_decision_progress(
        Decision.objects.visible_to(reader).filter(meeting__in=meetings.values("pk")), today=as_of
    )
    qs = qs.select_related("meeting", "enterprise").prefetch_related("responsible__department")
    decisions, cut = _capped(qs.order_by("meeting__held_on", "meeting_id", "seq"))
    rows = []
    for d in decisions:
        responsible = sorted(d.responsible.all(), key=lambda r: (not r.lead, r.pk))
        names = [r.department.short_name or r.department.name for r in responsible]
        rows.append(
            [
                d.meeting.held_on,
                d.meeting.title,
                d.seq,
                d.content,
                d.enterprise.name if d.enterprise else "",
                "、".join(names),
                d.deadline,
                progress_label(d.progress),  # type: ignore[attr-defined]
            ]
        )
    return rows, cut


def briefing_meetings(reader: Any, briefing: Briefing, period: Period) -> QuerySet[Meeting]:
    """The meetings a briefing reports: its own meeting, or the chain's meetings of the period."""
    qs = Meeting.objects.visible_to(reader)
    if briefing.meeting_id is not None:
        return qs.filter(pk=briefing.meeting_id)
    return qs.filter(chain=briefing.chain, held_on__range=(period.start, period.end))


def build_pack(briefing: Briefing, *, reader: Any, period: Period) -> bytes:
    """The three sheets as XLSX bytes."""
    wb = Workbook(write_only=True)
    chain = briefing.chain.name
    span = _("统计期：%(start)s 至 %(end)s") % {"start": period.start, "end": period.end}
    rows, cut = project_rows(reader, briefing, period.as_of)
    note = _("项目截至 %(day)s，投资为 %(year)s 年度") % {"day": period.as_of, "year": period.as_of.year}
    add_sheet(
        wb, title=_("%(chain)s项目台账") % {"chain": chain}, note=note, columns=PROJECT_COLUMNS, rows=rows, cut=cut
    )
    rows, cut = demand_rows(reader, briefing, period)
    add_sheet(
        wb, title=_("%(chain)s诉求台账") % {"chain": chain}, note=span, columns=DEMAND_COLUMNS, rows=rows, cut=cut
    )
    rows, cut = decision_rows(reader, briefing_meetings(reader, briefing, period), period.as_of)
    note = _("落实情况截至 %(day)s") % {"day": period.as_of}
    add_sheet(
        wb, title=_("%(chain)s议定事项") % {"chain": chain}, note=note, columns=DECISION_COLUMNS, rows=rows, cut=cut
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
