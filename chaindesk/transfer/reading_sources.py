"""The sheets of an uploaded ledger as rows of cells, whatever its format (used by reading.py).

The format is told by content, never by name: an .xlsx (a zip, checked by chaindesk.core.uploads for zip bombs,
executables and macros before anything is inflated, then each sheet by reading_xlsx before calamine loads it),
an .xls (an OLE2 compound file with a Workbook stream, checked by uploads for macros, then whole by reading_xls
before calamine opens it), or text: a CSV in UTF-8 (with or without BOM), UTF-16 with BOM (Excel's 「Unicode 文本」) or
GB18030/GBK (Chinese Excel's 「CSV(逗号分隔)」), separated by commas or tabs. Anything else is refused with a
Chinese ValidationError naming the file.

A `Grid` yields (row index, cells) with 0-based absolute row indices and cells from column A, each cell already
cleaned (`clean_cell`): "" and white space → None, a whole float → int, text longer than MAX_CELL_CHARS → an
ErrorCell, and for an .xlsx the ErrorCells of reading_xlsx (formulas without a value, error values) laid over.
"""

import csv
import dataclasses
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

import olefile
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from python_calamine import CalamineSheet, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from chaindesk.core import uploads

from .reading_xls import scan_xls
from .reading_xlsx import ZIP_ERRORS, ErrorCell, check_extent, error_cells, sheet_parts

XLSX, XLS, CSV = "xlsx", "xls", "csv"
# Excel's own limit for the text of one cell; a longer one is an ErrorCell, not a crash.
MAX_CELL_CHARS = 32_767
_MAX_EXACT_FLOAT = 2**53

Value = str | int | float | bool | datetime | date | time | timedelta | None
Cell = Value | ErrorCell
Merge = tuple[int, int, int, int]  # first row, first column, last row, last column (0-based, inclusive)


def too_long(length: int) -> ErrorCell:
    message = _("超过最大长度（%(max)s 个字符），此格有 %(n)s 个字符") % {"max": MAX_CELL_CHARS, "n": length}
    return ErrorCell("too_long", message)


def clean_cell(value: Any) -> Cell:
    """One cell as the reader hands it on (see the module docstring)."""
    kind = type(value)
    if kind is str:
        if not value or value.isspace():
            return None
        return too_long(len(value)) if len(value) > MAX_CELL_CHARS else value
    if kind is float and value.is_integer() and abs(value) < _MAX_EXACT_FLOAT:
        return int(value)
    return value  # type: ignore[no-any-return]


def clean_row(raw: list[Any]) -> list[Cell]:
    """clean_cell on every cell of a row, inlined (a 100 000-row ledger has two million cells)."""
    return [
        (None if not value or value.isspace() else value if len(value) <= MAX_CELL_CHARS else too_long(len(value)))
        if type(value) is str
        else int(value)
        if type(value) is float and value.is_integer() and -_MAX_EXACT_FLOAT < value < _MAX_EXACT_FLOAT
        else value
        for value in raw
    ]


class Grid(Protocol):
    format: str
    sheet: str | None
    encoding: str | None
    delimiter: str | None
    merges: tuple[Merge, ...]
    # The index of the last row holding anything, when the format knows it without reading on.
    last_row: int | None

    def iter_rows(self) -> Iterator[tuple[int, list[Cell]]]: ...


def _refusal(name: str, message: str, code: str) -> ValidationError:
    return ValidationError(message % {"name": name}, code=code)


def corrupt(name: str) -> ValidationError:
    return _refusal(name, _("文件“%(name)s”已损坏或不完整，无法读取。"), "corrupt")


def not_spreadsheet(name: str) -> ValidationError:
    message = _("文件“%(name)s”不是可导入的表格：请上传 Excel 文件（.xlsx、.xls）或 CSV 文件（按文件内容识别）。")
    return _refusal(name, message, "not_spreadsheet")


# --- spreadsheets through python-calamine ------------------------------------------------------------------------


