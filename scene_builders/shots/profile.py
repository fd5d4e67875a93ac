"""Shot 4: a magnified 2-D profile of a window of the final activations, both probes.

The window is the run of ``look.profile_units`` consecutive units where the two probes differ
most at the last iteration, so the close-up shows the network telling the images apart. Lines
rise from the baseline at the start of the shot (eased), then the camera travels along them.
"""

from __future__ import annotations

import numpy as np

from ..ir import Keys, Mesh, PointSet, Shot
from ..look import Look
from ..runfile import Run
from . import common as c
from .surfaces import _probe

WIDTH = 8.0
HEIGHT = 2.6
LINE = 0.035


def profile_window(run: Run, look: Look) -> tuple[int, int]:
    """[start, stop) of the units shown: the window where the final responses differ most."""
    acts = run.surfaces.activations[-1].astype(np.float64)
    s, e = _probe(run, 1), _probe(run, 0)
    u = acts.shape[1]
    n = min(u, look.profile_units)
    diff = np.abs(acts[s] - acts[e])
    sums = np.convolve(diff, np.ones(n), mode="valid")
    start = int(np.argmax(sums))
    return start, start + n


def _ribbon(x: np.ndarray, z: np.ndarray, y: float) -> tuple[np.ndarray, np.ndarray]:
    """A flat band of width LINE along the polyline (x, z) in the plane Y = y."""
    p = np.stack([x, z], axis=1)
    d = np.gradient(p, axis=0)
    d /= np.linalg.norm(d, axis=1, keepdims=True) + 1e-12
    nrm = np.stack([-d[:, 1], d[:, 0]], axis=1) * (LINE / 2)
    top, bot = p + nrm, p - nrm
    n = x.shape[0]
    verts = np.empty((2 * n, 3))
    verts[0::2, 0], verts[0::2, 2] = bot[:, 0], bot[:, 1]
    verts[1::2, 0], verts[1::2, 2] = top[:, 0], top[:, 1]
    verts[:, 1] = y
    i = np.arange(n - 1) * 2
    faces = np.stack([i, i + 2, i + 3, i + 1], axis=1)  # counter-clockwise seen from -Y
    return verts, faces.astype(np.int64)


def _area(x: np.ndarray, z: np.ndarray, y: float) -> tuple[np.ndarray, np.ndarray]:
    """The area under the curve, from the baseline up, in the plane Y = y."""
    n = x.shape[0]
    verts = np.empty((2 * n, 3))
    verts[0::2, 0], verts[0::2, 2] = x, 0.0
    verts[1::2, 0], verts[1::2, 2] = x, z
    verts[:, 1] = y
    i = np.arange(n - 1) * 2
    faces = np.stack([i, i + 2, i + 3, i + 1], axis=1)
    return verts, faces.astype(np.int64)


def profile(run: Run, look: Look) -> Shot:
    name = "profile"
    frames = look.frames(name)
    start, stop = profile_window(run, look)
    acts = run.surfaces.activations[-1, :, start:stop].astype(np.float64)
    scale = float(np.max(np.abs(acts))) or 1.0
    n = stop - start
    x = np.linspace(-WIDTH / 2, WIDTH / 2, n)
    rise = np.array([1.0, 1.0 + 0.3 * (frames - 1)])
    items, dots, dot_colors = [], [], []
    for k, (kind, colour, y) in enumerate(
        (("spiral", "spiral", -0.02), ("elliptical", "elliptical", 0.02))
    ):
        z = acts[_probe(run, 1 if kind == "spiral" else 0)] / scale * HEIGHT
        for part, build, yy, mat in (
            ("line", _ribbon, y, c.M_SPIRAL if kind == "spiral" else c.M_ELLIPTICAL),
            ("area", _area, 0.25 + 0.1 * k, c.M_FLOOR),
        ):
            v1, faces = build(x, z, yy)
            v0, _ = build(x, np.zeros_like(z) + 1e-3 * (part == "line"), yy)
            if part == "area":
                col = np.asarray(look.color(colour), float)
                colors = np.tile(np.r_[col[:3] * 0.22, 1.0], (v1.shape[0], 1))
                items.append(
                    Mesh(
                        f"{name}_{kind}_area",
                        v0,
                        faces,
                        c.M_SURFACE,
                        states=Keys(rise, np.stack([v0, v1]), "bezier"),
                        colors=colors,
                    )
                )
            else:
                items.append(
                    Mesh(
                        f"{name}_{kind}_line",
                        v0,
                        faces,
                        mat,
                        states=Keys(rise, np.stack([v0, v1]), "bezier"),
                    )
                )
        dots.append(np.stack([x, np.full(n, y - 0.04), z], axis=1))
        dot_colors.append(np.tile(look.color(colour), (n, 1)))
    pos1 = np.concatenate(dots)
    pos0 = pos1.copy()
    pos0[:, 2] = 0.0
    items.append(
        PointSet(
            f"{name}_dots",
            positions=Keys(rise, np.stack([pos0, pos1]), "bezier"),
            colors=Keys.static(np.concatenate(dot_colors)),
            material=c.M_DOTS,
            radius=0.03,
        )
    )
    w = WIDTH / 2
    items += [
        c.box(f"{name}_baseline", (-w - 0.2, -0.03, -0.05), (w + 0.2, 0.03, -0.01), c.M_AXIS),
        c.label(f"{name}_unit_first", f"unit {start}", 0.2, (-w, -0.1, -0.4), align="left"),
        c.label(f"{name}_unit_last", f"unit {stop - 1}", 0.2, (w, -0.1, -0.4), align="right"),
        c.label(
            f"{name}_caption",
            f"final iteration: {n} of {run.units} activations",
            0.22,
            (0.0, -0.1, -0.4),
        ),
        c.label(
            f"{name}_legend_spiral",
            "spiral",
            0.3,
            (-w, -0.1, HEIGHT + 0.3),
            material=c.M_SPIRAL_TEXT,
            align="left",
        ),
        c.label(
            f"{name}_legend_elliptical",
            "elliptical",
            0.3,
            (-w + 1.5, -0.1, HEIGHT + 0.3),
            material=c.M_ELLIPTICAL_TEXT,
            align="left",
        ),
    ]
    views = [
        (0.0, (-2.6, -3.6, 1.3), (-2.6, 0.0, 1.0)),
        (0.55, (1.6, -3.8, 1.4), (1.6, 0.0, 1.1)),
        (1.0, (0.0, -10.4, 1.6), (0.0, 0.0, 1.25)),
    ]
    cam = c.camera_path(f"{name}_camera", frames, views, lens=35.0)
    return Shot(name, "A close look at the final responses", 1, frames, cam, tuple(items))
