"""Shots 1-3: the probes' 1024-D responses laid down iteration by iteration as surfaces.

Units run along X (8 m), iterations along +Y (5 m, away from the camera), activation is height.
The surface grows by one row per state: in state ``s`` rows ``> s`` are folded onto row ``s``,
so linear interpolation between states extrudes the next row out of the growing edge at a
steady rate. Heights share one scale across both probes so the merged shot compares like with
like. Unfreezing events appear as bars across the surface when the growing edge reaches them.
"""

from __future__ import annotations

import numpy as np

from ..ir import Keys, Mesh, SceneError, Shot
from ..look import Look
from ..runfile import Run
from . import common as c

WIDTH = 8.0
DEPTH = 5.0
HEIGHT = 1.4
GROW_START = 0.06  # share of the shot before the first row moves
GROW_END = 0.86  # share of the shot when the last row lands
LENS = 22.0  # mm: wide enough that the axis titles and stage captions stay in frame at the end


class ShotSkipped(SceneError):
    """The run lacks what this shot shows; the build skips it and says why."""


def _probe(run: Run, label: int) -> int:
    idx = np.flatnonzero(np.asarray(run.probes.labels) == label)
    if idx.size == 0:
        kind = "spiral" if label == 1 else "elliptical"
        raise ShotSkipped(f"the run has no {kind} probe image")
    return int(idx[0])


def _layout(run: Run, look: Look):
    """Row iterations, unit columns and the shared height scale."""
    acts = run.surfaces.activations
    t, _, u = acts.shape
    rows = np.unique(np.round(np.linspace(0, t - 1, min(t, look.surface_rows))).astype(np.int64))
    cols = np.unique(np.round(np.linspace(0, u - 1, min(u, look.surface_units))).astype(np.int64))
    shown = acts[rows][:, :, cols].astype(np.float64)
    scale = float(np.max(np.abs(shown))) or 1.0
    return rows, cols, scale


def _state_frames(frames: int, n: int) -> np.ndarray:
    a = 1 + GROW_START * (frames - 1)
    b = 1 + GROW_END * (frames - 1)
    if n == 1:
        return np.array([a])
    return np.linspace(a, b, n)


def surface_mesh(
    name: str, run: Run, look: Look, probe: int, frames: int, color
) -> tuple[Mesh, np.ndarray]:
    """The growing surface of one probe, and the frame at which each row lands."""
    rows, cols, scale = _layout(run, look)
    r, u = rows.shape[0], cols.shape[0]
    x = np.linspace(-WIDTH / 2, WIDTH / 2, u)
    y = np.linspace(-DEPTH / 2, DEPTH / 2, r) if r > 1 else np.zeros(1)
    z = run.surfaces.activations[rows, probe][:, cols].astype(np.float64) / scale * HEIGHT
    grid = np.empty((r, u, 3), np.float64)
    grid[..., 0] = x[None, :]
    grid[..., 1] = y[:, None]
    grid[..., 2] = z
    states = np.empty((r, r, u, 3), np.float32)
    for s in range(r):
        states[s, : s + 1] = grid[: s + 1]
        states[s, s + 1 :] = grid[s][None]
    faces = c.grid_faces(r, u) if r > 1 else np.zeros((0, 4), np.int64)
    # Brighter where the response is stronger: the eye reads height from colour too.
    shade = 0.28 + 0.72 * np.clip(z / HEIGHT, 0, 1) ** 0.8
    base = np.asarray(color, float)
    rgb = base[None, None, :3] * shade[..., None] + 0.35 * np.clip(z / HEIGHT, 0, 1)[..., None] ** 3
    colors = np.concatenate([np.clip(rgb, 0, 1), np.ones((r, u, 1))], axis=2).reshape(-1, 4)
    land = _state_frames(frames, r)
    mesh = Mesh(
        name,
        vertices=states[0].reshape(-1, 3).astype(np.float64),
        faces=faces,
        material=c.M_SURFACE,
        states=Keys(land, states.reshape(r, -1, 3), "linear"),
        colors=colors,
        smooth=True,
    )
    return mesh, land


