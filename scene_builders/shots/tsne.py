"""Shot 6: the catalog's t-SNE tracks, one textured sphere per galaxy, checkpoint to checkpoint.

Spheres hold still at each checkpoint for ``look.tsne_hold`` of its time and glide (eased,
flat tangents) to the next. Colour tints each sphere's galaxy texture: pale blue or yellow by
predicted class, red while misclassified; colours switch (constant keys) halfway through each
glide. The camera orbits the cloud the whole time so the 3-D structure reads.
"""

from __future__ import annotations

import numpy as np

from ..ir import Keys, PointSet, Shot
from ..look import Look
from ..runfile import Run
from . import common as c
from .surfaces import ShotSkipped

SPAN = 2.2  # metres for the unit box's half side


def checkpoint_frames(k: int, frames: int, hold: float) -> tuple[np.ndarray, np.ndarray]:
    """(arrive, leave) frames of each checkpoint; the last one is held to the shot's end."""
    unit = (frames - 1) / (k - 1 + 1.5) if k > 1 else frames - 1
    arrive = 1.0 + unit * np.arange(k)
    leave = arrive + hold * unit
    leave[-1] = float(frames)
    return arrive, leave


def sphere_colors(run: Run, look: Look) -> np.ndarray:
    """(K, N, 4) sRGB tints: class colour by prediction, red where the prediction is wrong."""
    pred = np.asarray(run.snapshots.predictions)
    truth = np.asarray(run.catalog.labels)[None]
    spiral = c.tint(look.color("spiral"), 0.65)
    ellip = c.tint(look.color("elliptical"), 0.65)
    cols = np.where((pred == 1)[..., None], spiral, ellip)
    return np.where((pred != truth)[..., None], np.asarray(look.color("misclassified")), cols)


def tsne(run: Run, look: Look) -> Shot:
    name = "tsne"
    if run.projection is None:
        raise ShotSkipped("the run file has no t-SNE tracks (run `galaxyreel project` first)")
    frames = look.frames(name)
    pos = np.asarray(run.projection.positions, np.float64)
    # Fill the stage whatever the projection's own spread (robust to a few far outliers).
    extent = float(np.percentile(np.abs(pos), 99.5)) or 1.0
    pos = pos / extent * SPAN
    k, n = pos.shape[:2]
    arrive, leave = checkpoint_frames(k, frames, look.tsne_hold)
    key_frames, key_values = [], []
    for i in range(k):
        key_frames.append(arrive[i])
        key_values.append(pos[i])
        if leave[i] > arrive[i] + 1e-6:
            key_frames.append(leave[i])
            key_values.append(pos[i])
    positions = Keys(np.array(key_frames), np.stack(key_values), "bezier")
    switch = np.r_[1.0, (leave[:-1] + arrive[1:]) / 2]
    colors = Keys(switch, sphere_colors(run, look), "constant")
    spheres = PointSet(
        f"{name}_spheres",
        positions=positions,
        colors=colors,
        material=c.M_SPHERE,
        radius=look.sphere_radius,
        shape="sphere",
        tiles=np.arange(n, dtype=np.int64),
        atlas=c.SPHERE_ATLAS,
    )
    # Orbit, closing in as the clusters tighten: the radius follows the cloud's spread and the
    # aim its centre (mid-range of the 5th-95th percentiles: the median sits on a dense arm), both sampled where the spheres really are when the camera gets
    # there (camera_path eases its progress, so waypoint t is reached at frame
    # smoothstep^-1(t)); the final clusters of a real run rarely sit at the box's centre.
    t_keys = np.linspace(0, 1, 12)
    progress = 0.5 - np.sin(np.arcsin(1 - 2 * t_keys) / 3)  # inverse of 3p^2 - 2p^3
    at = [positions.at(1 + p * (frames - 1)) for p in progress]
    aim = np.array([(np.percentile(q, 5, 0) + np.percentile(q, 95, 0)) / 2 for q in at])
    cloud = np.array(
        [np.percentile(np.linalg.norm(q - g, axis=1), 90) for q, g in zip(at, aim, strict=True)]
    )
    angles = np.radians(np.linspace(-120.0, 20.0, t_keys.shape[0]))
    views = [
        (t, (g[0] + r * np.cos(a), g[1] + r * np.sin(a), g[2] + 0.3 * r), tuple(g))
        for t, a, r, g in zip(t_keys, angles, np.clip(cloud * 3.2, 2.0, 9.0), aim, strict=True)
    ]
    cam = c.camera_path(f"{name}_camera", frames, views, lens=35.0)
    acc = run.snapshots.accuracy(run.catalog.labels)
    steps = run.snapshots.step
    markers = tuple(
        (
            int(round(arrive[i])),
            f"checkpoint {i + 1} of {k}: step {int(steps[i])}, {acc[i]:.0%} correct",
        )
        for i in range(k)
    )
    return Shot(
        name, "The catalog in the network's eyes, learning", 1, frames, cam, (spheres,), markers
    )
