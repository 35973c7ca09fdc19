"""Messy ledgers built in memory, as offices really keep them (issue 13, item 1), for the reading, mapping and
import tests.

A ledger is a `Sheet`: its rows (lists of Python values, None for an empty cell, "=…" for a formula) and its
merged ranges ("A1:H1"). Writers turn a sheet into file bytes:
- `xlsx(sheet, …)` with openpyxl (formulas are written without a cached value, as openpyxl always does);
- `xls(sheet)` as a BIFF8 workbook in an OLE2 compound file, written here byte by byte (no xlwt in the project):
  text, numbers, booleans, dates (an Excel serial with a date format), merged cells, formulas with a cached
  number (XlsFormula) and error values (XlsError);
- `csv_bytes(sheet, encoding=…, delimiter=…)` in UTF-8, UTF-8 with BOM, GB18030 or UTF-16.
Patchers edit an .xlsx's XML where openpyxl cannot: `with_cached_values` (a formula's computed value),
`with_sheet_xml` (any edit), `padded` (styled empty rows or a dimension down to row 1,000,000), `far_value`
(one value far away, which would make calamine's grid huge), `error_value` (#DIV/0!, #N/A).

Ready ledgers: `project_ledger()` (title merged over the table, a unit note, a header over two rows with merged
groups and cells merged down, data rows with amounts written every way, a section row, a subtotal, a blank row,
a total, notes and signatures below), `enterprise_ledger()` (the header on row 1, nothing else).
"""

import csv
import dataclasses
import io
import math
import re
import struct
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import openpyxl
from openpyxl.styles import Font
from openpyxl.utils.cell import range_boundaries

EXCEL_EPOCH = date(1899, 12, 30)


@dataclasses.dataclass(frozen=True)
class XlsError:
    """An error value in an .xls cell (xls() only): "#DIV/0!", "#N/A" …; `formula` writes it as a FORMULA
    record's cached result, else as a BOOLERR record."""

    error: str
    formula: bool = True


@dataclasses.dataclass(frozen=True)
class XlsFormula:
    """A formula with its cached numeric result in an .xls cell (xls() only)."""

    value: float


@dataclasses.dataclass
class Sheet:
    rows: Sequence[Sequence[Any]]
    merges: list[str] = dataclasses.field(default_factory=list)
    name: str = "Sheet1"


def project_ledger() -> Sheet:
    """The biomedicine chain's key-project ledger: header on rows 3–4, data from row 5 (see the docstring)."""
    rows: list[list[Any]] = [
        ["2025年生物医药产业链重点项目台账", None, None, None, None, None, None, None],
        ["填报单位：兴化市发展和改革委员会", None, None, None, None, None, None, "单位：万元"],
        ["序号", "项目名称", "建设单位", "统一社会信用代码", "投资情况", None, "项目\n阶段", "备注"],
        [None, None, None, None, "计划总投资", "本年计划", None, None],
        ["一、续建项目", None, None, None, None, None, None, None],
        [1, "年产5000吨原料药项目", "泰州康瑞药业有限公司", "91321281MA1X4Y5Z6A", 52000, "5,200万", "在建", None],
        [2, "生物制剂二期", "兴化生物科技有限公司", "91321281MA1P2Q3R4B", "5.2亿元", 8000.5, "开工", "拟年底投产"],
        [None, "小计", None, None, "=SUM(E6:E7)", "=SUM(F6:F7)", None, None],
        [None, None, None, None, None, None, None, None],
        [3, "医疗器械产业园", "江苏医械集团有限公司", "91320000MA1A2B3C4D", 30000, 6000, "洽谈", None],
        ["合计", None, None, None, "=SUM(E8,E10)", "=SUM(F8,F10)", None, None],
        ["注：1.金额单位为万元；2.项目阶段填写在谈、签约、开工、在建、竣工、投产。", None, None, None, None],
        ["填表人：张三", None, None, "审核人：李四", None, None, "联系电话：0523-12345678", None],
    ]
    merges = ["A1:H1", "E3:F3", "A3:A4", "B3:B4", "C3:C4", "D3:D4", "G3:G4", "H3:H4"]
    return Sheet(rows, merges, name="重点项目")


def replaced(sheet: Sheet, values: Mapping[str, Any]) -> Sheet:
    """A copy of the sheet with the cells at these references ("E8") replaced (a formula by its value, for a
    CSV or an .xls, which hold values only)."""
    rows = [list(row) for row in sheet.rows]
    for reference, value in values.items():
        column, row = range_boundaries(reference)[:2]
        rows[row - 1].extend([None] * (column - len(rows[row - 1])))
        rows[row - 1][column - 1] = value
    return Sheet(rows, list(sheet.merges), sheet.name)


