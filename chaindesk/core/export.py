"""Excel exports that look like the ledgers (台账) offices already keep.

A title row, a line saying when, by whom and with which filters, a bold frozen header with units,
sensible column widths. A list is exported whole, however long, in memory that does not grow with its rows:
the rows come straight from the database cursor, EXPORT_CHUNK_SIZE at a time (`QuerySet.iterator`, its
prefetches run per chunk, no result cache), and openpyxl's write-only mode writes each row to a temporary file
on disk (through lxml) as it comes. The workbook is then zipped into another temporary file on disk and sent
from there in blocks (`FileResponse`): an .xlsx is a zip whose directory comes last, so it cannot be sent
before it is complete, but no part of it is ever held in memory whole.

Views call `filtered_ledger` (a filtered list: counted, streamed, described, audited) or, for a sheet that is
not a list, `ledger_response` (written and audited); `write_ledger` only builds the file.

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
import gc
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from copy import copy
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
from .db_router import use_replica
from .models import AuditAction

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows fetched from the database (and prefetched for) at a time: what an export holds in memory at once.
EXPORT_CHUNK_SIZE = 2000

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


def table_cell(
    ws: WriteOnlyWorksheet, value: Any, wrap: bool = False, styles: dict[tuple[bool, str], Any] | None = None
) -> WriteOnlyCell:
    """A bordered cell of the ledger's table: text as text (never a formula), a date as a date, an amount as a
    number shown with two decimals; a time is written in local time to the minute, without its zone (Excel has
    none).

    `styles` (one dict per sheet) keeps each combination of alignment and number format the first cell got, so
    the cells after it take a copy: openpyxl registers a style by hashing the whole border and alignment, which
    was half the time of a long export. The cells are styled exactly as if each had been set one by one."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = timezone.localtime(value).replace(tzinfo=None, second=0, microsecond=0)
    key = (bool(wrap and value), _number_format(value))
    known = styles.get(key) if styles is not None else None
    if known is not None:
        cell = ledger_cell(ws, value)
        cell._style = copy(known)  # openpyxl's own way to copy a cell's style (its StyleArray of ids)
        return cell
    cell = ledger_cell(ws, value, border=_CELL_BORDER, alignment=_WRAP if key[0] else _TOP)
    if key[1]:
        cell.number_format = key[1]
    if styles is not None:
        styles[key] = copy(cell._style)
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
    styles: dict[tuple[bool, str], Any] = {}
    last_row = header_row
    for values in rows:
        ws.append([table_cell(ws, v, w, styles) for w, v in zip(wrapped, values, strict=False)])
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

    `rows` should be lazy (e.g. `stream_rows`): each row is written to disk as it comes. `warning`, when
    given, is shown in red under the title (e.g. a briefing's sheet saying it lists only the first rows).
    """
    wb = Workbook(write_only=True)
    add_ledger_sheet(wb, title=title, notes=notes, columns=columns, rows=rows, warning=warning)

    handle = tempfile.TemporaryFile()  # on disk, not in memory; FileResponse sends it in blocks and closes it
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
    with use_replica():  # the rows are read as they are written: from the replica when there is a usable one
        ledger = write_ledger(filename=filename, title=title, notes=notes, columns=columns, rows=rows, warning=warning)
    audit.record(action=AuditAction.EXPORT, actor=request.user, obj=audit_object, message=audit_message)
    # A streamed file, not an HttpResponse; role_required's signature only knows the latter.
    return cast(HttpResponse, ledger)


def stream_rows(queryset: QuerySet[Any]) -> Iterator[Any]:
    """The rows of `queryset` straight from the database cursor, EXPORT_CHUNK_SIZE at a time, its
    prefetch_related run once per chunk: nothing is cached, so the memory held does not grow with the rows.

    A prefetched record is a reference cycle (its prefetch cache holds a queryset that names it; a prefetched
    contact points back at its enterprise), so a chunk done with is freed only by the cycle collector, whose
    oldest generation runs rarely: unaided, the peak grew with the rows (enterprises in chunks of 250: 11.8 MiB
    for 1,000 rows, 20.7 MiB for 10,000). The collector runs once a chunk, once the previous chunk is no
    longer referenced (6.0 MiB for both), so an export holds at most two chunks (Django builds the next before
    it drops the last): a full collection takes about 0.1 s in a served process (330,000 objects), against
    about 2 s to write a chunk's rows. A list of one chunk or less is never collected for."""
    chunk = EXPORT_CHUNK_SIZE
    number = 0
    for number, row in enumerate(queryset.iterator(chunk_size=chunk), start=1):
        if number > chunk and (number - 1) % chunk == 0:
            # `row` opens a new chunk: Django's iterator has dropped the previous one, now garbage.
            gc.collect()
        yield row
    if number > chunk:
        gc.collect()  # the last chunk, rather than leave it to the next full collection


class _Counted(Iterator[Any]):
    """The rows passed through, counted as they go (the audit line states how many the file holds)."""

    def __init__(self, rows: Iterable[Any]) -> None:
        self._rows = iter(rows)
        self.count = 0

    def __next__(self) -> Any:
        row = next(self._rows)
        self.count += 1
        return row


def filtered_ledger(
    request: HttpRequest,
    *,
    queryset: QuerySet[Any],
    rows: Callable[[Iterator[Any]], Iterable[Sequence[Any]]],
    columns: Sequence[Column],
    title: str,
    name: str,
    prepare: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None,
    now: dt.datetime | None = None,
) -> HttpResponse:
    """Exactly the filtered list `queryset` as an .xlsx ledger, every row of it (`stream_rows`); audited.

    `name` is Chinese whatever the UI language (the trail is read by auditors in Chinese): it names the file
    (`{name}_20261124_093000.xlsx`) and the audit line; `title` heads the sheet in the user's language.
    `prepare` adds what only the rows need (joins, annotations, prefetches) after the count; `rows` turns the
    records, streamed from the cursor, into row values. The filter conditions are the request's query string
    without the page; `now` (default: the current time) stamps the file name. The audit line, written once
    the file is built, states the rows written and the rows counted before (the same unless records changed
    meanwhile).
    """
    now = now or clock.localnow()
    query = request.GET.copy()
    query.pop("page", None)
    conditions = query.urlencode() or _("无")
    with use_replica():  # the count and the rows from the replica when there is a usable one; the audit line not
        total = queryset.count()
        written = _Counted(rows(stream_rows(prepare(queryset) if prepare else queryset)))
        ledger = write_ledger(
            filename=f"{name}_{now:%Y%m%d_%H%M%S}.xlsx",
            title=title,
            notes=export_notes(user=request.user, count=total, conditions=conditions),
            columns=columns,
            rows=written,
        )
    message = f"{name}导出 {written.count} 条（共 {total} 条）；筛选条件：{conditions}"
    audit.record(action=AuditAction.EXPORT, actor=request.user, message=message)
    return cast(HttpResponse, ledger)  # a streamed file; role_required's signature only knows HttpResponse
