"""Frames are verified, not trusted: a PNG that decodes completely, at the planned size.

Standard library only (zlib), so `farm status` on a login node needs neither Blender nor
Pillow. Checks: signature, every chunk's CRC, IHDR first, at least one IDAT, IEND last, the
image data inflates to exactly the bytes its IHDR promises. A file cut short on disk (a worker
killed while writing, a full quota) fails the CRC, the inflate or the IEND check.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel


def png_problem(path: Path, size: tuple[int, int] | None = None) -> str | None:
    """``None`` when ``path`` is a complete PNG of ``size`` (w, h); else what is wrong, in words."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    if not data:
        return "empty file"
    if not data.startswith(SIGNATURE):
        return "not a PNG"
    pos = len(SIGNATURE)
    ihdr = None
    idat = []
    ended = False
    while pos < len(data):
        if pos + 8 > len(data):
            return "truncated (chunk header)"
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        body_end = pos + 8 + length
        if body_end + 4 > len(data):
            return f"truncated (inside {ctype.decode('latin-1')})"
        body = data[pos + 8 : body_end]
        (crc,) = struct.unpack(">I", data[body_end : body_end + 4])
        if zlib.crc32(ctype + body) & 0xFFFFFFFF != crc:
            return f"bad CRC in {ctype.decode('latin-1')}"
        if ihdr is None and ctype != b"IHDR":
            return "IHDR is not the first chunk"
        if ctype == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif ctype == b"IDAT":
            idat.append(body)
        elif ctype == b"IEND":
            ended = True
            break
        pos = body_end + 4
    if not ended:
        return "truncated (no IEND)"
    width, height, depth, ctype_, _, _, interlace = ihdr
    if width == 0 or height == 0:
        return "empty image (0 pixels)"
    if size is not None and (width, height) != tuple(size):
        return f"wrong size {width}x{height}, expected {size[0]}x{size[1]}"
    if not idat:
        return "no image data"
    try:
        raw = zlib.decompress(b"".join(idat))
    except zlib.error:
        return "image data does not inflate"
    if interlace == 0 and ctype_ in _CHANNELS:
        stride = (width * _CHANNELS[ctype_] * depth + 7) // 8
        if len(raw) != height * (stride + 1):
            return f"image data is {len(raw)} bytes, expected {height * (stride + 1)}"
    return None


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from the IHDR alone."""
    with open(path, "rb") as fh:
        head = fh.read(24)
    if len(head) < 24 or not head.startswith(SIGNATURE):
        raise ValueError(f"{path}: not a PNG")
    return struct.unpack(">II", head[16:24])
