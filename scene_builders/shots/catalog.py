"""Shot 5: the catalog as a grid of thumbnails outlined by the final predicted class.

Tiles and outlines are two point sets of squares (one atlas material, one self-lit outline
material) rather than a thousand objects. The camera starts close on a handful of galaxies and
pulls back until the whole catalog fills the frame.
"""

from __future__ import annotations

import math

import numpy as np

from ..ir import Keys, PointSet, Shot
from ..look import Look
from ..runfile import Run
from . import common as c

PITCH = 0.25
TILE = 0.2
OUTLINE = 0.236


def grid_shape(n: int) -> tuple[int, int]:
    """(columns, rows) of a 16:9-ish grid holding ``n`` tiles."""
    cols = max(1, math.ceil(math.sqrt(n * 16 / 9)))
    return cols, math.ceil(n / cols)


def grid_positions(n: int) -> np.ndarray:
    """(n, 3) tile centres in the XZ plane (row 0 at the top), centred on the origin."""
    cols, rows = grid_shape(n)
    i = np.arange(n)
    x = (i % cols - (cols - 1) / 2) * PITCH
    z = ((rows - 1) / 2 - i // cols) * PITCH
    return np.stack([x, np.zeros(n), z], axis=1)


def catalog_grid(run: Run, look: Look) -> Shot:
    name = "catalog_grid"
    frames = look.frames(name)
    n = run.catalog.thumbnails.shape[0]
    pos = grid_positions(n)
    pred = np.asarray(run.snapshots.predictions[-1])
    outline = np.where(
        (pred == 1)[:, None],
        np.asarray(look.color("spiral"))[None],
        np.asarray(look.color("elliptical"))[None],
    )
    behind = pos + np.array([0.0, 0.02, 0.0])
    items = [
        PointSet(
            f"{name}_tiles",
            positions=Keys.static(pos),
            colors=Keys.static(np.ones((n, 4))),
            material=c.M_TILE,
            radius=TILE / 2,
            shape="square",
            tiles=np.arange(n, dtype=np.int64),
            atlas=c.ATLAS,
        ),
        PointSet(
            f"{name}_outlines",
            positions=Keys.static(behind),
            colors=Keys.static(outline),
            material=c.M_OUTLINE,
            radius=OUTLINE / 2,
            shape="square",
        ),
    ]
    cols, rows = grid_shape(n)
    top = (rows - 1) / 2 * PITCH + 0.3
    left = -(cols - 1) / 2 * PITCH
    items += [
        c.label(
            f"{name}_legend_elliptical",
            "outlined yellow: classified elliptical",
            0.2,
            (left, -0.05, top),
            material=c.M_ELLIPTICAL_TEXT,
            align="left",
        ),
        c.label(
            f"{name}_legend_spiral",
            "outlined blue: classified spiral",
            0.2,
            (-left, -0.05, top),
            material=c.M_SPIRAL_TEXT,
            align="right",
        ),
    ]
    width = cols * PITCH
    far = max(
        width / 2 / math.tan(math.radians(25)),
        (rows * PITCH + 0.9) / 2 / math.tan(math.radians(15)),
    )
    views = [
        (0.0, (0.3, -2.2, 0.2), (0.3, 0.0, 0.1)),
        (0.45, (0.0, -0.55 * far, 0.1), (0.0, 0.0, 0.1)),
        (1.0, (0.0, -far, 0.15), (0.0, 0.0, 0.15)),
    ]
    cam = c.camera_path(f"{name}_camera", frames, views, lens=35.0)
    acc = float((pred == np.asarray(run.catalog.labels)).mean())
    markers = ((1, f"{n} galaxies, {acc:.0%} classified correctly"),)
    return Shot(
        name, "The catalog, as the trained network sees it", 1, frames, cam, tuple(items), markers
    )
