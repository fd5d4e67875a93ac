"""Write the scene's textures (the catalog atlas) as PNG files beside a .ma or USD file.

Both hosts reference textures by a path relative to the scene, so the scene folder can be
moved to a farm node whole. PNG is encoded here with zlib (no Pillow at scene-build time);
writes are atomic and skipped when an identical file is already there, so re-running a scene
build does not touch the atlas's modification time.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import numpy as np

from .ir import Image, SceneError


def png_bytes(pixels: np.ndarray) -> bytes:
    """(H, W, 4) or (H, W, 3) uint8, row 0 at the top -> PNG file bytes."""
    px = np.ascontiguousarray(pixels)
    if px.dtype != np.uint8 or px.ndim != 3 or px.shape[2] not in (3, 4):
        raise SceneError(f"image pixels must be (H, W, 3|4) uint8, got {px.shape} {px.dtype}")
    h, w, c = px.shape
    raw = np.concatenate([np.zeros((h, 1), np.uint8), px.reshape(h, w * c)], axis=1)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    colour_type = 6 if c == 4 else 2
    header = struct.pack(">IIBBBBB", w, h, 8, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw.tobytes(), 6))
        + chunk(b"IEND", b"")
    )


def image_filename(image: Image) -> str:
    return f"{image.name}.png"


def write_images(images: dict, folder: Path) -> dict:
    """Write every image into ``folder``; returns {image name: file name relative to folder}."""
    out = {}
    for name, image in images.items():
        rel = image_filename(image)
        data = png_bytes(image.pixels)
        path = Path(folder) / rel
        if not (path.exists() and path.read_bytes() == data):
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            try:
                tmp.write_bytes(data)
                os.replace(tmp, path)
            except OSError as exc:
                tmp.unlink(missing_ok=True)
                raise SceneError(f"cannot write texture {path}: {exc.strerror or exc}") from exc
        out[name] = rel
    return out
