"""Tiny OLE2 compound files for tests (the legacy .doc/.xls container): a root holding the named streams and
empty storages, version 3, 512-byte sectors, every stream 4,096 bytes so that no mini stream is needed.

olefile reads such files but cannot write new ones; the layout follows [MS-CFB] (header, one FAT sector,
one directory sector, then each stream's eight sectors)."""

import struct

SECTOR = 512
STREAM_BYTES = 4096  # the mini-stream cutoff: streams this long live in regular sectors
FREE, END, FAT_SECTOR, NONE = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
ROOT, STORAGE, STREAM = 5, 1, 2
MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _entry(name: str, kind: int, *, right: int = NONE, child: int = NONE, start: int = END, size: int = 0) -> bytes:
    encoded = (name + "\0").encode("utf-16-le")
    return (
        encoded.ljust(64, b"\0")
        + struct.pack("<HBB", len(encoded), kind, 1)  # name length, type, colour (black)
        + struct.pack("<III", NONE, right, child)  # left sibling, right sibling, child
        + b"\0" * 16  # CLSID
        + b"\0" * 4  # state bits
        + b"\0" * 16  # created, modified
        + struct.pack("<IQ", start, size)
    )


def ole2_file(*streams: str, storages: tuple[str, ...] = ()) -> bytes:
    """An OLE2 file whose root holds `streams` (each 4,096 bytes of filler) and the empty `storages`."""
    names = [(name, STREAM) for name in streams] + [(name, STORAGE) for name in storages]
    sectors_per_stream = STREAM_BYTES // SECTOR
    fat = [FAT_SECTOR, END]  # sector 0: the FAT; sector 1: the directory
    entries = [_entry("Root Entry", ROOT, child=1 if names else NONE)]
    for index, (name, kind) in enumerate(names, start=1):
        right = index + 1 if index < len(names) else NONE
        if kind == STREAM:
            start = len(fat)
            fat += [start + i + 1 for i in range(sectors_per_stream - 1)] + [END]
            entries.append(_entry(name, kind, right=right, start=start, size=STREAM_BYTES))
        else:
            entries.append(_entry(name, kind, right=right))
    if len(entries) > SECTOR // 128 or len(fat) > SECTOR // 4:
        raise ValueError("ole2_file holds at most three entries")
    directory = b"".join(entries).ljust(SECTOR, b"\0")
    header = (
        MAGIC
        + b"\0" * 16  # CLSID
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)  # minor, major version, byte order, sector shifts
        + b"\0" * 6
        + struct.pack("<IIII", 0, 1, 1, 0)  # directory sectors (v3: 0), FAT sectors, first directory, txn
        + struct.pack("<IIIII", STREAM_BYTES, END, 0, END, 0)  # cutoff, mini FAT, its count, DIFAT, its count
        + struct.pack("<I", 0)  # DIFAT[0]: the FAT is sector 0
        + struct.pack("<I", FREE) * 108
    )
    fat_sector = struct.pack(f"<{SECTOR // 4}I", *fat, *[FREE] * (SECTOR // 4 - len(fat)))
    data = b"".join(bytes([65 + i]) * STREAM_BYTES for i, (_n, kind) in enumerate(names) if kind == STREAM)
    return header + fat_sector + directory + data