PROJECT_VALUES = {"E8": 57000 + 0.0, "F8": 13200.5, "E11": 87000, "F11": 19200.5}  # the formulas' results
PROJECT_DATA_ROWS = (6, 7, 10)  # the Excel rows of project_ledger() that are data
PROJECT_HEADERS = ("序号", "项目名称", "建设单位", "统一社会信用代码", "计划总投资", "本年计划", "项目阶段", "备注")


def enterprise_ledger(count: int = 3) -> Sheet:
    """A plain enterprise list: the header on row 1, `count` data rows."""
    rows: list[list[Any]] = [["企业名称", "统一社会信用代码", "所属环节", "成立日期", "从业人数", "是否规上"]]
    for number in range(1, count + 1):
        rows.append(
            [
                f"泰州企业{number}有限公司",
                f"9132128100000{number:05d}",
                "原料药",
                date(2020, 1, number % 28 + 1),
                10 * number,
                number % 2 == 0,
            ]
        )
    return Sheet(rows)


# --- writers -----------------------------------------------------------------------------------------------------


def xlsx(*sheets: Sheet, hidden: Iterable[str] = ()) -> bytes:
    """The sheets as an .xlsx (openpyxl); sheets named in `hidden` are hidden."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for sheet in sheets:
        worksheet = workbook.create_sheet(sheet.name)
        for row in sheet.rows:
            worksheet.append(list(row))
        for merged in sheet.merges:
            worksheet.merge_cells(merged)
        if worksheet.max_row >= 1:
            for cell in worksheet[1]:
                cell.font = Font(bold=True)
        if sheet.name in hidden:
            worksheet.sheet_state = "hidden"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(sheet: Sheet, *, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    """The sheet's rows as CSV text: dates as 2025-01-02, booleans as TRUE/FALSE, None as an empty cell."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in sheet.rows:
        writer.writerow([_csv_text(value) for value in row])
    return buffer.getvalue().encode(encoding)


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


# --- .xlsx patchers ------------------------------------------------------------------------------------------------


