"""Reading an office's ledger file as a table of typed cells (issue 13, item 1: the file-reading half).

    table = read_table(data, filename="台账.xlsx", expected_headers=["企业名称", "单位名称", "统一社会信用代码"])
    table.columns      # (Column(index=0, letter="A", name="序号", parts=("序号",), unit=None), …)
    table.unit         # "万元" when 「单位：万元」 stands above the header, else None
    for row in table.rows():
        row.number     # the row number Excel shows (1-based)
        row.cells      # one value per column: str | int | float | bool | date | datetime | time | timedelta |
                       # None, or an ErrorCell; row.errors lists the ErrorCells with their column index
    table.skipped      # Counter of rows skipped by reason, complete once rows() is exhausted

`read_table(data, *, filename, expected_headers=(), sheet_names=())` raises django's ValidationError with a
Chinese message naming the file, and one of ERROR_CODES as its code, for what cannot be read as a table:
"empty" (no bytes), "not_spreadsheet" (a PDF, an image, a Word file, a plain zip, binary data), "html" (a web
page saved as .xls), "corrupt" (a truncated or damaged .xlsx/.xls), "encrypted" (a password), "too_large" (a
sheet whose data range calamine would have to hold densely is too big), "csv_unreadable" (an unbalanced
quote), "no_header" (no row looks like a header), "no_data" (no visible sheet holds anything), and uploads' zip
refusals ("zip_bomb", "zip_members", "zip_path", "zip_executable", "ole2_macro"). It does not apply uploads' size
limit for attachments: the caller chooses its own limit for a ledger.

Nothing reaches python-calamine unchecked: calamine's Rust code aborts the whole process (no exception) when an
allocation fails, and it sizes its grid, and for an .xls its buffers, from numbers in the file. reading_xlsx
scans a sheet's XML and reading_xls / reading_ole2 an .xls's records and compound file first (the cost, about
0.3 s a million .xlsx cells, is in those modules' docstrings); their refusals are "too_large" and "corrupt".

Formats, by content and never by name (reading_sources): .xlsx and .xls through python-calamine; CSV in UTF-8
with or without BOM, UTF-16 with BOM, else GB18030 (covers GBK), comma- or tab-separated. A workbook's first
visible worksheet on which a header is found is read; `sheet_names` (words such as "企业", "项目台账") makes the
sheets whose name contains one of them (compared as header_key) be tried first.

The header. The first non-blank rows (HEADER_WINDOW of them) are candidates when they hold at least two text
cells. With `expected_headers` (field names and synonyms, compared as header_key), the candidate naming most of
them is the header (a name equal to a column's full name or leaf counts 1, one contained in it ½; the earlier
row wins a tie) when it names at least one; otherwise the first candidate naming at least 60 % as many columns
as the widest of those rows holds cells (so a title row or 「填报单位：… 单位：万元」 is passed over).
A header spans two rows when the next row names columns under groups of the first: cells merged across
columns (「投资情况」 over 「计划总投资」「本年计划」), or, in a CSV or unmerged sheet, a name followed by empty
cells with names below all of them; no name of the second row may stand under a name of the first that groups
nothing (that is a data row). Each column is then named "upper/lower" (「投资情况/计划总投资」), or the one text it
has (a cell merged down both rows names its column once); Column.parts keeps both and Column.leaf the lower,
and Column.keys gives header_key of the name and of the leaf: a mapper matches its synonyms against either.
A unit in a header (「计划总投资（亿元）」, or 「（万元）」 alone under a name) is Column.unit; 「单位：万元」 above the
header (or as the last cell of the header row) is Table.unit, for amounts written without one; the first other
text above the header is Table.title. Columns run from A to the last one with a name: data in columns to the
right of the header is not read.

Data rows. Every row below the header is read lazily (`Table.rows()` may be called again: it reads from the
start). Cells are cleaned (reading_sources.clean_cell): "" and white space → None; a whole number → int; a
cell longer than MAX_CELL_CHARS (32 767, Excel's limit) → ErrorCell "too_long"; an .xlsx formula without a
cached value → ErrorCell "formula_no_value" and an error value (#DIV/0!, #N/A …) → "formula_error", never the
formula's text. A CSV cell written ="0012" is read 0012. Skipped, and counted in `Table.skipped` by reason:
"blank" rows (between data; trailing ones are not counted), "total" rows (合计, 总计, 小计, 共计, 累计, or a short
label ending in 合计/小计/总计 such as 「兴化市小计」), "note" rows (备注, 注：, 说明, 填表说明, 填表人：, 审核人：,
联系电话： …), "section" rows (「一、续建项目」, 「（二）」, 「第一批」 with numbers at most beside them) and "header"
rows (the header repeated on a later page). A row is judged by its first filled cell, or by its only text cell
(a total row that keeps its 序号). The non-blank skipped rows are listed in `Table.skipped_rows`.
Reading stops after MAX_BLANK_RUN consecutive blank rows: a sheet padded with a million formatted or blank rows
costs a constant number of rows (`Table.rows_read` counts the rows the last pass took from the sheet), and
`Table.stopped_at` tells where it stopped when the sheet may hold more below.
"""