def _stage_items(prefix: str, run: Run, look: Look, land: np.ndarray):
    """Bars and captions where each unfreezing stage begins; (items, markers)."""
    rows, _, _ = _layout(run, look)
    stage = np.asarray(run.surfaces.stage)
    events = {int(ev.stage): ev.description for ev in run.training.events}
    items, markers = [], []
    y_rows = np.linspace(-DEPTH / 2, DEPTH / 2, rows.shape[0]) if rows.shape[0] > 1 else [0.0]
    for st in sorted(set(int(v) for v in stage[1:]) - {int(stage[0])}):
        t_e = int(np.argmax(stage >= st))
        if t_e == 0:
            continue
        y_e = float(np.interp(t_e, rows, y_rows))
        f_e = float(np.interp(t_e, rows, land))
        text = f"stage {st}: {events.get(st, 'unfreeze more layers')}"
        grow = c.appear(f_e)
        items.append(
            c.box(
                f"{prefix}_stage{st}_bar",
                (-WIDTH / 2 - 0.25, y_e - 0.018, -0.02),
                (WIDTH / 2 + 0.05, y_e + 0.018, 0.02),
                c.M_STAGE,
                scale=grow,
            )
        )
        items.append(
            c.label(
                f"{prefix}_stage{st}_label",
                f"stage {st}",  # the full description goes to the timeline marker
                0.3,
                # Floating above the surface's left end, reading rightwards: a caption on the
                # floor left of the surface ran out of frame at the end of the camera move.
                # Stacked by stage: stages often begin a few rows apart.
                (-WIDTH / 2, y_e, HEIGHT + 0.3 + 0.45 * (st - 1)),
                material=c.M_STAGE,
                align="left",
                scale=grow,
            )
        )
        markers.append((int(round(f_e)), text))
    return items, markers


def _frame_items(prefix: str, units: int) -> list:
    """Floor and axis titles shared by the three surface shots."""
    w, d = WIDTH / 2, DEPTH / 2
    return [
        c.box(f"{prefix}_floor", (-w - 0.5, -d - 0.5, -0.06), (w + 0.5, d + 0.5, -0.03), c.M_FLOOR),
        c.box(f"{prefix}_axis_units", (-w, -d - 0.28, -0.02), (w, -d - 0.25, 0.01), c.M_AXIS),
        c.label(
            f"{prefix}_title_units",
            f"{units} activations of the penultimate layer",
            0.3,
            (0.0, -d - 0.3, -0.45),
        ),
        c.label(
            f"{prefix}_title_iterations",
            "training iterations",
            0.3,
            (w + 0.3, 0.0, 0.05),
            rotation=(0.0, 0.0, np.pi / 2),
        ),
    ]


_VIEWS = {
    # (t, eye, target) waypoints: high enough to watch the rows pile up, drifting sideways.
    "spiral_surface": [
        (0.0, (1.0, -8.0, 4.6), (0.0, -0.8, 0.1)),
        (0.55, (3.5, -7.6, 4.6), (0.0, -0.2, 0.2)),
        (1.0, (6.2, -5.6, 4.4), (0.0, 0.3, 0.2)),
    ],
    "elliptical_surface": [
        (0.0, (5.6, -6.4, 5.2), (0.0, -0.6, 0.1)),
        (0.55, (2.6, -7.8, 4.6), (0.0, -0.2, 0.2)),
        (1.0, (0.4, -8.4, 3.6), (0.0, 0.2, 0.3)),
    ],
    "merged_surfaces": [
        (0.0, (2.0, -8.8, 2.6), (0.0, -0.3, 0.4)),
        (0.5, (6.2, -6.2, 2.8), (0.0, 0.0, 0.4)),
        (1.0, (8.2, -1.8, 3.3), (0.0, 0.3, 0.3)),
    ],
}

_TITLES = {
    "spiral_surface": "How the network responds to a spiral galaxy",
    "elliptical_surface": "How the network responds to an elliptical galaxy",
    "merged_surfaces": "Both responses, replayed together",
}


def _shot(name: str, run: Run, look: Look, probes: list[tuple[str, int, str]]) -> Shot:
    frames = look.frames(name)
    items, land = [], None
    for kind, probe, colour in probes:
        mesh, land = surface_mesh(f"{name}_{kind}", run, look, probe, frames, look.color(colour))
        items.append(mesh)
    stage_items, markers = _stage_items(name, run, look, land)
    items += stage_items + _frame_items(name, run.units)
    cam = c.camera_path(f"{name}_camera", frames, _VIEWS[name], lens=LENS)
    return Shot(name, _TITLES[name], 1, frames, cam, tuple(items), tuple(markers))


def spiral_surface(run: Run, look: Look) -> Shot:
    return _shot("spiral_surface", run, look, [("surface", _probe(run, 1), "spiral")])


def elliptical_surface(run: Run, look: Look) -> Shot:
    return _shot("elliptical_surface", run, look, [("surface", _probe(run, 0), "elliptical")])


def merged_surfaces(run: Run, look: Look) -> Shot:
    return _shot(
        "merged_surfaces",
        run,
        look,
        [
            ("spiral", _probe(run, 1), "spiral"),
            ("elliptical", _probe(run, 0), "elliptical"),
        ],
    )
