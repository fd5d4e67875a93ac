"""Helpers every shot uses: smooth camera paths, labels, bars, the shared materials.

Camera moves are sampled every frame from a smooth path (cubic Hermite through waypoints, eased
at both ends) and written as *linear* keys, with the rotation recomputed from look-at at every
sample. That costs a few hundred keys per shot and buys moves that never stop at a waypoint and
that every writer (Blender, Maya, USD's linear time samples) reproduces exactly.
"""

from __future__ import annotations

import numpy as np

from ..ir import Camera, Keys, Label, Material, Mesh, Transform, look_at_euler
from ..look import Look

ATLAS = "catalog_atlas"
SPHERE_ATLAS = "sphere_atlas"  # the same tiles with lifted blacks, so tinted spheres read

# Material names the shots use; ``materials(look)`` defines them all.
M_FLOOR = "floor"
M_AXIS = "axis"
M_TEXT = "text"
M_STAGE = "stage"
M_SURFACE = "surface"  # per-vertex colour
M_SPIRAL = "spiral"
M_ELLIPTICAL = "elliptical"
M_SPIRAL_TEXT = "spiral_text"
M_ELLIPTICAL_TEXT = "elliptical_text"
M_DOTS = "dots"  # per-point colour, lit
M_OUTLINE = "outline"  # per-point colour, self-lit
M_TILE = "tile"  # atlas, self-lit, exact thumbnail colours
M_SPHERE = "sphere"  # atlas times per-point colour, lit


def materials(look: Look) -> dict[str, Material]:
    c = look.color
    mats = [
        Material(M_FLOOR, c("floor"), roughness=0.9, emission=0.4),
        Material(M_AXIS, c("axis"), roughness=0.6, emission=0.8),
        Material(M_TEXT, c("text"), roughness=0.6, emission=1.2),
        Material(M_STAGE, c("stage"), roughness=0.6, emission=1.5),
        Material(
            M_SURFACE, (1.0, 1.0, 1.0, 1.0), roughness=0.6, emission=0.3, use_vertex_color=True
        ),
        Material(M_SPIRAL, c("spiral"), roughness=0.5, emission=1.0),
        Material(M_ELLIPTICAL, c("elliptical"), roughness=0.5, emission=1.0),
        Material(M_SPIRAL_TEXT, c("spiral"), roughness=0.6, emission=1.5),
        Material(M_ELLIPTICAL_TEXT, c("elliptical"), roughness=0.6, emission=1.5),
        Material(M_DOTS, (1.0, 1.0, 1.0, 1.0), roughness=0.4, emission=0.6),
        Material(M_OUTLINE, (1.0, 1.0, 1.0, 1.0), roughness=1.0, emission=1.6),
        Material(M_TILE, (1.0, 1.0, 1.0, 1.0), roughness=1.0, emission=1.0, texture=ATLAS),
        Material(M_SPHERE, (1.0, 1.0, 1.0, 1.0), roughness=0.6, emission=0.5, texture=SPHERE_ATLAS),
    ]
    return {m.name: m for m in mats}