import collections
import dataclasses
import re
import unicodedata
from collections.abc import Collection, Iterator, Sequence

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chaindesk.core import uploads

from .reading_header import Column, Header, cell_text, find_header, header_key
from .reading_sources import (
    CSV,
    MAX_CELL_CHARS,
    XLS,
    XLSX,
    Cell,
    CsvGrid,
    Grid,
    calamine_grids,
    decode_text,
    detect_format,
    sniff_delimiter,
)
from .reading_xlsx import MAX_CELLS, ErrorCell

__all__ = [
    "CSV",
    "ERROR_CODES",
    "MAX_BLANK_RUN",
    "MAX_CELLS",
    "MAX_CELL_CHARS",
    "SKIP_REASONS",
    "XLS",
    "XLSX",
    "Cell",
    "Column",
    "ErrorCell",
    "Row",
    "SkippedRow",
    "Table",
    "header_key",
    "read_table",
]

HEADER_WINDOW = 20  # the first non-blank rows searched for the header
MAX_BLANK_RUN = 200  # consecutive blank rows after which reading stops
ERROR_CODES = frozenset(
    {"empty", "not_spreadsheet", "html", "corrupt", "encrypted", "too_large", "csv_unreadable", "no_header"}
    | {"no_data"}
    | uploads.ERROR_CODES
)
SKIP_REASONS = {
    "blank": gettext_lazy("空行"),
    "total": gettext_lazy("合计、小计行"),
    "note": gettext_lazy("备注、说明行"),
    "section": gettext_lazy("分类标题行"),
    "header": gettext_lazy("重复的表头行"),
}

_NUMBERING = r"(?:\d+|[一二三四五六七八九十]+)"
_TOTAL = re.compile(r"^(?:合计|总计|小计|共计|累计|总合计)(?:$|[:(\d])|^.{1,12}(?:合计|小计|总计)(?:$|[:(])")
_NOTE = re.compile(
    r"^(?:(?:备注|注|说明|附注|填表说明|填报说明|注意事项)(?:$|[:(\d.、])"
    r"|(?:填表人|填报人|制表人|审核人|负责人|联系人|联系电话|填表日期|制表日期|填报日期|填报单位|报送单位):)"
)
_SECTION = re.compile(rf"^(?:[一二三四五六七八九十]+[、.]|\({_NUMBERING}\)|第{_NUMBERING}[部类批章节])")
_NOTE_STARTS = frozenset("备注说附填制审负联报")
_SECTION_STARTS = frozenset("一二三四五六七八九十(（第")
_TRIGGERS = _NOTE_STARTS | _SECTION_STARTS | frozenset("合总小共累")


@dataclasses.dataclass(frozen=True, slots=True)
class Row:
    """One data row: `number` as Excel shows it, one cell per Table.columns."""

    number: int
    cells: tuple[Cell, ...]

    @property
    def errors(self) -> tuple[tuple[int, ErrorCell], ...]:
        """(column index, ErrorCell) of each cell that cannot be read: such a row is refused."""
        return tuple((index, cell) for index, cell in enumerate(self.cells) if isinstance(cell, ErrorCell))


@dataclasses.dataclass(frozen=True, slots=True)
class SkippedRow:
    number: int
    reason: str  # a key of SKIP_REASONS
    text: str  # the text that decided it (「合计」), cut to 40 characters


