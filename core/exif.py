"""The capture date of a JPEG photo, read from its EXIF block (DateTimeOriginal, else DateTime).

A start photo's capture date is shown beside the claimed start date (issue 21). This reads the
few bytes needed with the standard library: the TIFF structure inside the JPEG's APP1 segment is
small and fixed, and Pillow is not otherwise a dependency of the project. Anything malformed gives
None, never an error: a photo without a readable date is still a valid upload.
"""

from __future__ import annotations

import datetime as dt
import struct

_DATETIME = 0x0132
_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 0x9003
_MAX_SCAN = 256 * 1024  # the APP1 segment comes first; never read a whole photo


def _ifd_entries(tiff: bytes, offset: int, order: str) -> dict[int, tuple[int, int, bytes]]:
    (count,) = struct.unpack_from(order + "H", tiff, offset)
    entries = {}
    for i in range(min(count, 500)):
        base = offset + 2 + 12 * i
        tag, kind, number = struct.unpack_from(order + "HHI", tiff, base)
        entries[tag] = (kind, number, tiff[base + 8 : base + 12])
    return entries


def _ascii(tiff: bytes, entry: tuple[int, int, bytes], order: str) -> str | None:
    kind, number, raw = entry
    if kind != 2 or number < 19:
        return None
    if number <= 4:
        data = raw[:number]
    else:
        (offset,) = struct.unpack(order + "I", raw)
        data = tiff[offset : offset + number]
    return data.split(b"\0", 1)[0].decode("ascii", "replace")


def _parse(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        return dt.datetime.strptime(text.strip()[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def capture_datetime(data: bytes) -> dt.datetime | None:
    """The photo's capture time as the camera wrote it (local time, naive), or None."""
    if not data.startswith(b"\xff\xd8"):
        return None
    data = data[:_MAX_SCAN]
    position = 2
    try:
        while position + 4 <= len(data):
            if data[position] != 0xFF:
                return None
            marker = data[position + 1]
            (length,) = struct.unpack_from(">H", data, position + 2)
            if marker == 0xE1 and data[position + 4 : position + 10] == b"Exif\0\0":
                tiff = data[position + 10 : position + 2 + length]
                order = "<" if tiff[:2] == b"II" else ">" if tiff[:2] == b"MM" else None
                if order is None:
                    return None
                (first,) = struct.unpack_from(order + "I", tiff, 4)
                main = _ifd_entries(tiff, first, order)
                found = None
                if _EXIF_IFD in main:
                    (exif_offset,) = struct.unpack(order + "I", main[_EXIF_IFD][2])
                    sub = _ifd_entries(tiff, exif_offset, order)
                    if _DATETIME_ORIGINAL in sub:
                        found = _parse(_ascii(tiff, sub[_DATETIME_ORIGINAL], order))
                if found is None and _DATETIME in main:
                    found = _parse(_ascii(tiff, main[_DATETIME], order))
                return found
            if marker in (0xDA, 0xD9):  # image data starts: no EXIF before it
                return None
            position += 2 + length
    except (struct.error, IndexError):
        return None
    return None
