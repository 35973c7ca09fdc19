"""What python-calamine cannot tell about an .xls workbook, read from its records before calamine opens it.

Calamine reads every sheet of an .xls when it opens the file and trusts numbers a crafted or damaged file can
set: a compound-file header's counts (reading_ole2 checks them), the string table's count and a sheet's
DIMENSIONS (it reserves memory for them), and the cells' places (each sheet is a dense grid from its first to
its last cell: a 6 KB file with one value at IV65536 costs 1 GB). A Rust allocation that fails aborts the
process. `scan_xls` walks the records as calamine does (the globals up to their EOF, then each sheet from the
offset its BOUNDSHEET gives, up to its EOF) and refuses "corrupt" for a number out of bounds and "too_large"
for a sheet whose grid would exceed reading_xlsx.MAX_CELLS.

It also finds the error values calamine reads as empty: a BOOLERR record holding an error and a FORMULA whose
cached result is an error (#DIV/0!, #N/A …), as ErrorCells by sheet (in workbook order) and cell. An .xls always
stores a formula's result, so there is no "formula without a value" here.
"""

import dataclasses
import struct
from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .reading_ole2 import workbook_stream
from .reading_xlsx import MAX_CELLS, ErrorCell, Extent, formula_error, too_large

_BOF, _EOF, _BOUNDSHEET, _SST, _CONTINUE, _DIMENSIONS = 0x0809, 0x000A, 0x0085, 0x00FC, 0x003C, 0x0200
_FORMULA, _BOOLERR, _MULRK = 0x0006, 0x0205, 0x00BD
# Records calamine turns into a cell at the row and column they start with: FORMULA, LABELSST, NUMBER, RK,
# BOOLERR, LABEL, RSTRING (not BLANK, which calamine skips).
_CELLS = frozenset({0x0006, 0x00FD, 0x0203, 0x027E, 0x0205, 0x0204, 0x00D6})
_ERROR_CODES = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!"}
_ERROR_CODES[0x2A] = "#N/A"
_UNPACK_2 = struct.Struct("<HH").unpack_from
_UNPACK_1 = struct.Struct("<H").unpack_from


class _Damaged(Exception):
    pass


class _TooLarge(Exception):
    def __init__(self, extent: Extent) -> None:
        self.extent = extent


@dataclasses.dataclass
class _Substream:
    offset: int
    extent: Extent = dataclasses.field(default_factory=Extent)
    errors: dict[tuple[int, int], ErrorCell] = dataclasses.field(default_factory=dict)

    def place(self, row: int, column: int) -> None:
        if row > self.extent.last_row:
            self.extent.last_row = row
        if column > self.extent.last_column:
            self.extent.last_column = column


def _error(stream: bytes, kind: int, body: int, size: int) -> ErrorCell | None:
    """The error value a BOOLERR or FORMULA record holds, if any."""
    if kind == _BOOLERR and size >= 8 and stream[body + 7] == 1:
        return formula_error(_ERROR_CODES.get(stream[body + 6], ""))
    if kind == _FORMULA and size >= 14 and stream[body + 12 : body + 14] == b"\xff\xff" and stream[body + 6] == 2:
        return formula_error(_ERROR_CODES.get(stream[body + 8], ""))
    return None


def _records(stream: bytes, start: int) -> Iterator[tuple[int, int, int]]:
    """(kind, body offset, size) of each record from `start` up to an EOF, as calamine's record iterator."""
    position, end = start, len(stream)
    while position < end:
        if position + 4 > end:
            raise _Damaged
        kind, size = _UNPACK_2(stream, position)
        body = position + 4
        if body + size > end:
            raise _Damaged
        yield kind, body, size
        if kind == _EOF:
            return
        position = body + size


def _globals(stream: bytes) -> list[int]:
    """The sheets' offsets (BOUNDSHEET, workbook order); refuses a string table counting more strings than
    its records can hold (calamine reserves room for the count)."""
    offsets = []
    records = list(_records(stream, 0))
    for index, (kind, body, size) in enumerate(records):
        if kind == _BOUNDSHEET and size >= 4:
            offsets.append(struct.unpack_from("<I", stream, body)[0])
        elif kind == _SST and size >= 8:
            count = struct.unpack_from("<i", stream, body + 4)[0]
            room = size + sum(s for k, _b, s in records[index + 1 :] if k == _CONTINUE)
            if count < 0 or count > room // 3:
                raise _Damaged
    return offsets


def _dimensions(stream: bytes, body: int, size: int) -> None:
    """Refuse a DIMENSIONS record calamine would reserve too much memory for."""
    if size == 14:
        first_row, last_row, first_column, last_column = struct.unpack_from("<IIHH", stream, body)
    elif size == 10:
        first_row, last_row, first_column, last_column = struct.unpack_from("<HHHH", stream, body)
    else:
        return
    if last_row >= 1 and last_column >= 1:
        rows, columns = last_row - first_row, last_column - first_column
        if rows < 0 or columns < 0:
            raise _Damaged
        if rows * columns > MAX_CELLS:
            raise _TooLarge(Extent(last_row - 1, last_column - 1))


def _sheet(stream: bytes, offset: int) -> _Substream:
    """One sheet's records from its BOF to its EOF: its extent and its error values."""
    sheet = _Substream(offset)
    for kind, body, size in _records(stream, offset):
        if kind in _CELLS and size >= 4:
            row, column = _UNPACK_2(stream, body)
            sheet.place(row, column)
            error = _error(stream, kind, body, size) if kind in (_BOOLERR, _FORMULA) else None
            if error is not None:
                sheet.errors[(row, column)] = error
        elif kind == _MULRK and size >= 6:
            sheet.place(_UNPACK_1(stream, body)[0], _UNPACK_1(stream, body + size - 2)[0])
        elif kind == _DIMENSIONS:
            _dimensions(stream, body, size)
    return sheet


def scan_xls(data: bytes, *, name: str) -> list[dict[tuple[int, int], ErrorCell]]:
    """Each sheet's ErrorCells (workbook order). Raises ValidationError: "corrupt" for a file calamine must not
    open, "too_large" for a sheet too big."""
    stream = workbook_stream(data)
    try:
        if stream is None:
            raise _Damaged
        sheets = [_sheet(stream, offset) for offset in _globals(stream)]
    except (_Damaged, struct.error, IndexError) as exc:
        message = _("文件“%(name)s”已损坏或不完整，无法读取。") % {"name": name}
        raise ValidationError(message, code="corrupt") from exc
    except _TooLarge as exc:
        raise too_large(name, exc.extent) from exc
    for sheet in sheets:
        if sheet.extent.cells() > MAX_CELLS:
            raise too_large(name, sheet.extent)
    return [sheet.errors for sheet in sheets]