def with_sheet_xml(data: bytes, edit: Callable[[bytes], bytes], *, part: str = "xl/worksheets/sheet1.xml") -> bytes:
    """The .xlsx with one part's XML replaced by edit(xml) (the zip rewritten, deflated)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info.filename, edit(content) if info.filename == part else content)
    return buffer.getvalue()


def with_cached_values(data: bytes, values: Mapping[str, float | str]) -> bytes:
    """Give the formula cells at these references a cached value, as Excel saves one."""

    def edit(xml: bytes) -> bytes:
        for reference, value in values.items():
            pattern = re.compile(rb'(<c r="' + reference.encode() + rb'")([^>]*)><f>(.*?)</f><v\s*/?>(?:</v>)?')
            kind = b' t="str"' if isinstance(value, str) else b""
            replacement = rb"\1" + kind + rb"\2><f>\3</f><v>" + str(value).encode() + b"</v>"
            xml, count = pattern.subn(replacement, xml)
            assert count == 1, reference
        return xml

    return with_sheet_xml(data, edit)


def append_rows(xml: bytes, rows: bytes) -> bytes:
    return xml.replace(b"</sheetData>", rows + b"</sheetData>")


def padded(data: bytes, *, to_row: int = 1_000_000, styled_rows: int = 0) -> bytes:
    """The sheet's dimension claimed down to `to_row`, and `styled_rows` formatted but empty rows written after
    the data (up to row to_row), as a sheet looks once someone formatted whole rows."""

    def edit(xml: bytes) -> bytes:
        xml = re.sub(
            rb'<dimension ref="([A-Z]+\d+):([A-Z]+)\d+"',
            rb'<dimension ref="\1:\g<2>' + str(to_row).encode() + b'"',
            xml,
        )
        last = max(int(n) for n in re.findall(rb'<row r="(\d+)"', xml))
        first = max(last + 1, to_row - styled_rows + 1)
        rows = b"".join(
            b'<row r="%d" s="1" customFormat="1"><c r="A%d" s="1"/><c r="B%d" s="1"/></row>' % (n, n, n)
            for n in range(first, to_row + 1)
        )
        return append_rows(xml, rows)

    return with_sheet_xml(data, edit)


def far_value(data: bytes, reference: str, value: str = " ") -> bytes:
    """One more cell, far away, holding `value` (a stray space by default)."""
    row = re.match(r"[A-Z]+(\d+)$", reference)
    assert row is not None
    cell = b'<row r="%s"><c r="%s" t="inlineStr"><is><t xml:space="preserve">%s</t></is></c></row>' % (
        row[1].encode(),
        reference.encode(),
        value.encode(),
    )
    return with_sheet_xml(data, lambda xml: append_rows(xml, cell))


def with_text(data: bytes, reference: str, text: str) -> bytes:
    """Replace the cell at `reference` (which must exist) by an inline string of any length (openpyxl cuts
    text at Excel's 32 767 characters; a file from another program may not)."""

    def edit(xml: bytes) -> bytes:
        pattern = re.compile(rb'<c r="' + reference.encode() + rb'"[^>]*?(?:/>|>.*?</c>)')
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").encode()
        cell = b'<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (reference.encode(), escaped)
        xml, count = pattern.subn(lambda _match: cell, xml, count=1)
        assert count == 1, reference
        return xml

    return with_sheet_xml(data, edit)


def error_value(data: bytes, reference: str, error: str = "#DIV/0!", formula: str | None = "1/0") -> bytes:
    """Replace the cell at `reference` (which must exist) by an error value, with or without its formula."""

    def edit(xml: bytes) -> bytes:
        pattern = re.compile(rb'<c r="' + reference.encode() + rb'"[^>]*?(?:/>|>.*?</c>)')
        inner = (b"<f>" + formula.encode() + b"</f>" if formula else b"") + b"<v>" + error.encode() + b"</v>"
        xml, count = pattern.subn(b'<c r="' + reference.encode() + b'" t="e">' + inner + b"</c>", xml, count=1)
        assert count == 1, reference
        return xml

    return with_sheet_xml(data, edit)


# --- .xls (BIFF8 in an OLE2 compound file) -------------------------------------------------------------------------

_BOF, _EOF, _CODEPAGE, _XF, _BOUNDSHEET, _SST, _CONTINUE = 0x0809, 0x000A, 0x0042, 0x00E0, 0x0085, 0x00FC, 0x003C
_DIMENSIONS, _LABELSST, _NUMBER, _BOOLERR, _MERGECELLS = 0x0200, 0x00FD, 0x0203, 0x0205, 0x00E5
_FORMULA = 0x0006
_ERROR_CODES = {
    "#NULL!": 0x00,
    "#DIV/0!": 0x07,
    "#VALUE!": 0x0F,
    "#REF!": 0x17,
    "#NAME?": 0x1D,
    "#NUM!": 0x24,
    "#N/A": 0x2A,
}
_FORMULA_TOKENS = b"\x1e\x01\x00"  # ptgInt 1: any valid token stream will do, readers use the cached result
_DATE_XF = 1  # the second XF record below: built-in number format 14 (a date)
_MAX_RECORD = 8224


def _record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _bof(kind: int) -> bytes:
    return _record(_BOF, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 6))


def _xf(number_format: int) -> bytes:
    return _record(_XF, struct.pack("<HHHBBBBIIH", 0, number_format, 0, 0x20, 0, 0, 0, 0, 0, 0x20C0))


def _cells(rows: Sequence[Sequence[Any]]) -> tuple[bytes, list[str]]:
    strings: dict[str, int] = {}
    out = bytearray()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, bool):
                out += _record(_BOOLERR, struct.pack("<HHHBB", r, c, 0, int(value), 0))
            elif isinstance(value, XlsError | XlsFormula):
                out += _special(r, c, value)
            elif isinstance(value, date):
                day = value.date() if isinstance(value, datetime) else value
                out += _record(_NUMBER, struct.pack("<HHHd", r, c, _DATE_XF, float((day - EXCEL_EPOCH).days)))
            elif isinstance(value, str) and value.startswith("="):
                raise ValueError(f"an .xls is written without formulas: {value!r} (use replaced())")
            elif isinstance(value, int | float):
                out += _record(_NUMBER, struct.pack("<HHHd", r, c, 0, float(value)))
            else:
                index = strings.setdefault(str(value), len(strings))
                out += _record(_LABELSST, struct.pack("<HHHI", r, c, 0, index))
    return bytes(out), list(strings)


