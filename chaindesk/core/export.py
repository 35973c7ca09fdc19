"""Excel exports that look like the ledgers (台账) offices already keep.

A title row, a line saying when, by whom and with which filters, a bold frozen header with units,
sensible column widths. openpyxl's write-only mode keeps memory flat and rows come from an iterator;
the rows are cut at EXPORT_ROW_CAP and the sheet says so, so one click cannot build an unbounded file. The
workbook is built in a temporary file (an .xlsx is a zip: it cannot be streamed row by row).

Views call `filtered_ledger` (a filtered list: counted, capped, described, audited) or, for a sheet that is
not a capped list, `ledger_response` (written and audited); `write_ledger` only builds the file.

Every cell goes through `ledger_cell`: a text value is always written as text (an inline string), never as a
formula or an error value, whatever it starts with (`=`, `+`, `-`, `@`, tab, CR, `#N/A` …), so a demand titled
`=HYPERLINK(…)` stays the user's exact words in the file and is never live in Excel or WPS (CSV/formula
injection). No apostrophe or other visible mark is added. Numbers, dates and empty cells keep their types:
a date is an Excel date (yyyy-mm-dd), a time one to the minute, an amount (Decimal) a number with two decimals.

The sheet is set up for paper as offices print it: the title merged and centred over the columns, every cell
of the table bordered, an autofilter on the header, landscape A4 fitted to the page's width with the header
repeated on every page and 第 N 页 / 共 M 页 in the footer.
"""

import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast
from urllib.parse import quote

from django.db.models import Model, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.child import INVALID_TITLE_REGEX
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

from chaindesk.core import clock

from . import audit
from .models import AuditAction

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# openpyxl writes about 5,000 rows of 11 columns a second here (pure Python; lxml barely helps), so
# 50,000 rows take ~10 s, inside the web worker's 30 s timeout with room for a slower machine.
EXPORT_ROW_CAP = 50_000

_THIN = Side(style="thin", color="999999")
_TITLE_FONT = Font(name="宋体", size=16, bold=True)
_NOTE_FONT = Font(name="宋体", size=10, color="555555")
_WARN_FONT = Font(name="宋体", size=10, bold=True, color="C00000")
_HEADER_FONT = Font(name="黑体", size=11, bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_HEADER_BORDER = Border(top=_THIN, bottom=_THIN, left=_THIN, right=_THIN)
_CELL_BORDER = _HEADER_BORDER
_TITLE_ALIGN = Alignment(horizontal="center", vertical="center")
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")
# Excel's own number formats: a date, a time to the minute, an amount with two decimals and thousands separators.
DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "yyyy-mm-dd hh:mm"
AMOUNT_FORMAT = "#,##0.00"


@dataclass(frozen=True)
class Column:
    """One ledger column: its header (with the unit, e.g. 计划总投资(亿元)) and width in characters."""

    header: str | Promise
    width: float = 14
    wrap: bool = False


def ledger_cell(ws: WriteOnlyWorksheet, value: Any, font: Font | None = None, **style: Any) -> WriteOnlyCell:
    """One cell of a ledger sheet. A str (or lazy translation) is always a text cell, never a formula.

    openpyxl turns a str starting with "=" into a formula and "#N/A" and the like into error values; the data
    type is forced back to "s" (text) after the value is bound, so the exact text is kept. Characters that an
    .xlsx cannot hold at all (C0 controls other than tab, LF and CR) are replaced by U+FFFD, so one such
    character in a record cannot make the whole export fail.
    """
    if isinstance(value, Promise):
        value = str(value)  # a lazy translation: its text in the current language
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    if font is not None:
        cell.font = font
    for name, attr in style.items():
        setattr(cell, name, attr)
    return cell


def sheet_title(title: str) -> str:
    """A valid sheet name from a ledger title that may hold a record's name (e.g. a chain's): the characters
    Excel forbids in sheet names (\\ / * ? : [ ]) become "_", no apostrophe at either end, at most 31."""
    name = INVALID_TITLE_REGEX.sub("_", ILLEGAL_CHARACTERS_RE.sub("_", title))[:31].strip("'")
    return name or "Sheet"


def export_notes(*, user: Any, count: int, conditions: str) -> list[str]:
    """The two lines every filtered ledger export opens with: when, by whom, how many, under which filters."""
    now = clock.localnow()
    return [
        _("导出时间：%(time)s　导出人：%(user)s　共 %(count)s 条")
        % {"time": f"{now:%Y-%m-%d %H:%M:%S}", "user": user, "count": f"{count:,}"},
        _("筛选条件：%(conditions)s") % {"conditions": conditions},
    ]


def _number_format(value: Any) -> str:
    """The Excel number format a typed value keeps: dates as dates, amounts with two decimals."""
    if isinstance(value, dt.datetime):
        return TIME_FORMAT
    if isinstance(value, dt.date):
        return DATE_FORMAT
    if isinstance(value, Decimal):
        return AMOUNT_FORMAT
    return ""


def table_cell(ws: WriteOnlyWorksheet, value: Any, wrap: bool = False) -> WriteOnlyCell:
    """A bordered cell of the ledger's table: text as text (never a formula), a date as a date, an amount as a
    number shown with two decimals; a time is written in local time to the minute, without its zone (Excel has
    none)."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = timezone.localtime(value).replace(tzinfo=None, second=0, microsecond=0)
    cell = ledger_cell(ws, value, border=_CELL_BORDER, alignment=_WRAP if wrap and value else _TOP)
    number_format = _number_format(value)
    if number_format:
        cell.number_format = number_format
    return cell


def _set_up_page(ws: WriteOnlyWorksheet, *, width: int, header_row: int) -> None:
    """Before the first row (a write-only sheet writes its properties then): the title merged over the columns,
    landscape A4 fitted to the width, the header row repeated on every printed page, page numbers in the
    footer. The autofilter's range is set once the rows are written."""
    if width > 1:
        ws.merged_cells.add(f"A1:{get_column_letter(width)}1")
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.oddFooter.center.text = _("第 &P 页，共 &N 页")


def add_ledger_sheet(
    wb: Workbook,
    *,
    title: str,
    notes: Sequence[str],
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    warning: str = "",
) -> None:
    """One ledger sheet in the write-only workbook `wb`: the title merged over the columns, the note lines, the
    warning in red, a bold frozen header, bordered cells, an autofilter, the page set up for printing."""
    ws = wb.create_sheet(title=sheet_title(title))
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    header_row = 2 + len(notes) + (1 if warning else 0)
    ws.freeze_panes = f"A{header_row + 1}"
    _set_up_page(ws, width=len(columns), header_row=header_row)

    ws.append([ledger_cell(ws, title, _TITLE_FONT, alignment=_TITLE_ALIGN)])
    for note in notes:
        ws.append([ledger_cell(ws, note, _NOTE_FONT)])
    if warning:
        ws.append([ledger_cell(ws, warning, _WARN_FONT)])
    header_style = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.append(
        [
            ledger_cell(
                ws, str(c.header), _HEADER_FONT, fill=_HEADER_FILL, border=_HEADER_BORDER, alignment=header_style
            )
            for c in columns
        ]
    )
    wrapped = [c.wrap for c in columns]
    last_row = header_row
    for values in rows:
        ws.append([table_cell(ws, v, w) for w, v in zip(wrapped, values, strict=False)])
        last_row += 1
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(max(len(columns), 1))}{last_row}"


