"""Pack the catalog's thumbnails into one atlas image.

One image and one material with a per-point tile index, not one texture per galaxy: measured
in Cycles (bpy 5.0.1, 1000 textured spheres) 0.2 s/frame against 0.7-1.4 s/frame and a 1.5 MB
.blend against 38 MB, with identical pixels. Every writer reads the tile rectangles from
:meth:`ir.Image.tile_uv`, so the layout is decided here once.
"""

from __future__ import annotations

import math

import numpy as np

from .ir import Image, SceneError


def atlas_columns(count: int) -> int:
    """Columns of a near-square atlas holding ``count`` tiles."""
    return max(1, math.ceil(math.sqrt(count)))


def pack_atlas(
    thumbnails: np.ndarray,
    *,
    tile_size: int | None = None,
    columns: int | None = None,
    name: str = "catalog_atlas",
) -> Image:
    """(N, h, w, 3|4) uint8 thumbnails -> one RGBA atlas, tile ``i`` at row ``i // columns``.

    Thumbnails are resized (nearest neighbour) to ``tile_size`` if it differs from theirs.
    Unused cells stay black and transparent.
    """
    thumbs = np.asarray(thumbnails)
    if thumbs.ndim != 4 or thumbs.shape[3] not in (3, 4) or thumbs.shape[0] < 1:
        raise SceneError(f"atlas: thumbnails have shape {thumbs.shape}, expected (N, h, w, 3)")
    if thumbs.dtype != np.uint8:
        raise SceneError(f"atlas: thumbnails must be uint8, got {thumbs.dtype}")
    n, h, w = thumbs.shape[:3]
    size = int(tile_size or max(h, w))
    cols = int(columns or atlas_columns(n))
    if size < 1 or cols < 1:
        raise SceneError(f"atlas: bad tile size {size} or columns {cols}")
    if (h, w) != (size, size):
        yi = (np.arange(size) * h // size).astype(np.int64)
        xi = (np.arange(size) * w // size).astype(np.int64)
        thumbs = thumbs[:, yi][:, :, xi]
    if thumbs.shape[3] == 3:
        alpha = np.full(thumbs.shape[:3] + (1,), 255, np.uint8)
        thumbs = np.concatenate([thumbs, alpha], axis=3)
    rows = math.ceil(n / cols)
    pad = rows * cols - n
    if pad:
        thumbs = np.concatenate([thumbs, np.zeros((pad, size, size, 4), np.uint8)])
    grid = thumbs.reshape(rows, cols, size, size, 4).transpose(0, 2, 1, 3, 4)
    pixels = np.ascontiguousarray(grid.reshape(rows * size, cols * size, 4))
    return Image(name=name, pixels=pixels, tile_size=size, columns=cols)
