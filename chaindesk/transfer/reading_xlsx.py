"""What python-calamine cannot tell about an .xlsx sheet, read from the sheet's XML before calamine opens it.

1. The size of the grid calamine will build. Calamine keeps a sheet as a dense grid from its first to its last
   cell holding a value: one value at XFD1048576 in a 5 KB file asks for 17 billion cells, and the Rust
   allocator then aborts the whole process (no Python exception is raised). `scan_sheet` finds every cell
   reference first and refuses a sheet whose grid would exceed MAX_CELLS ("too_large").
2. Formulas without a cached value and error values. Calamine hands over a formula's cached value, and "" both
   for a formula that was never computed (openpyxl and many export tools write none) and for an error value
   (#DIV/0!, #N/A …). `scan_sheet` returns those cells as ErrorCells so the row is refused rather than read as
   empty; a formula whose cached value is an empty string (t="str", what Excel saves for =IF(…,"",…)) is a value.

The scan works on bytes with literal-prefixed patterns (a few passes over the XML, about 0.3 s for a million
cells) when every cell's start tag is `<c r="B7" …>` as every spreadsheet program writes it (checked first, in one
pass). A sheet written otherwise (other quotes or white space, attributes in another order, a cell without a
reference or with two) is read with a full XML parse instead, so a crafted file cannot slip past the count.
"""

import dataclasses
import html
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from xml.etree import ElementTree  # noqa: S405 - expat: no external entities, entity amplification is capped

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# What reading a member of a damaged zip raises (a bad CRC, a broken deflate stream, a missing member …).
ZIP_ERRORS = (
    KeyError,
    zipfile.BadZipFile,
    zlib.error,
    OSError,
    EOFError,
    ValueError,
    RuntimeError,
    NotImplementedError,
)
# The largest grid (rows × columns between the first and the last cell with a value) calamine may build: 10
# million cells is 320 MB inside calamine; a 100 000-row ledger of 30 columns is 3 million.
MAX_CELLS = 10_000_000
MAX_COLUMNS = 16_384  # Excel's own limit (XFD)


@dataclasses.dataclass(frozen=True, slots=True)
class ErrorCell:
    """A cell that holds no usable value: the row that has one is refused. `code` is "formula_no_value",
    "formula_error" or "too_long"; `message` is the Chinese text shown to the office."""

    code: str
    message: str

    def __str__(self) -> str:
        return self.message


def formula_without_value() -> ErrorCell:
    return ErrorCell("formula_no_value", _("公式没有计算结果（请用 Excel 打开、保存后再导入）"))


def formula_error(shown: str) -> ErrorCell:
    return ErrorCell("formula_error", _("单元格是错误值 %(error)s（公式计算出错）") % {"error": shown or "#ERROR"})


def column_number(letters: str) -> int:
    """A1-style column letters to a 0-based column index (A → 0, XFD → 16383)."""
    number = 0
    for char in letters.upper():
        number = number * 26 + (ord(char) - 64)
    return number - 1


def column_letter(index: int) -> str:
    """A 0-based column index to its letters (0 → A, 27 → AB)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --- which part holds which sheet --------------------------------------------------------------------------------

_TAG = re.compile(rb"<(?:\w+:)?(sheet|Relationship)\b([^>]*)>")
_ATTRIBUTE = re.compile(rb"([\w:]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


def _attributes(raw: bytes) -> dict[str, str]:
    """A start tag's attributes by name (unescaped); "r:id" keeps its prefix, the only one that matters here."""
    found = {}
    for name, double, single in _ATTRIBUTE.findall(raw):
        found[name.decode("ascii", "replace")] = html.unescape((double or single).decode("utf-8", "replace"))
    return found


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Each sheet's name → the zip member holding its XML (from xl/workbook.xml and its relationships)."""
    try:
        workbook = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except ZIP_ERRORS:
        return {}
    targets = {}
    for kind, raw in _TAG.findall(rels):
        attrs = _attributes(raw)
        if kind == b"Relationship" and "Id" in attrs and "Target" in attrs:
            target = attrs["Target"]
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            targets[attrs["Id"]] = path
    parts = {}
    for kind, raw in _TAG.findall(workbook):
        attrs = _attributes(raw)
        relation = attrs.get("r:id", "")
        if kind == b"sheet" and "name" in attrs and relation in targets:
            parts[attrs["name"]] = targets[relation]
    return parts


# --- the scan ----------------------------------------------------------------------------------------------------