@dataclasses.dataclass
class CalamineGrid:
    """One sheet of an .xlsx or .xls. Calamine's iter_rows starts at row 1 and at the sheet's first column with a
    value (pinned by a test); `errors` are reading_xlsx's ErrorCells by (row, column)."""

    format: str
    sheet: str | None
    merges: tuple[Merge, ...]
    last_row: int | None
    _sheet: CalamineSheet
    _first_column: int
    _first_row: int
    _errors: dict[int, dict[int, ErrorCell]]
    encoding: str | None = None
    delimiter: str | None = None

    def iter_rows(self) -> Iterator[tuple[int, list[Cell]]]:
        lead: list[Cell] = [None] * self._first_column
        index = -1
        for index, raw in enumerate(self._sheet.iter_rows()):
            if index < self._first_row and index not in self._errors:
                continue  # calamine's empty rows above the first value
            cells = lead + clean_row(raw) if lead else clean_row(raw)
            yield index, self._with_errors(index, cells)
        for late in sorted(row for row in self._errors if row > index):  # rows of uncomputed formulas only
            yield late, self._with_errors(late, [])

    def _with_errors(self, index: int, cells: list[Cell]) -> list[Cell]:
        errors = self._errors.get(index)
        if errors:
            cells.extend([None] * (max(errors) + 1 - len(cells)))
            for column, error in errors.items():
                cells[column] = error
        return cells


def _open_workbook(data: bytes, name: str) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except BaseException as exc:  # noqa: BLE001 - calamine raises its own errors and pyo3's PanicException
        raise _calamine_refusal(exc, name) from exc


def _calamine_refusal(exc: BaseException, name: str) -> ValidationError:
    if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit | MemoryError):
        raise exc
    if "password" in str(exc).lower() or type(exc).__name__ == "PasswordError":
        return _refusal(name, _("文件“%(name)s”设置了密码，请取消密码后再导入。"), "encrypted")
    return corrupt(name)


def _load_sheet(workbook: CalamineWorkbook, sheet: str, name: str) -> CalamineSheet:
    try:
        return workbook.get_sheet_by_name(sheet)
    except BaseException as exc:  # noqa: BLE001 - as in _open_workbook
        raise _calamine_refusal(exc, name) from exc


def _by_row(errors: dict[tuple[int, int], ErrorCell]) -> dict[int, dict[int, ErrorCell]]:
    by_row: dict[int, dict[int, ErrorCell]] = {}
    for (row, column), error in errors.items():
        by_row.setdefault(row, {})[column] = error
    return by_row


def _xlsx_checks(archive: zipfile.ZipFile, part: str | None, name: str) -> dict[tuple[int, int], ErrorCell]:
    """Run reading_xlsx's checks on one sheet's XML (before calamine loads it); its ErrorCells."""
    if part is None:
        raise corrupt(name)
    try:
        xml = archive.read(part)
    except ZIP_ERRORS as exc:
        raise corrupt(name) from exc
    check_extent(xml, name=name)
    return error_cells(xml)


def calamine_grids(
    data: bytes, *, kind: str, name: str, preferred: Callable[[str], bool] = lambda sheet: False
) -> Iterator[CalamineGrid]:
    """The visible worksheets of a workbook, those `preferred` (by name) first, each checked and loaded only
    when the caller asks for it. An .xls is checked whole before calamine opens it (which reads every sheet)."""
    xls_errors = scan_xls(data, name=name) if kind == XLS else []
    workbook = _open_workbook(data, name)
    archive = zipfile.ZipFile(io.BytesIO(data)) if kind == XLSX else None
    parts = sheet_parts(archive) if archive is not None else {}
    names = [meta.name for meta in workbook.sheets_metadata]
    sheets = [
        meta.name
        for meta in workbook.sheets_metadata
        if meta.visible == SheetVisibleEnum.Visible and meta.typ == SheetTypeEnum.WorkSheet
    ]
    sheets.sort(key=lambda sheet: not preferred(sheet))
    for sheet in sheets:
        if archive is not None:
            errors = _xlsx_checks(archive, parts.get(sheet), name)
        else:
            index = names.index(sheet)
            errors = xls_errors[index] if index < len(xls_errors) else {}
        yield _grid(_load_sheet(workbook, sheet, name), kind=kind, sheet=sheet, errors=errors)


def _grid(loaded: CalamineSheet, *, kind: str, sheet: str, errors: dict[tuple[int, int], ErrorCell]) -> CalamineGrid:
    start, end = loaded.start, loaded.end
    return CalamineGrid(
        format=kind,
        sheet=sheet,
        merges=tuple((r0, c0, r1, c1) for (r0, c0), (r1, c1) in loaded.merged_cell_ranges or ()),
        last_row=end[0] if end else -1,
        _sheet=loaded,
        _first_column=start[1] if start else 0,
        _first_row=start[0] if start else 0,
        _errors=_by_row(errors),
    )


