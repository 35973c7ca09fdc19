"""Finding a ledger's header and naming its columns (used by reading.py; the rules are in its docstring).

`header_key(text)` is the form names are compared in: NFKC (full-width letters, digits and brackets to
half-width), traditional characters to simplified, without white space, required-field marks (* ※ ★), trailing
colons or what stands in brackets (units, notes: 「计划总投资（万元）」 → "计划总投资"), lower case. A mapper
compares its field names and synonyms with `Column.keys` in the same form.
"""

import dataclasses
import functools
import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence

from opencc import OpenCC

from .reading_sources import Cell, Merge
from .reading_xlsx import ErrorCell, column_letter

UNIT_WORDS = ("亿美元", "万美元", "美元", "亿元", "万元", "千元", "元")
_UNITS = "|".join(UNIT_WORDS)
# 「单位：万元」, 「金额单位：亿元」, 「（单位：人民币万元）」 in a cell above the header (NFKC text)
_UNIT_NOTE = re.compile(rf"单位\s*:\s*(?:人民币\s*)?({_UNITS})")
_UNIT_ALONE = re.compile(rf"^\(?\s*(?:单位\s*:?\s*)?({_UNITS})\s*\)?$")
_UNIT_IN_HEADER = re.compile(rf"[(\[【〔]\s*(?:单位\s*:?\s*)?(?:人民币\s*)?({_UNITS})\s*[)\]】〕]")
_BRACKETED = re.compile(r"[(\[【〔][^)\]】〕]*[)\]】〕]")
_NOISE = re.compile(r"[\s*※★:]+")

# A row names columns when it has this many text cells, and a candidate found by width alone must name at
# least this share of the widest row among the first ones (a title or a 「填报单位：… 单位：万元」 row does not).
MIN_HEADER_CELLS = 2
MIN_WIDTH_SHARE = 0.6


@functools.cache
def _t2s() -> OpenCC:
    return OpenCC("t2s")


@functools.lru_cache(maxsize=8192)
def _plain(text: str) -> str:
    """NFKC and simplified characters: the form units are looked for in (「億元」 is 亿元)."""
    normal = unicodedata.normalize("NFKC", text)
    return _t2s().convert(normal) if normal else ""


@functools.lru_cache(maxsize=8192)
def header_key(text: str) -> str:
    """The comparable form of a column name (see the module docstring)."""
    normal = unicodedata.normalize("NFKC", text)
    normal = _NOISE.sub("", _BRACKETED.sub("", normal))
    return _t2s().convert(normal).lower() if normal else ""


def cell_text(value: Cell) -> str:
    """A header cell as text, white space collapsed: dropped between Chinese characters (「项目\n阶段」 is
    「项目阶段」), one space between Latin words."""
    if value is None or isinstance(value, ErrorCell):
        return ""
    pieces = str(value).split()
    text = pieces[0] if pieces else ""
    for piece in pieces[1:]:
        text += (" " if text[-1].isascii() and piece[0].isascii() else "") + piece
    return text


def unit_of(text: str) -> str | None:
    """The unit a note or a header names: 「单位：万元」 → "万元", 「计划总投资（亿元）」 → "亿元"."""
    normal = _plain(text)
    found = _UNIT_NOTE.search(normal) or _UNIT_IN_HEADER.search(normal) or _UNIT_ALONE.match(normal.strip())
    return found[1] if found else None


def is_unit_note(text: str) -> bool:
    """A cell that is nothing but a unit note (「单位：万元」, 「（万元）」)."""
    normal = _plain(text).strip()
    return bool(_UNIT_ALONE.match(normal) or (_UNIT_NOTE.search(normal) and len(normal) <= 16))


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of a table. `name` joins the header's rows with "/" (「投资情况/计划总投资」); `parts` are
    those rows' texts (upper first) and `leaf` the lowest; `unit` is the unit its header names, if any."""

    index: int
    letter: str
    name: str
    parts: tuple[str, ...]
    unit: str | None = None

    @property
    def leaf(self) -> str:
        return self.parts[-1] if self.parts else ""

    @property
    def keys(self) -> tuple[str, ...]:
        """header_key of the full name and of the leaf (once when equal): what a mapper matches."""
        keys = [header_key(self.name), header_key(self.leaf)]
        return tuple(dict.fromkeys(key for key in keys if key))


@dataclasses.dataclass(frozen=True)
class Header:
    top: int  # 0-based row index of the header's (upper) row
    bottom: int  # 0-based row index of its lowest row (== top for a one-row header)
    columns: tuple[Column, ...]
    unit: str | None
    title: str | None


Cells = list[Cell]


_NUMBER_TEXT = re.compile(r"^\s*[-+]?[\d,]*\.?\d+\s*$")  # "2025", "1,200.5": a number, as a CSV writes it


def _is_text(value: Cell) -> bool:
    return isinstance(value, str) and not _NUMBER_TEXT.match(value)


def _header_like(cells: Cells) -> bool:
    """At least MIN_HEADER_CELLS text cells, text for at least half of the filled cells, and no date, boolean
    or error (numbers may stand in a header: a year over its columns)."""
    filled = [value for value in cells if value is not None]
    texts = sum(1 for value in filled if _is_text(value))
    odd = any(not isinstance(value, str | int | float) or isinstance(value, bool) for value in filled)
    return texts >= MIN_HEADER_CELLS and texts * 2 >= len(filled) and not odd


def _at(cells: Cells, column: int) -> Cell:
    return cells[column] if column < len(cells) else None