_SHEET_DATA = re.compile(rb"<(\w+:)?sheetData\b")
_REF = re.compile(r"^([A-Za-z]*)(\d+)$")
# A cell start tag written otherwise than `<c r="B7" s="1" t="s">`: r first, then only the schema's other
# attributes of a cell (so a second r, which calamine would follow, does not pass).
_NOT_CANONICAL_CELL = rb'c(?! r="[A-Za-z]+\d+"(?: (?:s|t|cm|vm|ph)="[^"<>]*")*/?>)[\s>/]'


@dataclasses.dataclass
class Extent:
    """The last row and column (0-based) a sheet's cells reach; the grid is counted from A1, an upper bound
    of calamine's (which starts at the first cell with a value)."""

    last_row: int = -1
    last_column: int = -1

    def cells(self) -> int:
        return (self.last_row + 1) * (self.last_column + 1)


class _Scan:
    """Cell references read with literal-prefixed patterns over the sheetData of one sheet's XML."""

    def __init__(self, xml: bytes, start: int, end: int, prefix: bytes) -> None:
        self.xml, self.start, self.end = xml, start, end
        self.cell = b"<" + prefix + b'c r="'
        self.row = b"<" + prefix + b'row r="'
        self.prefix = prefix

    def _pattern(self, tail: bytes) -> re.Pattern[bytes]:
        return re.compile(re.escape(self.cell) + tail)

    def canonical(self) -> bool:
        """Every cell element's start tag is `<c r="A1"` followed only by the other attributes a cell has, each
        once, as every spreadsheet program writes it: then the patterns below see every cell's place (a second
        r attribute, which calamine would follow, or a cell without one sends the sheet to the full parse)."""
        odd = re.compile(b"<" + re.escape(self.prefix) + _NOT_CANONICAL_CELL)
        return odd.search(self.xml, self.start, self.end) is None

    def last_row(self) -> int:
        """The largest row number a cell names (1-based): the last row element's, checked against the cells."""
        at = self.xml.rfind(self.row, self.start, self.end)
        digits = re.match(rb"\d+", self.xml[at + len(self.row) : at + len(self.row) + 12]) if at >= 0 else None
        hint = int(digits[0]) if digits else 1
        size, lead = len(str(hint)), str(hint)[0].encode()
        # One pass: a reference with more digits than the hint (then all are read), or as many and not smaller.
        tail = rb"[A-Za-z]*0*(?:[1-9]\d{%d}|([%s-9]\d{%d})\")" % (size, lead, size - 1)
        found = self._pattern(tail).findall(self.xml, self.start, self.end)
        if any(not number for number in found):
            every = self._pattern(rb"[A-Za-z]*(\d+)").findall(self.xml, self.start, self.end)
            return max(int(number) for number in set(every))
        return max([hint, *(int(number) for number in set(found))])

    def last_column(self, *, exact: bool) -> int:
        """The largest column (0-based) a cell names; 25 (Z) stands for any single letter unless `exact`."""
        xml, start, end = self.xml, self.start, self.end
        if self._pattern(rb"[A-Za-z]{2}").search(xml, start, end):
            letters = self._pattern(rb"([A-Za-z]{2,})\d").findall(xml, start, end)
            return max(column_number(found.decode()) for found in set(letters))
        if not exact:
            return 25
        letters = self._pattern(rb"([A-Za-z])\d").findall(xml, start, end)
        return max((column_number(found.decode()) for found in set(letters)), default=0)


def _fast_extent(xml: bytes, start: int, end: int, prefix: bytes) -> Extent | None:
    """The extent from the cell references, or None when the sheet is not written the usual way."""
    scan = _Scan(xml, start, end, prefix)
    if not scan.canonical():
        return None
    extent = Extent(scan.last_row() - 1, scan.last_column(exact=False))
    if extent.cells() > MAX_CELLS:
        extent.last_column = scan.last_column(exact=True)
    return extent


def _parsed_extent(xml: bytes) -> Extent:
    """The same as _fast_extent with an XML parser, placing cells without a reference as calamine does."""
    extent = Extent()
    row, column = -1, -1
    for event, element in ElementTree.iterparse(_Reader(xml), events=("start", "end")):  # noqa: S314 - see import
        tag = element.tag.rsplit("}", 1)[-1]
        if event == "end":
            if tag == "row":
                element.clear()  # keep memory flat on a large sheet
        elif tag == "row":
            number = element.get("r", "").strip()
            row, column = (int(number) - 1 if number.isdigit() else row + 1), -1
        elif tag == "c":
            match = _REF.match(element.get("r", "").strip())
            column = column_number(match[1]) if match and match[1] else column + 1
            extent.last_row = max(extent.last_row, int(match[2]) - 1 if match else row)
            extent.last_column = max(extent.last_column, column)
    return extent