def smoothstep(t: np.ndarray) -> np.ndarray:
    t = np.clip(t, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def hermite_path(times, points, at) -> np.ndarray:
    """Smooth curve through ``points`` (W, D) at ``times`` (W,), zero velocity at both ends."""
    times = np.asarray(times, float)
    pts = np.asarray(points, float)
    at = np.clip(np.asarray(at, float), times[0], times[-1])
    tang = np.zeros_like(pts)
    if len(times) > 2:
        tang[1:-1] = (pts[2:] - pts[:-2]) / (times[2:] - times[:-2])[:, None]
    i = np.clip(np.searchsorted(times, at, side="right") - 1, 0, len(times) - 2)
    h = times[i + 1] - times[i]
    s = ((at - times[i]) / h)[:, None]
    h00 = 2 * s**3 - 3 * s**2 + 1
    h10 = s**3 - 2 * s**2 + s
    h01 = -2 * s**3 + 3 * s**2
    h11 = s**3 - s**2
    return (
        h00 * pts[i]
        + h10 * h[:, None] * tang[i]
        + h01 * pts[i + 1]
        + h11 * h[:, None] * tang[i + 1]
    )


def camera_path(
    name: str,
    frames: int,
    waypoints: list[tuple[float, tuple, tuple]],
    lens: float = 35.0,
) -> Camera:
    """A camera gliding through ``(t, eye, target)`` waypoints, ``t`` in 0..1 of the shot.

    Keys at every frame (1..frames), linear; the overall progress is eased so the move starts
    and ends at rest.
    """
    t = np.array([w[0] for w in waypoints], float)
    eyes = np.array([w[1] for w in waypoints], float)
    targets = np.array([w[2] for w in waypoints], float)
    f = np.arange(1, frames + 1, dtype=float)
    u = smoothstep((f - 1) / max(1, frames - 1))
    eye = hermite_path(t, eyes, u)
    tgt = hermite_path(t, targets, u)
    rot = np.array([look_at_euler(e, g) for e, g in zip(eye, tgt, strict=True)])
    rot = np.unwrap(rot, axis=0)
    transform = Transform(location=Keys(f, eye, "linear"), rotation=Keys(f, rot, "linear"))
    return Camera(name, transform, focal_length=Keys.static(lens))


def appear(frame: float, grow: float = 6.0) -> Keys:
    """Scale keys: invisible (0) until ``frame``, then eased to full size over ``grow`` frames."""
    if frame <= 1.0:
        return Keys.static([1.0, 1.0, 1.0])
    f0 = max(1.0, frame - 1.0)
    return Keys(np.array([f0, f0 + grow]), np.array([[0.0] * 3, [1.0] * 3]), "bezier")


def label(
    name: str,
    text: str,
    size: float,
    location,
    rotation=(0.0, 0.0, 0.0),
    material: str = M_TEXT,
    align: str = "center",
    scale: Keys | None = None,
) -> Label:
    """Text standing upright in the XZ plane, facing -Y, unless ``rotation`` turns it."""
    tr = Transform(
        location=Keys.static(list(location)),
        rotation=Keys.static(list(rotation)),
        scale=scale or Keys.static([1.0, 1.0, 1.0]),
    )
    return Label(name, text, size, material, transform=tr, align=align)


def box(name: str, lo, hi, material: str, scale: Keys | None = None) -> Mesh:
    """An axis-aligned box from corner ``lo`` to ``hi`` (thin ones make bars and axes)."""
    lo = np.asarray(lo, float)
    hi = np.asarray(hi, float)
    centre = (lo + hi) / 2
    half = (hi - lo) / 2
    corners = np.array([[x, y, z] for z in (-1, 1) for y in (-1, 1) for x in (-1, 1)], float) * half
    faces = np.array(
        [
            [0, 2, 3, 1],  # bottom (-Z)
            [4, 5, 7, 6],  # top (+Z)
            [0, 1, 5, 4],  # front (-Y)
            [2, 6, 7, 3],  # back (+Y)
            [0, 4, 6, 2],  # left (-X)
            [1, 3, 7, 5],  # right (+X)
        ],
        np.int64,
    )
    tr = Transform(
        location=Keys.static(centre),
        scale=scale or Keys.static([1.0, 1.0, 1.0]),
    )
    return Mesh(name, corners, faces, material, transform=tr)


def grid_faces(rows: int, cols: int) -> np.ndarray:
    """Quads of a rows x cols vertex grid (row-major), counter-clockwise seen from +Z
    when columns run along +X and rows along +Y."""
    r, c = np.meshgrid(np.arange(rows - 1), np.arange(cols - 1), indexing="ij")
    v = (r * cols + c).ravel()
    return np.stack([v, v + 1, v + cols + 1, v + cols], axis=1).astype(np.int64)


def tint(color, amount: float) -> np.ndarray:
    """``color`` mixed towards white (``amount`` 0 = white, 1 = the colour)."""
    c = np.asarray(color, float)
    out = 1.0 - amount * (1.0 - c)
    out[..., 3:] = c[..., 3:]
    return out