def _groups(upper: Cells, lower: Cells, merges: Sequence[Merge], top: int) -> dict[int, int] | None:
    """The columns of `upper` that group columns of `lower` (column → the group's first column), or None when
    `lower` is not a second header row (see reading.py's docstring for the rule)."""
    if not any(_is_text(value) for value in lower) or any(
        value is not None and not isinstance(value, str | int | float) for value in lower
    ):
        return None
    group_of: dict[int, int] = {}
    covered: set[int] = set()
    for r0, c0, r1, c1 in merges:
        if r0 == top and r1 == top and c1 > c0:
            group_of.update({column: c0 for column in range(c0, c1 + 1)})
        if r0 <= top <= r1:
            covered.update(range(c0, c1 + 1))
    width = max(len(upper), len(lower))
    column = 0
    while column < width:  # a group without merged cells: a name over empty cells, with names below all of them
        end = column + 1
        if _at(upper, column) is not None and column not in covered and _at(lower, column) is not None:
            while end < width and _at(upper, end) is None and _at(lower, end) is not None and end not in covered:
                end += 1
        if end - column > 1:
            group_of.update({inner: column for inner in range(column, end)})
        column = end
    for column, value in enumerate(lower):
        if value is not None and column not in group_of and _at(upper, column) is not None:
            return None  # a value under a name that groups nothing: a data row, not a header row
    return group_of if any(_at(lower, column) is not None for column in group_of) else None


def _column(column: int, upper_text: str, lower_text: str) -> tuple[Column, str | None]:
    """One column from its header texts, and a table unit note standing in its upper cell. A unit alone in the
    lower cell (「（万元）」 under 「计划总投资」) is the column's unit, not a name."""
    note = unit = None
    if upper_text and is_unit_note(upper_text):
        note, upper_text = unit_of(upper_text), ""
    if lower_text and is_unit_note(lower_text):
        unit, lower_text = unit_of(lower_text), ""
    parts = tuple(text for text in (upper_text, lower_text) if text)
    unit = unit or next((found for found in (unit_of(part) for part in reversed(parts)) if found), None)
    return Column(column, column_letter(column), "/".join(parts), parts, unit), note


def _columns(upper: Cells, lower: Cells | None, group_of: Mapping[int, int]) -> tuple[list[Column], str | None]:
    """The columns the header rows name, and a unit note standing among them (then not a column name)."""
    columns: list[Column] = []
    note = None
    for index in range(max(len(upper), len(lower or ()))):
        upper_text = cell_text(_at(upper, group_of.get(index, index)))
        lower_text = cell_text(_at(lower, index)) if lower is not None else ""
        column, found = _column(index, upper_text, lower_text)
        columns.append(column)
        note = note or found
    while columns and not columns[-1].name:
        columns.pop()
    return columns, note


def _score(columns: Sequence[Column], expected: Collection[str]) -> float:
    """1 for each expected key a column's name or leaf equals, ½ for one it contains."""
    keys = [key for column in columns for key in column.keys]
    score = 0.0
    for wanted in expected:
        if wanted in keys:
            score += 1
        elif len(wanted) >= 2 and any(wanted in key for key in keys):
            score += 0.5
    return score


@dataclasses.dataclass(frozen=True)
class _Candidate:
    top: int
    bottom: int
    columns: tuple[Column, ...]
    note: str | None
    score: float


def _candidates(
    window: Sequence[tuple[int, Cells]], merges: Sequence[Merge], expected: Collection[str]
) -> list[_Candidate]:
    rows = dict(window)
    found = []
    for index, cells in window:
        if not _header_like(cells):
            continue
        lower = rows.get(index + 1)
        group_of = _groups(cells, lower, merges, index) if lower is not None else None
        two_rows = group_of is not None
        columns, note = _columns(cells, lower if two_rows else None, group_of or {})
        bottom = index + 1 if two_rows else index
        found.append(_Candidate(index, bottom, tuple(columns), note, _score(columns, expected)))
    return found


def _above(window: Sequence[tuple[int, Cells]], top: int) -> tuple[str | None, str | None]:
    """The unit named above the header (「单位：万元」, a title ending 「（亿元）」) and the title: the first text
    above the header that is not a unit note alone."""
    unit = title = None
    for index, cells in window:
        if index >= top:
            break
        for text in filter(None, map(cell_text, cells)):
            unit = unit or unit_of(text)
            if title is None and not is_unit_note(text):
                title = text
    return unit, title


_FORM_FIELD = re.compile(r"[:：]\s*\S")  # 「填报单位：兴化市」: a form line above a table, not a column name


def _names(column: Column) -> bool:
    return bool(column.name) and not _FORM_FIELD.search(column.name)


def find_header(
    window: Sequence[tuple[int, Cells]], *, merges: Sequence[Merge] = (), expected: Collection[str] = ()
) -> Header | None:
    """The header among the first rows of a sheet (`window`: (row index, cells) of its first non-blank rows)."""
    wanted = {key for key in (header_key(name) for name in expected) if key}
    candidates = _candidates(window, merges, wanted)
    best = max(candidates, key=lambda c: (c.score, -c.top), default=None)
    if best is None or best.score < 1:
        widest = max((sum(1 for value in cells if value is not None) for _index, cells in window), default=0)
        named = [c for c in candidates if sum(1 for col in c.columns if _names(col)) >= MIN_WIDTH_SHARE * widest]
        best = named[0] if named else None
    if best is None:
        return None
    unit, title = _above(window, best.top)
    return Header(best.top, best.bottom, best.columns, best.note or unit, title)