class _Reader:
    """A file-like view of bytes for iterparse (avoids copying the sheet into a BytesIO)."""

    def __init__(self, data: bytes) -> None:
        self._view = memoryview(data)
        self._at = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._view) if size < 0 else self._at + size
        chunk = bytes(self._view[self._at : end])
        self._at += len(chunk)
        return chunk


def too_large(name: str, extent: Extent) -> ValidationError:
    message = _(
        "文件“%(name)s”的工作表数据区域过大（到第 %(rows)s 行、第 %(columns)s 列），可能是表格下方或右侧的远处"
        "残留了内容（如空格）：请删除多余的行和列后再导入。"
    )
    values = {"name": name, "rows": extent.last_row + 1, "columns": column_letter(extent.last_column)}
    return ValidationError(message % values, code="too_large")


def check_extent(xml: bytes, *, name: str) -> None:
    """Refuse ("too_large") a sheet whose dense grid would hold more than MAX_CELLS cells."""
    found = _SHEET_DATA.search(xml)
    if found is None:
        return
    prefix = found[1] or b""
    end = xml.find(b"</" + prefix + b"sheetData>", found.start())
    end = len(xml) if end < 0 else end
    extent = _fast_extent(xml, found.start(), end, prefix)
    if extent is None:
        try:
            extent = _parsed_extent(xml)
        except ElementTree.ParseError as exc:
            raise ValidationError(
                _("文件“%(name)s”已损坏或不完整，无法读取。") % {"name": name}, code="corrupt"
            ) from exc
    if extent.last_column >= MAX_COLUMNS or extent.cells() > MAX_CELLS:
        raise too_large(name, extent)


# --- formulas without a value, error values ----------------------------------------------------------------------

_T_ATTRIBUTE = re.compile(rb"""\st\s*=\s*["']([^"']*)["']""")
_R_ATTRIBUTE = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]+)(\d+)["']""")
_V_TEXT = re.compile(rb"<(?:\w+:)?v>([^<]*)<")
_ERROR_TYPES = (b't="e"', b"t='e'")  # an error value's cell (white space around "=" is not looked for)


def _cell_at(xml: bytes, position: int, start: int, prefix: bytes) -> tuple[int, int, bytes, bytes] | None:
    """The cell element enclosing `position`: (its start, its end, its start tag, its body)."""
    opening = b"<" + prefix + b"c"
    at = position
    while True:
        at = xml.rfind(opening, start, at)
        if at < 0:
            return None
        if xml[at + len(opening) : at + len(opening) + 1] in (b" ", b">", b"\t", b"\n", b"\r"):
            break
    tag_end = xml.find(b">", at)
    close = xml.find(b"</" + prefix + b"c>", tag_end)
    if tag_end < 0 or close < 0:
        return None
    return at, close, xml[at : tag_end + 1], xml[tag_end + 1 : close]


def _place(tag: bytes) -> tuple[int, int] | None:
    match = _R_ATTRIBUTE.search(tag)
    return (int(match[2]) - 1, column_number(match[1].decode())) if match else None


def _positions(xml: bytes, needles: tuple[bytes, ...], start: int) -> Iterator[int]:
    for needle in needles:
        at = xml.find(needle, start)
        while at >= 0:
            yield at
            at = xml.find(needle, at + 1)


def error_cells(xml: bytes) -> dict[tuple[int, int], ErrorCell]:
    """(row, column), 0-based, → ErrorCell for each formula without a cached value and each error value."""
    found = _SHEET_DATA.search(xml)
    if found is None:
        return {}
    prefix, start = found[1] or b"", found.start()
    errors: dict[tuple[int, int], ErrorCell] = {}
    formula = re.compile(b"<" + re.escape(prefix) + rb"f[\s/>]")
    for match in formula.finditer(xml, start):
        cell = _cell_at(xml, match.start(), start, prefix)
        if cell is None or (place := _place(cell[2])) is None:
            continue
        kind = _T_ATTRIBUTE.search(cell[2])
        value = _V_TEXT.search(cell[3])
        has_value = value is not None and (value[1].strip() != b"" or (kind is not None and kind[1] == b"str"))
        if not has_value:
            errors[place] = formula_without_value()
    for position in _positions(xml, _ERROR_TYPES, start):
        cell = _cell_at(xml, position, start, prefix)
        if cell is None or (place := _place(cell[2])) is None:
            continue
        value = _V_TEXT.search(cell[3])
        errors[place] = formula_error(html.unescape(value[1].decode("utf-8", "replace")).strip() if value else "")
    return errors