def _special(r: int, c: int, value: "XlsError | XlsFormula") -> bytes:
    if isinstance(value, XlsError) and not value.formula:
        return _record(_BOOLERR, struct.pack("<HHHBB", r, c, 0, _ERROR_CODES[value.error], 1))
    if isinstance(value, XlsError):
        result = bytes([2, 0, _ERROR_CODES[value.error], 0, 0, 0, 0xFF, 0xFF])
    else:
        result = struct.pack("<d", value.value)
    tail = struct.pack("<HIH", 0, 0, len(_FORMULA_TOKENS)) + _FORMULA_TOKENS
    return _record(_FORMULA, struct.pack("<HHH", r, c, 0) + result + tail)


def _sst(strings: Sequence[str]) -> bytes:
    """The shared strings, split into CONTINUE records between strings when longer than one record."""
    chunks, chunk = [], struct.pack("<II", len(strings), len(strings))
    for text in strings:
        piece = struct.pack("<HB", len(text), 1) + text.encode("utf-16-le")
        if len(chunk) + len(piece) > _MAX_RECORD:
            chunks.append(chunk)
            chunk = b""
        chunk += piece
    chunks.append(chunk)
    return _record(_SST, chunks[0]) + b"".join(_record(_CONTINUE, more) for more in chunks[1:])


def _merge_records(merges: Sequence[str]) -> bytes:
    refs = []
    for merged in merges:
        c0, r0, c1, r1 = range_boundaries(merged)
        refs.append(struct.pack("<HHHH", r0 - 1, r1 - 1, c0 - 1, c1 - 1))
    return _record(_MERGECELLS, struct.pack("<H", len(refs)) + b"".join(refs)) if refs else b""


def xls(sheet: Sheet) -> bytes:
    """The sheet as a legacy .xls workbook (one worksheet). A formula is an XlsFormula (its cached value) or an
    XlsError; a string starting with "=" is refused (use replaced())."""
    cells, strings = _cells(sheet.rows)
    width = max((len(row) for row in sheet.rows), default=0)
    body = _bof(0x0010) + _record(_DIMENSIONS, struct.pack("<IIHHH", 0, len(sheet.rows), 0, width, 0))
    body += cells + _merge_records(sheet.merges) + _record(_EOF)
    name = sheet.name.encode("utf-16-le")

    def workbook_globals(sheet_offset: int) -> bytes:
        head = _bof(0x0005) + _record(_CODEPAGE, struct.pack("<H", 1200)) + _xf(0) + _xf(14)
        bound = _record(_BOUNDSHEET, struct.pack("<IBBBB", sheet_offset, 0, 0, len(sheet.name), 1) + name)
        return head + bound + _sst(strings) + _record(_EOF)

    stream = workbook_globals(len(workbook_globals(0))) + body
    return ole2({"Workbook": stream})


_END, _FREE, _FAT, _NONE = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def _directory_entry(name: str, kind: int, start: int, size: int, child: int = _NONE) -> bytes:
    raw = name.encode("utf-16-le") + b"\0\0" if name else b""
    entry = raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1)
    return entry + struct.pack("<III", _NONE, _NONE, child) + b"\0" * 16 + struct.pack("<IQQIQ", 0, 0, 0, start, size)


def ole2(streams: Mapping[str, bytes]) -> bytes:
    """A version-3 compound file holding one stream (padded to 4096 bytes, so no mini stream is needed; up to
    109 FAT sectors, a stream of about 7 MB, as no DIFAT sector is written)."""
    ((name, data),) = streams.items()
    data = data.ljust(4096, b"\0")
    sectors = math.ceil(len(data) / 512)
    fat_sectors = 1
    while fat_sectors * 128 < sectors + 1 + fat_sectors:
        fat_sectors += 1
    fat = [*range(1, sectors), _END, _END] + [_FAT] * fat_sectors
    fat += [_FREE] * (fat_sectors * 128 - len(fat))
    difat = [*range(sectors + 1, sectors + 1 + fat_sectors)] + [_FREE] * (109 - fat_sectors)
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
    header += b"\0" * 6 + struct.pack("<9I", 0, fat_sectors, sectors, 0, 4096, _END, 0, _END, 0)
    header += struct.pack("<109I", *difat)
    directory = _directory_entry("Root Entry", 5, _END, 0, child=1) + _directory_entry(name, 2, 0, len(data))
    directory += _directory_entry("", 0, 0, 0) * 2
    return header + data.ljust(sectors * 512, b"\0") + directory + struct.pack(f"<{len(fat)}I", *fat)