def _label(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _reason_for(text: str, *, alone: bool) -> str | None:
    """ "total", "note" or (for the only text of its row) "section" for a row's deciding text, else None."""
    lead = text.lstrip()[:1]
    if lead not in _TRIGGERS and "计" not in text[:16]:
        return None
    label = _label(text)
    if "计" in label and _TOTAL.match(label):
        return "total"
    if label[:1] in _NOTE_STARTS and _NOTE.match(label):
        return "note"
    return "section" if alone and _SECTION.match(label) else None


def _only_text(cells: Sequence[Cell]) -> str | None:
    """The row's text when it has exactly one text cell."""
    only = None
    for value in cells:
        if type(value) is str:
            if only is not None:
                return None
            only = value
    return only


def skip_reason(cells: Sequence[Cell], header: Sequence[str] = ()) -> tuple[str, str] | None:
    """Why a non-blank row is not data: (reason, the text that decided it), or None (rules in the module
    docstring). `header` gives each column's header text, to recognise the header repeated."""
    position, first = next((index, value) for index, value in enumerate(cells) if value is not None)
    if type(first) is str:
        reason = _reason_for(first, alone=False)
        if reason is None and first.lstrip()[:1] in _SECTION_STARTS and _only_text(cells) is not None:
            reason = _reason_for(first, alone=True)
        if reason is None and _repeats_header(cells, header, position):
            reason = "header"
        return (reason, first[:40]) if reason else None
    only = _only_text(cells)
    reason = _reason_for(only, alone=False) if only is not None else None
    return (reason, only[:40]) if reason and only is not None else None


def _repeats_header(cells: Sequence[Cell], header: Sequence[str], position: int) -> bool:
    if position >= len(header) or cell_text(cells[position]) != header[position]:
        return False
    return sum(1 for value in cells if value is not None) >= 2 and all(
        value is None or (isinstance(value, str) and index < len(header) and cell_text(value) == header[index])
        for index, value in enumerate(cells)
    )


class Table:
    """A ledger sheet read by read_table (see the module docstring)."""

    def __init__(self, *, grid: Grid, header: Header, filename: str) -> None:
        self._grid = grid
        self.filename = filename
        self.format = grid.format
        self.sheet = grid.sheet
        self.encoding = grid.encoding
        self.delimiter = grid.delimiter
        self.columns = header.columns
        self.header_rows = tuple(range(header.top + 1, header.bottom + 2))
        self.unit = header.unit
        self.title = header.title
        self._bottom = header.bottom
        self._leaves = [column.leaf for column in header.columns]
        self.skipped: collections.Counter[str] = collections.Counter()
        self.skipped_rows: list[SkippedRow] = []
        self.rows_read = 0
        self.stopped_at: int | None = None

    def detached(self) -> "Table":
        """A copy without the sheet's cells (for a stored plan): what it read, not the rows again."""
        copy = object.__new__(Table)
        copy.__dict__.update(self.__dict__)
        copy._grid = None  # type: ignore[assignment]
        return copy

    def __repr__(self) -> str:
        return f"<Table {self.filename!r} {self.format} {self.sheet or ''} header={self.header_rows}>"

    def rows(self) -> Iterator[Row]:
        """The data rows, lazily, from the first one below the header; resets the counters."""
        self.skipped, self.skipped_rows, self.rows_read, self.stopped_at = collections.Counter(), [], 0, None
        width = len(self.columns)
        blank_run = 0
        for index, raw in self._grid.iter_rows():
            if index <= self._bottom:
                continue
            self.rows_read += 1
            cells = raw[:width] if len(raw) >= width else raw + [None] * (width - len(raw))
            if cells.count(None) == width:
                blank_run += 1
                if blank_run >= MAX_BLANK_RUN:
                    self._stop(index - blank_run + 1)
                    return
                continue
            if blank_run:
                self.skipped["blank"] += blank_run
                blank_run = 0
            skipped = skip_reason(cells, self._leaves)
            if skipped is not None:
                self.skipped[skipped[0]] += 1
                self.skipped_rows.append(SkippedRow(index + 1, *skipped))
                continue
            yield Row(index + 1, tuple(cells))

    def _stop(self, first_blank: int) -> None:
        last = self._grid.last_row
        if last is None or last >= first_blank + MAX_BLANK_RUN:
            self.stopped_at = first_blank + 1


def _window(grid: Grid) -> list[tuple[int, list[Cell]]]:
    """The first HEADER_WINDOW non-blank rows (giving up after MAX_BLANK_RUN blank rows in a row)."""
    window: list[tuple[int, list[Cell]]] = []
    blank_run = 0
    for index, cells in grid.iter_rows():
        if all(value is None for value in cells):
            blank_run += 1
            if blank_run >= MAX_BLANK_RUN and window:
                break
            continue
        blank_run = 0
        window.append((index, cells))
        if len(window) >= HEADER_WINDOW:
            break
    return window


def _no_header(name: str) -> ValidationError:
    message = _("文件“%(name)s”中未找到表头：表头须是前 %(n)s 行中的一行（或两行合并的表头），至少有两个列名。")
    return ValidationError(message % {"name": name, "n": HEADER_WINDOW}, code="no_header")


def _grids(data: bytes, name: str, sheet_names: Collection[str]) -> Iterator[Grid]:
    kind = detect_format(data, name)
    if kind == CSV:
        text, encoding = decode_text(data, name)
        yield CsvGrid(text=text, name=name, encoding=encoding, delimiter=sniff_delimiter(text))
        return
    words = [key for key in map(header_key, sheet_names) if key]
    yield from calamine_grids(
        data, kind=kind, name=name, preferred=lambda sheet: any(word in header_key(sheet) for word in words)
    )


def read_table(
    data: bytes, *, filename: str, expected_headers: Collection[str] = (), sheet_names: Collection[str] = ()
) -> Table:
    """The ledger in `data` as a Table (see the module docstring); ValidationError when it cannot be read."""
    name = uploads.safe_filename(filename)
    any_data = False
    for grid in _grids(data, name, sheet_names):
        window = _window(grid)
        any_data = any_data or bool(window)
        header = find_header(window, merges=grid.merges, expected=expected_headers) if window else None
        if header is not None:
            return Table(grid=grid, header=header, filename=name)
    if any_data:
        raise _no_header(name)
    raise ValidationError(_("文件“%(name)s”中没有数据。") % {"name": name}, code="no_data")
