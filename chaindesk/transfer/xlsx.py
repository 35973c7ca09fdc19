"""The workbooks of the import pages (issue 13, items 2–3): the error list an office fixes and uploads again, and
the blank template of each kind.

`error_workbook(batch)` reads the stored file again (read_table, as the dry run did) and writes every data row
back under the SAME header (one row: the names Table.columns give, so a header that spanned two merged rows reads
「投资情况/计划总投资」), in the same column order, with a last column 错误说明 listing the row's messages
(「C列 统一社会信用代码：…」; a warning starts with 提示). An error's cell is filled light red, a warning's light
yellow.
Rows without a message are written too, so that the fixed file can be uploaded again and committed whole; total,
note and blank rows the dry run skipped are not. Its header maps the same way as the original's automatically
(the same names; 错误说明 names no field).

`blank_template(kind)` is a sheet headed by the kind's field labels (required ones marked *, which header_key
ignores, so the header maps every field automatically), each field's help as a comment on its header cell, the
columns as wide as Field.width, and a second sheet 填写说明 listing the fields.

Text is always written as text (chaindesk.core.export.ledger_cell), never as a live formula."""

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from chaindesk.core import clock
from chaindesk.core.export import DATE_FORMAT, TIME_FORMAT, ledger_cell, sheet_title

from . import kinds, services
from .kinds import ImportKind
from .mapping import ERROR_COLUMN, Field, split_key
from .models import ImportBatch
from .plan import WARNING
from .reading import Table, read_table
from .reading_xlsx import ErrorCell

ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")  # Excel's own "light red fill"
WARNING_FILL = PatternFill("solid", fgColor="FFEB9C")  # and its "light yellow fill"
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
HEADER_FONT = Font(bold=True)
MESSAGE_FONT = Font(color="9C0006")
WRAP = Alignment(wrap_text=True, vertical="top")
HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
DEFAULT_WIDTH = 14
MESSAGE_WIDTH = 60


def error_column() -> str:
    """The header of the last column of the error workbook."""
    return _(ERROR_COLUMN)


def _table(batch: ImportBatch) -> Table:
    kind = kinds.get(batch.kind)
    with batch.file.open("rb") as handle:
        data = handle.read()
    return read_table(
        data, filename=batch.original_name, expected_headers=kind.expected_headers, sheet_names=kind.sheet_names
    )


def issue_text(issue: Sequence[str]) -> str:
    """One message of the report ([level, column letter, header, message]) as the 错误说明 column writes it."""
    level, letter, header, message = issue
    text = _("%(letter)s列 %(header)s：%(message)s") % {"letter": letter, "header": header, "message": message}
    text = text if letter else message
    return _("提示：%(text)s") % {"text": text} if level == WARNING else text


def _typed(cell: Any, value: Any, fill: PatternFill | None) -> Any:
    if fill is not None:
        cell.fill = fill
    if isinstance(value, dt.datetime):
        cell.number_format = TIME_FORMAT
    elif isinstance(value, dt.date):
        cell.number_format = DATE_FORMAT
    return cell


def _widths(ws: WriteOnlyWorksheet, table: Table, mapping: dict[str, str], fields: Sequence[Field]) -> None:
    width_of = {field.name: field.width for field in fields}
    for column in table.columns:
        key = mapping.get(str(column.index), "")
        width = width_of.get(split_key(key)[0], DEFAULT_WIDTH) if key else DEFAULT_WIDTH
        ws.column_dimensions[get_column_letter(column.index + 1)].width = max(width, min(len(column.name) * 2, 40))
    ws.column_dimensions[get_column_letter(len(table.columns) + 1)].width = MESSAGE_WIDTH