# --- text ---------------------------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x19\x1b-\x1f\x7f]")
_EXCEL_TEXT = re.compile(r'^="(.*)"$', re.DOTALL)  # ="0012": how Excel users keep leading zeros in a CSV


def decoded(data: bytes) -> tuple[str, str] | None:
    """Text from Chinese offices and its encoding: a BOM decides; else strict UTF-8, then GB18030 (a superset of GBK
    and GB2312). None for bytes that decode to neither or hold control characters (a binary file)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    elif data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    else:
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        text = text.rstrip("\x1a")  # an old DOS end-of-file mark
        return None if _CONTROL.search(text) else (text, encoding)
    return None


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """The text of a CSV and its encoding (`decoded`). Refuses a binary file, and a web page saved as .csv."""
    found = decoded(data)
    if found is None:
        raise not_spreadsheet(name)
    if found[0].lstrip().startswith("<"):
        message = _(
            "文件“%(name)s”是网页（HTML/XML）格式，不是真正的 Excel 表格：请用 Excel 打开后另存为 .xlsx 再导入。"
        )
        raise _refusal(name, message, "html")
    return found


def sniff_delimiter(text: str) -> str:
    """A tab when the first lines hold more tabs than commas (Excel's 「文本文件(制表符分隔)」), else a comma."""
    head = text[:20_000].splitlines()[:20]
    tabs = sum(line.count("\t") for line in head)
    commas = sum(line.count(",") for line in head)
    return "\t" if tabs > commas else ","


def _csv_cell(value: str) -> Cell:
    if value.startswith('="'):
        match = _EXCEL_TEXT.match(value)
        if match:
            value = match[1]
    return clean_cell(value)


@dataclasses.dataclass
class CsvGrid:
    """A CSV's records as rows (a record with a line break inside a quoted cell is one row, as in Excel)."""

    text: str
    name: str
    encoding: str | None
    delimiter: str | None
    format: str = CSV
    sheet: str | None = None
    merges: tuple[Merge, ...] = ()
    last_row: int | None = None

    def iter_rows(self) -> Iterator[tuple[int, list[Cell]]]:
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter or ",")
        index = -1
        try:
            for index, record in enumerate(reader):  # noqa: B007 - index is read after the loop on errors
                yield index, [_csv_cell(value) for value in record]
        except csv.Error as exc:
            message = _("文件“%(name)s”第 %(row)s 行起无法解析：可能有引号不配对或单元格过长，请检查后再导入。") % {
                "name": self.name,
                "row": index + 2,
            }
            raise ValidationError(message, code="csv_unreadable") from exc


# --- telling the format -----------------------------------------------------------------------------------------


def _looks_like_zip(data: bytes) -> bool:
    return data.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"))


def _is_encrypted_ooxml(data: bytes) -> bool:
    """An .xlsx saved with a password is an OLE2 file holding EncryptionInfo and EncryptedPackage."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            return bool(ole.exists("EncryptedPackage"))
    except Exception:  # noqa: BLE001 - olefile raises many kinds on a malformed file
        return False


def _ole_opens(data: bytes) -> bool:
    try:
        olefile.OleFileIO(io.BytesIO(data)).close()
    except Exception:  # noqa: BLE001 - as above
        return False
    return True


def detect_format(data: bytes, name: str) -> str:
    """XLSX, XLS or CSV by content; raises ValidationError for anything else (see the module docstring)."""
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise _refusal(name, _("文件“%(name)s”为空。"), "empty")
    try:
        kind = uploads.sniff(data, name)  # refuses zip bombs, executables and macros before anything is inflated
    except NotImplementedError as exc:  # zipfile on a damaged directory ("zip file version 24.0")
        raise corrupt(name) from exc
    if kind == uploads.XLSX:
        return XLSX
    if kind in (uploads.XLS, uploads.OLE2):
        return XLS
    if kind is not None:
        raise not_spreadsheet(name)
    if _looks_like_zip(data):
        try:
            zipfile.ZipFile(io.BytesIO(data)).close()
        except ZIP_ERRORS as exc:
            raise corrupt(name) from exc
        raise not_spreadsheet(name)
    if data.startswith(uploads.OLE2_MAGIC):
        if _is_encrypted_ooxml(data):
            raise _refusal(name, _("文件“%(name)s”设置了密码，请取消密码后再导入。"), "encrypted")
        if not _ole_opens(data):
            raise corrupt(name)
        raise not_spreadsheet(name)
    return CSV
