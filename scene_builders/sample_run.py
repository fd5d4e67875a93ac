"""A plausible run made with numpy alone, for tests and benchmarks of everything downstream.

Scene, farm, Maya, USD and compositing work must be testable without training a network (a
minute of TensorFlow per test would sink the suite). This builds a :class:`~runfile.Run` whose
arrays have the shapes and the *story* of a real one: probe responses that start alike and
diverge, stages that change the response, a catalog whose accuracy climbs from near chance to
perfect, and 3D tracks that separate into two clusters. It is not a substitute for the trainer's
own tests, which use the real network.
"""

from __future__ import annotations

import numpy as np

from .runfile import (
    Catalog,
    Probes,
    Projection,
    Run,
    Snapshots,
    Surfaces,
    Training,
    UnfreezeEvent,
)


def _thumbs(rng: np.random.Generator, labels: np.ndarray, size: int) -> np.ndarray:
    """Cheap galaxy-like thumbnails: a yellow-red blob (elliptical) or a blue two-arm swirl."""
    n = labels.shape[0]
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    xx = (xx - size / 2 + 0.5) / (size / 2)
    yy = (yy - size / 2 + 0.5) / (size / 2)
    ang = rng.uniform(0, np.pi, n)[:, None, None]
    q = rng.uniform(0.5, 1.0, n)[:, None, None]
    xr = xx * np.cos(ang) + yy * np.sin(ang)
    yr = (-xx * np.sin(ang) + yy * np.cos(ang)) / q
    r = np.sqrt(xr**2 + yr**2) + 1e-3
    theta = np.arctan2(yr, xr)
    bulge = np.exp(-((r / 0.25) ** 0.5) * 3)
    arms = np.clip(np.cos(2 * (theta - 3.0 * np.log(r))), 0, None) ** 2 * np.exp(-r / 0.45)
    spiral = labels[:, None, None] == 1
    lum = np.where(spiral, 0.6 * bulge + 0.8 * arms, np.exp(-((r / 0.35) ** 1.2) * 2.5))
    lum = np.clip(lum + rng.normal(0, 0.02, lum.shape), 0, 1)
    red = np.where(spiral, 0.75, 1.0)[..., None]
    tint = np.concatenate(
        [red, np.where(spiral, 0.85, 0.85)[..., None], np.where(spiral, 1.0, 0.55)[..., None]],
        axis=-1,
    )
    img = np.sqrt(lum)[..., None] * tint
    return (np.clip(img, 0, 1) * 255).astype(np.uint8)


def make_sample_run(
    *,
    iterations: int = 60,
    checkpoints: int = 11,
    catalog: int = 200,
    units: int = 1024,
    thumb: int = 32,
    seed: int = 0,
    with_projection: bool = True,
) -> Run:
    """Build a consistent, deterministic run of the given size."""
    rng = np.random.default_rng(seed)
    u = units
    common = np.abs(rng.normal(0.4, 0.3, u)).astype(np.float32)
    direction = rng.normal(0, 1, u).astype(np.float32)
    direction /= np.linalg.norm(direction) / np.sqrt(u)

    # Probes: spiral first, then elliptical.
    probe_labels = np.array([1, 0])
    probe_images = _thumbs(rng, probe_labels, 64)
    t = np.arange(iterations)
    alpha = (t / max(1, iterations - 1)).astype(np.float32)  # training progress 0..1
    stage = np.searchsorted([0.3, 0.65], alpha, side="right").astype(np.int64)
    signs = np.where(probe_labels == 1, 1.0, -1.0).astype(np.float32)
    wiggle = rng.normal(0, 0.05, (iterations, 2, u)).astype(np.float32)
    boost = (1 + 0.3 * stage)[:, None, None]
    acts = (
        common[None, None]
        + boost * alpha[:, None, None] ** 1.5 * signs[None, :, None] * direction[None, None] * 0.5
        + wiggle
    )
    acts = np.maximum(acts, 0).astype(np.float32)
    steps_per_iter = 5
    step = (t + 1) * steps_per_iter
    steps_per_epoch = max(1, iterations * steps_per_iter // 6)
    surfaces = Surfaces(
        acts, step.astype(np.int64), (step / steps_per_epoch).astype(np.float32), stage
    )

    n = catalog
    labels = (np.arange(n) % 2).astype(np.int64)
    rng.shuffle(labels)
    thumbs = _thumbs(rng, labels, thumb)
    ids = tuple(f"synthetic-{i:05d}" for i in range(n))

    ck = np.unique(np.round(np.geomspace(1, iterations, checkpoints)).astype(int))
    while ck.shape[0] < checkpoints:  # geomspace collapses at the start for short runs
        ck = np.unique(np.concatenate([ck, [ck.max() + 1]]))
    ck = ck[:checkpoints] - 1
    ck = np.minimum(ck, iterations - 1)
    ck_alpha = alpha[ck]
    difficulty = rng.uniform(0, 1, n).astype(np.float32)
    s = np.where(labels == 1, 1.0, -1.0).astype(np.float32)
    # Margin grows with training; hard items flip sign early, so early predictions are poor.
    margin = s[None] * (ck_alpha[:, None] * 5 + 1.0 - 2.0 * difficulty[None]) + rng.normal(
        0, 0.8, (checkpoints, n)
    ) * (1 - ck_alpha[:, None])
    margin[-1] = s * (3 + difficulty)
    p_spiral = 1 / (1 + np.exp(-margin))
    probs = np.stack([1 - p_spiral, p_spiral], axis=-1).astype(np.float32)
    preds = probs.argmax(-1).astype(np.int64)
    cat_acts = (
        common[None, None]
        + (margin[..., None] * 0.08) * direction[None, None]
        + rng.normal(0, 0.05, (checkpoints, n, u))
    )
    snapshots = Snapshots(
        step[ck].astype(np.int64),
        surfaces.epoch[ck],
        np.maximum(cat_acts, 0).astype(np.float32),
        probs,
        preds,
    )

    events = (
        UnfreezeEvent(
            int(step[np.argmax(stage == 1)]),
            float(surfaces.epoch[np.argmax(stage == 1)]),
            1,
            "unfreeze the last backbone block",
        ),
        UnfreezeEvent(
            int(step[np.argmax(stage == 2)]),
            float(surfaces.epoch[np.argmax(stage == 2)]),
            2,
            "unfreeze the whole backbone",
        ),
    )
    training = Training(
        config={"backbone": "sample", "image_size": 64, "preset": "sample", "units": u},
        seed=seed,
        history={
            "accuracy": np.linspace(0.6, 1.0, 6),
            "val_accuracy": np.linspace(0.55, 1.0, 6),
            "loss": np.linspace(0.7, 0.01, 6),
        },
        events=events,
    )

    projection = None
    if with_projection:
        base = rng.normal(0, 0.35, (n, 3)).astype(np.float32)
        pos = np.empty((checkpoints, n, 3), np.float32)
        for i, a in enumerate(ck_alpha):
            centre = np.zeros((n, 3), np.float32)
            centre[:, 0] = np.tanh(margin[i]) * 0.55 * a
            pos[i] = np.clip(base * (1 - 0.6 * a) + centre, -1, 1)
        projection = Projection(
            pos,
            "sample",
            {"seed": seed},
            np.linspace(0.8, 0.95, checkpoints).astype(np.float32),
            (preds == labels[None]).mean(1).astype(np.float32),
        )
    probes = Probes(probe_images, probe_labels, ("probe-spiral", "probe-elliptical"))
    return Run(probes, surfaces, Catalog(thumbs, labels, ids), snapshots, training, projection)