def error_workbook(batch: ImportBatch, report: dict[str, Any] | None = None) -> bytes:
    """The uploaded rows with their messages (see the module docstring); `report` is the batch's dry run
    (services.load_report, read when not given; a batch not checked yet has none and every row is written
    without a message)."""
    if report is None:
        report = services.load_report(batch) or {}
    table = _table(batch)
    kind = kinds.get(batch.kind)
    issues = {int(row["row"]): row["issues"] for row in report.get("rows", [])}
    index_of = {column.letter: column.index for column in table.columns}
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet_title(table.sheet or str(kind.label)))
    _widths(ws, table, dict(report.get("mapping") or batch.mapping or {}), kind.fields)
    last = 2 if table.unit else 1  # the header's row
    ws.freeze_panes = f"A{last + 1}"  # (a write-only sheet takes its view before its first row)
    if table.unit:  # the sheet's unit note stays above the header: bare amounts keep meaning what they meant
        ws.append([ledger_cell(ws, f"单位：{table.unit}")])  # not translated: the reader looks for 单位
    header = [column.name for column in table.columns] + [error_column()]
    ws.append([ledger_cell(ws, name, HEADER_FONT, fill=HEADER_FILL, alignment=HEADER_ALIGN) for name in header])
    first = last
    for row in table.rows():
        messages = issues.get(row.number, [])
        fills: dict[int, PatternFill] = {}
        for level, letter, *_rest in messages:
            if letter in index_of and fills.get(index_of[letter]) is not ERROR_FILL:
                fills[index_of[letter]] = WARNING_FILL if level == WARNING else ERROR_FILL
        cells = [
            _typed(ledger_cell(ws, None if isinstance(value, ErrorCell) else value), value, fills.get(index))
            for index, value in enumerate(row.cells)
        ]
        note = "\n".join(issue_text(issue) for issue in messages)
        cells.append(ledger_cell(ws, note or None, MESSAGE_FONT, alignment=WRAP))
        ws.append(cells)
        last += 1
    ws.auto_filter.ref = f"A{first}:{get_column_letter(len(header))}{last}"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- the blank template ------------------------------------------------------------------------------------------


def template_header(field: Field) -> str:
    """A field's header in the blank template: its label, required ones marked *."""
    return f"{field.label}*" if field.required else str(field.label)


def _field_note(field: Field) -> str:
    parts = [str(field.help)] if field.help else []
    if field.required:
        parts.insert(0, _("必填"))
    if field.yearly:
        parts.append(
            _("按年度分列时表头写作“%(year)s年%(label)s”，否则同时填写“年度”列")
            % {"year": clock.today().year - 1, "label": field.label}
        )
    return "；".join(parts)


GENERAL_NOTES = (
    gettext_lazy("带 * 的列必须填写；其余列可以留空，留空的项目不会覆盖系统中已有的内容。"),
    gettext_lazy("表头可以不在第一行；表头上方可以有标题和“单位：万元”之类的说明；合计、小计、备注行会自动跳过。"),
    gettext_lazy(
        "金额默认以万元计，也可写作“5.2亿元”“5,200万”；"
        "日期可写作 2025-11-24、2025年11月24日、2025.11.24 或 2025年11月。"
    ),
    gettext_lazy("多个名称（产业链、环节、资质等）用“、”分隔。已登记的记录按其唯一标识更新，不会重复新增。"),
)


def _instructions(wb: Workbook, kind: ImportKind) -> None:
    ws = wb.create_sheet(title=_("填写说明"))
    headers = [_("列名"), _("是否必填"), _("填写格式与说明"), _("也可识别的列名")]
    ws.append(headers)
    for cell in ws[1]:
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGN
    for field in kind.fields:
        ws.append(
            [
                str(field.label),
                _("是") if field.required else _("否"),
                _field_note(field) or "—",
                "、".join(field.synonyms) or "—",
            ]
        )
    ws.append([])
    for note in GENERAL_NOTES:
        ws.append([str(note)])
    for letter, width in zip("ABCD", (22, 10, 60, 50), strict=True):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = WRAP
            if isinstance(cell.value, str):
                cell.data_type = "s"
    ws.freeze_panes = "A2"


def blank_template(kind: ImportKind) -> bytes:
    """The kind's blank template (see the module docstring)."""
    wb = Workbook()
    ws = wb.worksheets[0]
    ws.title = sheet_title(str(kind.label))
    for position, field in enumerate(kind.fields, start=1):
        cell = ws.cell(row=1, column=position, value=template_header(field))
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGN
        cell.data_type = "s"
        note = _field_note(field)
        if note:
            cell.comment = Comment(note, str(_("填写说明")), width=260, height=90)
        ws.column_dimensions[get_column_letter(position)].width = field.width
    ws.freeze_panes = "A2"
    _instructions(wb, kind)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
