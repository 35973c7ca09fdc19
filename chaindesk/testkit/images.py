"""Photos for tests, built with Pillow in the test itself: real JPEG and PNG files (a photo is decoded and
re-encoded before it is stored: chaindesk/core/uploads.py `clean_photos`), a phone's JPEG with EXIF (its GPS
position, its make and model, orientation 6: held upright, stored sideways), and the files an upload must refuse
(a JPEG's magic bytes then garbage, a PNG declaring more pixels than any photo has)."""

import io
import struct
import zlib

from PIL import Image

# Left half red, right half blue: after a rotation, which side went where is readable from two pixels.
RED, BLUE = (220, 30, 30), (30, 30, 220)
GPS_IFD = 0x8825
ORIENTATION, MAKE, MODEL = 0x0112, 0x010F, 0x0110
# A point in Xinghua (兴化), as a phone writes it: degrees, minutes, seconds.
GPS = {1: "N", 2: (32.0, 56.0, 24.0), 3: "E", 4: (119.0, 50.0, 6.0)}

# What a file that is not a photo but starts like one looks like: the JPEG magic, then anything.
FAKE_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00\x13\x37garbage, not a picture" * 8


def picture(size: tuple[int, int] = (80, 40), mode: str = "RGB") -> Image.Image:
    """An image whose left half is red and right half blue."""
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1]))
    return image.convert(mode)


def phone_exif(orientation: int = 6) -> Image.Exif:
    """EXIF as a phone camera writes it: orientation, make and model, and the GPS position."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "TestPhone"
    exif[MODEL] = "TestPhone 15 Pro"
    exif.get_ifd(GPS_IFD).update(GPS)
    return exif


def jpeg(size: tuple[int, int] = (80, 40), *, exif: Image.Exif | None = None, **params: object) -> bytes:
    """A real JPEG of `picture(size)`; `exif` and any other save parameter (comment, xmp, icc_profile) kept."""
    buffer = io.BytesIO()
    extra = {"exif": exif} if exif is not None else {}
    picture(size).save(buffer, "JPEG", quality=95, **extra, **params)
    return buffer.getvalue()


def png(size: tuple[int, int] = (80, 40), mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    picture(size, mode).save(buffer, "PNG")
    return buffer.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares width × height pixels (a decompression bomb's header; the data is a few bytes
    of one row): a decoder that trusts the header would allocate it all."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * (1 + 3 * min(width, 16)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