def write_ledger(
    *,
    filename: str,
    title: str,
    notes: Sequence[str],
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    warning: str = "",
) -> FileResponse:
    """Write `rows` under a title, note lines and a styled header; return a download response.

    `rows` should be lazy (a queryset iterator, already cut to the cap by the caller). `warning`, when
    given, is shown in red under the title, e.g. to say the export was capped.
    """
    wb = Workbook(write_only=True)
    add_ledger_sheet(wb, title=title, notes=notes, columns=columns, rows=rows, warning=warning)

    handle = tempfile.TemporaryFile()  # FileResponse closes it once sent
    wb.save(handle)
    handle.seek(0)
    response = FileResponse(handle, content_type=XLSX_CONTENT_TYPE, as_attachment=True)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def ledger_response(
    request: HttpRequest,
    *,
    filename: str,
    title: str,
    notes: Sequence[str],
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    audit_message: str,
    audit_object: Model | None = None,
    warning: str = "",
) -> HttpResponse:
    """Write the ledger, then the EXPORT audit line (about `audit_object` when given); the download response.

    The audit line is written once the file is built, so an export of the audit log never holds its own line.
    """
    ledger = write_ledger(filename=filename, title=title, notes=notes, columns=columns, rows=rows, warning=warning)
    audit.record(action=AuditAction.EXPORT, actor=request.user, obj=audit_object, message=audit_message)
    # A streamed file, not an HttpResponse; role_required's signature only knows the latter.
    return cast(HttpResponse, ledger)


def filtered_ledger(
    request: HttpRequest,
    *,
    queryset: QuerySet[Any],
    rows: Callable[[QuerySet[Any]], Iterable[Sequence[Any]]],
    columns: Sequence[Column],
    title: str,
    name: str,
    cap_warning: str,
    cap: int = EXPORT_ROW_CAP,
    prepare: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None,
    now: dt.datetime | None = None,
) -> HttpResponse:
    """Exactly the filtered list `queryset` as an .xlsx ledger, at most `cap` rows; audited.

    `name` is Chinese whatever the UI language (the trail is read by auditors in Chinese): it names the file
    (`{name}_20261124_093000.xlsx`) and the audit line; `title` heads the sheet in the user's language.
    `cap_warning` is the translated sentence shown in red when more than `cap` rows match, formatted with
    %(cap)s and %(total)s. `prepare` adds what only the rows need (joins, annotations, prefetches) after the
    count and before the cut; `rows` turns the cut queryset into row values. The filter conditions are the
    request's query string without the page; `now` (default: the current time) stamps the file name.
    """
    total = queryset.count()
    exported = min(total, cap)
    now = now or clock.localnow()
    query = request.GET.copy()
    query.pop("page", None)
    conditions = query.urlencode() or _("无")
    return ledger_response(
        request,
        filename=f"{name}_{now:%Y%m%d_%H%M%S}.xlsx",
        title=title,
        notes=export_notes(user=request.user, count=exported, conditions=conditions),
        columns=columns,
        rows=rows((prepare(queryset) if prepare else queryset)[:cap]),
        warning=cap_warning % {"total": f"{total:,}", "cap": f"{cap:,}"} if total > cap else "",
        audit_message=f"{name}导出 {exported} 条（共 {total} 条）；筛选条件：{conditions}",
    )
