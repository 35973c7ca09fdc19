"""The Workbook stream of an .xls, taken out of its OLE2 compound file the way calamine does, after checking
every number calamine would trust (used by reading_xls).

Calamine's compound-file reader sizes buffers from the header's counts and from directory entries, grows its
buffer to whatever sector a chain names, and follows a chain until it meets ENDOFCHAIN: a crafted 6 KB file
then asks for terabytes, or loops forever, and the process aborts (no Python exception). `workbook_stream`
refuses (returns None for) a file where any of these would leave the file: a count larger than the file, a
sector or mini sector beyond its end, a chain that does not end in ENDOFCHAIN within as many steps as there are
sectors, a stream longer than the file.
"""

from __future__ import annotations

import struct
from array import array

ENDOFCHAIN = 0xFFFFFFFE
RESERVED = 0xFFFFFFFA  # calamine stops a DIFAT chain at any id from here on
DIFSECT = 0xFFFFFFFC  # calamine skips DIFAT entries from here on
MINI_CUTOFF = 4096
_HEADER = 512


class _Damaged(Exception):
    pass


class _File:
    def __init__(self, data: bytes) -> None:
        if len(data) < _HEADER or data[:8] != b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            raise _Damaged
        shift, mini_shift = struct.unpack_from("<HH", data, 30)
        if shift not in (9, 12) or mini_shift != 6:
            raise _Damaged
        self.data = data
        self.size = 1 << shift
        self.body = _HEADER if shift == 9 else 4096  # calamine reads a 4096-byte header for version 4
        self.sectors = max(0, (len(data) - self.body + self.size - 1) // self.size)

    def u32(self, offset: int) -> int:
        return int(struct.unpack_from("<I", self.data, offset)[0])

    def sector(self, sid: int) -> bytes:
        if sid >= self.sectors:
            raise _Damaged
        start = self.body + sid * self.size
        return self.data[start : start + self.size].ljust(self.size, b"\0")

    def words(self, sid: int) -> array[int]:
        values = array("I")
        values.frombytes(self.sector(sid))
        return values


def _counts_fit(file: _File) -> None:
    """The header's counts that calamine sizes vectors with, none beyond the file."""
    for offset in (40, 44, 64, 72):
        if file.u32(offset) > file.sectors:
            raise _Damaged
    # Calamine reserves room for a "DIFAT length" read from bytes 62–65 (half of the mini FAT's start, half of its
    # length: 65 535 in a usual file): at most 2^28 entries (1 GB, reserved but never written).
    if file.u32(62) > 1 << 28:
        raise _Damaged


def _fat(file: _File) -> array[int]:
    difat = array("I")
    difat.frombytes(file.data[76:512])
    sid, steps = file.u32(68), 0
    while sid < RESERVED:
        steps += 1
        if steps > file.sectors:
            raise _Damaged
        difat.extend(file.words(sid))
        sid = difat.pop()
    fat = array("I")
    for sid in difat:
        if sid < DIFSECT:
            fat.extend(file.words(sid))
    return fat


def _chain(start: int, table: array[int], limit: int) -> list[int]:
    """The ids of a chain: each below `limit` and in the table, ending in ENDOFCHAIN within `limit` steps."""
    ids: list[int] = []
    sid = start
    while sid != ENDOFCHAIN:
        if sid >= limit or sid >= len(table) or len(ids) >= limit:
            raise _Damaged
        ids.append(sid)
        sid = table[sid]
    return ids


def _entries(directory: bytes, file: _File) -> list[tuple[str, int, int]]:
    """(name, start, length) of each directory entry, lengths read as calamine does."""
    entries = []
    for at in range(0, len(directory) - 127, 128):
        raw = directory[at : at + 64].decode("utf-16-le", "replace")
        name = raw.split("\0", 1)[0]
        start = struct.unpack_from("<I", directory, at + 116)[0]
        length = struct.unpack_from("<I" if file.size == 512 else "<Q", directory, at + 120)[0]
        if length > len(file.data):
            raise _Damaged
        entries.append((name, start, length))
    return entries


def _read(file: _File) -> bytes | None:
    _counts_fit(file)
    fat = _fat(file)
    directory = b"".join(file.sector(sid) for sid in _chain(file.u32(48), fat, file.sectors))
    entries = _entries(directory, file)
    if not entries:
        raise _Damaged
    mini, mini_fat = b"", array("I")
    if file.u32(64) > 0:
        _root, root_start, root_length = entries[0]
        mini = b"".join(file.sector(sid) for sid in _chain(root_start, fat, file.sectors))[:root_length]
        mini_fat.frombytes(b"".join(file.sector(sid) for sid in _chain(file.u32(60), fat, file.sectors)))
    for wanted in ("Workbook", "Book"):
        found = next((entry for entry in entries if entry[0] == wanted), None)
        if found is None:
            continue
        _name, start, length = found
        if length >= MINI_CUTOFF:
            return b"".join(file.sector(sid) for sid in _chain(start, fat, file.sectors))[:length]
        ids = _chain(start, mini_fat, len(mini) // 64)
        return b"".join(mini[sid * 64 : sid * 64 + 64] for sid in ids)[:length]
    return None


def workbook_stream(data: bytes) -> bytes | None:
    """The Workbook (BIFF8) or Book (BIFF5) stream, or None for a compound file calamine must not open."""
    try:
        return _read(_File(data))
    except (_Damaged, struct.error, IndexError, ValueError):
        return None
