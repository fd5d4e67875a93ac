"""3D t-SNE tracks of the catalog across checkpoints that flow instead of jumping.

Independent t-SNE runs land in arbitrary rotations, reflections and scales, so spheres animated
between them would jump. Two things make consecutive checkpoints comparable:

* **Chaining.** Checkpoint k's embedding starts from checkpoint k-1's (rescaled to t-SNE's
  recommended initial spread) and skips most of the early exaggeration, so what moves is what the
  network changed. Only the first checkpoint gets the full optimisation; the others are cheaper,
  which is also what keeps 11 x 1000 x 1024 inside the time budget.
* **Alignment.** Each embedding is then fitted to its (already aligned) predecessor by orthogonal
  Procrustes with scale and translation. Reflections are allowed on purpose: a mirrored t-SNE map
  is as valid as the original, and forbidding it would leave flips in the film.

Finally one similarity transform for the whole sequence puts every position in the box
[-1, 1]^3 that the scenes assume (a per-checkpoint normalisation would fake motion).

This module is a numpy/scikit-learn/openTSNE core: arrays in, arrays out. The one exception is
:func:`project_run`, a short adapter over ``scene_builders.runfile``. It never imports
TensorFlow: ``galaxyreel project`` must start fast and run where TensorFlow is absent.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scene_builders.runfile import Projection

from .errors import TrainerError

METHODS = ("opentsne", "sklearn", "pca")
"""openTSNE (Barnes-Hut; its FFT gradient refuses 3D) is the engine; sklearn's Barnes-Hut TSNE
is the fallback when openTSNE is missing; ``pca`` is a linear baseline that takes a second."""

PCA_DIMS = 50
METRIC_NEIGHBOURS = 10
EXAGGERATION = 12.0
THETA = 0.8
"""Barnes-Hut opening angle. openTSNE's default 0.5 cost ~1.7x the time for the same
trustworthiness (0.9558 vs 0.9554 on the bench's 11 x 1000 x 1024 input)."""
FIRST_SCHEDULE = (250, 500)
"""(early exaggeration, normal) iterations for the first checkpoint, or every one if independent."""
CHAINED_SCHEDULE = (0, 250)
"""For a chained checkpoint. Starting from the predecessor's layout, no exaggeration phase is
needed to untangle clusters; 250 iterations reach the same final trustworthiness as the full
schedule (``bench/projection.py``), so 11 checkpoints cost 40% of independent runs."""


@dataclass(frozen=True)
class Similarity:
    """``y = scale * x @ rotation + translation``; ``rotation`` is orthogonal (det may be -1)."""

    rotation: np.ndarray  # (D, D)
    scale: float
    translation: np.ndarray  # (D,)

    def apply(self, x: np.ndarray) -> np.ndarray:
        return self.scale * (np.asarray(x) @ self.rotation) + self.translation


# ----------------------------------------------------------------------------- linear algebra


def reduce_pca(x: np.ndarray, dims: int = PCA_DIMS) -> np.ndarray:
    """Centre ``x`` (N, U) and keep its first ``dims`` principal components (scores), float64.

    Each checkpoint gets its own basis: t-SNE only sees distances, which the top components
    preserve, and a checkpoint's own basis keeps the most of them.
    """
    from threadpoolctl import threadpool_limits

    x = np.asarray(x, np.float64)
    x = x - x.mean(axis=0)
    d = int(min(dims, x.shape[0] - 1, x.shape[1]))
    # One BLAS thread: right after openTSNE's OpenMP threads, two BLAS threads on 2 busy cores
    # were measured 30x slower (2.7 s vs 0.09 s for 1000 x 1024); 1 thread is 2x faster even
    # when nothing else runs.
    with threadpool_limits(limits=1, user_api="blas"):
        if min(x.shape) <= 2 * d:
            u, s, _ = np.linalg.svd(x, full_matrices=False)
        else:  # a full SVD of 1000 x 1024 was a fifth of the whole projection's time
            from sklearn.utils.extmath import randomized_svd

            u, s, _ = randomized_svd(x, d, n_oversamples=20, n_iter=6, random_state=0)
    return u[:, :d] * s[:d]


def procrustes(source: np.ndarray, target: np.ndarray) -> Similarity:
    """The similarity (rotation or reflection, scale, translation) that best maps ``source`` onto
    ``target`` (both (N, D), rows paired) in the least-squares sense."""
    source = np.asarray(source, np.float64)
    target = np.asarray(target, np.float64)
    ms, mt = source.mean(axis=0), target.mean(axis=0)
    a, b = source - ms, target - mt
    u, s, vt = np.linalg.svd(a.T @ b)
    rotation = u @ vt
    norm = float((a * a).sum())
    scale = float(s.sum() / norm) if norm > 0 else 1.0
    return Similarity(rotation, scale, mt - scale * (ms @ rotation))


def align_sequence(positions: np.ndarray) -> np.ndarray:
    """Fit each checkpoint to its already-aligned predecessor; the first stays where it is."""
    out = np.array(positions, np.float64, copy=True)
    for k in range(1, out.shape[0]):
        out[k] = procrustes(out[k], out[k - 1]).apply(out[k])
    return out


def fit_box(positions: np.ndarray) -> np.ndarray:
    """One translation + uniform scale for all checkpoints so the tracks fill [-1, 1]^3."""
    p = np.asarray(positions, np.float64)
    lo, hi = p.min(axis=(0, 1)), p.max(axis=(0, 1))
    centre = (lo + hi) / 2
    half = float((hi - lo).max() / 2)
    p = (p - centre) / (half if half > 0 else 1.0)
    return np.clip(p, -1.0, 1.0).astype(np.float32)


# ----------------------------------------------------------------------------- quality


def knn_agreement(embedding: np.ndarray, labels: np.ndarray, k: int = METRIC_NEIGHBOURS) -> float:
    """Mean fraction of each point's ``k`` nearest 3D neighbours (itself excluded) that share its
    ground-truth class: 0.5 for a random map of two balanced classes, 1.0 for clean clusters."""
    from sklearn.neighbors import NearestNeighbors

    labels = np.asarray(labels)
    k = int(min(k, labels.shape[0] - 1))
    idx = NearestNeighbors(n_neighbors=k).fit(embedding).kneighbors(return_distance=False)
    return float((labels[idx] == labels[:, None]).mean())


def trustworthiness(high: np.ndarray, low: np.ndarray, k: int = METRIC_NEIGHBOURS) -> float:
    """sklearn's trustworthiness, measured against the full activations (not the PCA)."""
    from sklearn.manifold import trustworthiness as _tw

    return float(_tw(np.asarray(high, np.float32), np.asarray(low, np.float32), n_neighbors=k))


def mean_displacement(positions: np.ndarray) -> float:
    """Mean per-point distance between consecutive checkpoints, in box side lengths (box = 2)."""
    p = np.asarray(positions, np.float64)
    return float(np.linalg.norm(np.diff(p, axis=0), axis=-1).mean() / 2.0)


# ----------------------------------------------------------------------------- checks


def min_catalog(perplexity: float) -> int:
    """Smallest catalog a t-SNE of this perplexity can honour (3 * perplexity neighbours each)."""
    return int(np.floor(3 * perplexity)) + 1


def check_inputs(activations, labels, *, method: str, perplexity: float) -> None:
    """Raise :class:`TrainerError` (no path; the adapter adds it) for input no method can use."""

    def fail(problem):
        raise TrainerError(None, problem)

    if method not in METHODS:
        fail(f"unknown projection method {method!r}; choose one of {', '.join(METHODS)}")
    a = np.asarray(activations)
    if a.ndim != 3:
        fail(f"catalog activations have shape {a.shape}, expected (checkpoints, galaxies, units)")
    k, n, u = a.shape
    if k < 2:
        fail(
            f"has {k} checkpoint{'s' if k != 1 else ''}; tracks need at least 2 "
            "(train with checkpoints >= 2)"
        )
    if np.shape(labels) != (n,):
        fail(f"has {np.shape(labels)} labels for {n} galaxies")
    bad = ~np.isfinite(a)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        fail(f"catalog activations hold {int(bad.sum())} NaN/inf values (first at {first})")
    if not perplexity > 0:
        fail(f"perplexity must be positive, got {perplexity}")
    need = max(min_catalog(perplexity) if method != "pca" else 0, 2 * METRIC_NEIGHBOURS + 2)
    if n < need:
        hint = ""
        if method != "pca":
            most = (n - 1) / 3
            hint = (
                f"; lower --perplexity to at most {most:.1f}"
                if most >= 2 * METRIC_NEIGHBOURS / 3
                else ""
            )
        fail(
            f"catalog of {n} galaxies is too small for perplexity {perplexity:g} "
            f"(needs at least {need}){hint}"
        )
    if u < 3:
        fail(f"activations have {u} units; a 3D projection needs at least 3")


# ----------------------------------------------------------------------------- engines


def _opentsne(x, init, schedule, *, perplexity, seed, n_jobs):
    from openTSNE import TSNEEmbedding, affinity

    logging.getLogger("openTSNE").setLevel(logging.ERROR)  # its std warnings are for 2D lore
    aff = affinity.PerplexityBasedNN(
        x, perplexity=perplexity, method="exact", n_jobs=n_jobs, random_state=seed
    )
    emb = TSNEEmbedding(
        init, aff, negative_gradient_method="bh", theta=THETA, n_jobs=n_jobs, random_state=seed
    )
    early, normal = schedule
    if early:
        emb = emb.optimize(n_iter=early, exaggeration=EXAGGERATION, momentum=0.5)
    emb = emb.optimize(n_iter=normal, momentum=0.8)
    return np.asarray(emb, np.float64)


def _sklearn(x, init, schedule, *, perplexity, seed, n_jobs):
    from sklearn.manifold import TSNE

    early, normal = schedule
    # sklearn always runs 250 "exploration" iterations; an exaggeration of 1 makes them normal.
    tsne = TSNE(
        n_components=3,
        perplexity=perplexity,
        early_exaggeration=EXAGGERATION if early else 1.0,
        max_iter=max(early, 250) + normal if early else max(normal, 250),
        init=np.asarray(init, np.float32),
        learning_rate="auto",
        method="barnes_hut",
        random_state=seed,
        n_jobs=n_jobs,
    )
    return np.asarray(tsne.fit_transform(np.asarray(x, np.float32)), np.float64)


def _initial(x: np.ndarray, seed: int) -> np.ndarray:
    """First three principal components, std 1e-4 along the first (openTSNE's advice), plus a
    seeded 1% jitter (as openTSNE's own PCA start) so duplicate galaxies do not coincide; the
    jitter is also what makes the seed matter, everything else being deterministic."""
    y = _rescale(np.array(x[:, :3], np.float64, copy=True))
    return y + np.random.default_rng(seed).normal(0, 1e-6, y.shape)


def _rescale(y: np.ndarray) -> np.ndarray:
    std = float(np.std(y[:, 0]))
    return y / (std / 1e-4) if std > 0 else y


def _signature(activations, labels) -> str:
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(activations, np.float32).tobytes())
    h.update(np.ascontiguousarray(labels, np.int64).tobytes())
    return h.hexdigest()[:16]


def settings(activations, labels, *, method, independent, perplexity, seed, align=True) -> dict:
    """Everything that determines a projection's result, as stored in ``params`` (JSON-shaped):
    equal settings on an equal input digest mean a re-run would recompute the same tracks."""
    acts = np.asarray(activations, np.float32)
    k, n, u = acts.shape
    tsne = method != "pca"
    chained = tsne and not independent
    first = list(FIRST_SCHEDULE) if tsne else [0, 0]
    later = list(CHAINED_SCHEDULE) if chained else first
    return {
        "engine": method,
        "chained": bool(chained),
        "aligned": bool(align),
        "perplexity": float(perplexity),
        "seed": int(seed),
        "pca_dims": int(min(PCA_DIMS, n - 1, u)),
        "schedule": [first] + [later] * (k - 1),
        "exaggeration": EXAGGERATION,
        "theta": THETA,
        "metric_neighbours": METRIC_NEIGHBOURS,
        "input": _signature(acts, labels),
    }


def project(
    activations: np.ndarray,
    labels: np.ndarray,
    *,
    method: str = "opentsne",
    independent: bool = False,
    align: bool = True,
    perplexity: float = 30.0,
    seed: int = 0,
    n_jobs: int = 1,
    progress: bool = True,
) -> Projection:
    """Embed (K, N, U) catalog activations in 3D at every checkpoint.

    Returns a :class:`scene_builders.runfile.Projection`: positions (K, N, 3) float32 in
    [-1, 1]^3, per-checkpoint trustworthiness (against the full activations) and kNN class
    agreement (against ``labels``), and the parameters that reproduce it. ``independent`` embeds
    each checkpoint from its own PCA start (the comparison the chaining is measured against);
    ``align=False`` also skips the Procrustes fits (only for benchmarks). Bit-for-bit
    deterministic for a ``seed``, whatever ``n_jobs`` (a test checks that 1 and 2 threads
    agree exactly). ``n_jobs`` defaults to 1: openTSNE's threads meet at a barrier every
    iteration, and on a busy machine (a render node, CI with services) 2 threads were measured
    3x *slower* than 1; on an idle machine they gain less than 2x.
    """
    from tqdm import tqdm

    check_inputs(activations, labels, method=method, perplexity=perplexity)
    n_jobs = max(1, int(n_jobs))
    acts = np.asarray(activations, np.float32)
    labels = np.asarray(labels, np.int64)
    k = acts.shape[0]
    engine = {"opentsne": _opentsne, "sklearn": _sklearn}.get(method)
    if engine is _opentsne:
        try:
            import openTSNE  # noqa: F401
        except ImportError as exc:
            raise TrainerError(
                None, "openTSNE is not installed; install galaxyreel[train] or use --method sklearn"
            ) from exc

    started = time.perf_counter()
    raw = np.empty((k, acts.shape[1], 3), np.float64)
    bar = tqdm(range(k), desc=f"project ({method})", unit="checkpoint", disable=not progress)
    for i in bar:
        x = reduce_pca(acts[i])
        if engine is None:  # pca baseline
            raw[i] = x[:, :3]
            continue
        chained = i > 0 and not independent
        init = _rescale(raw[i - 1]) if chained else _initial(x, seed)
        schedule = CHAINED_SCHEDULE if chained else FIRST_SCHEDULE
        raw[i] = engine(x, init, schedule, perplexity=perplexity, seed=seed, n_jobs=n_jobs)
    bar.close()
    aligned = align_sequence(raw) if align else raw
    positions = fit_box(aligned)
    seconds = time.perf_counter() - started

    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):  # see reduce_pca
        trust = np.array([trustworthiness(acts[i], positions[i]) for i in range(k)], np.float32)
        knn = np.array([knn_agreement(positions[i], labels) for i in range(k)], np.float32)
    params = settings(
        acts,
        labels,
        method=method,
        independent=independent,
        align=align,
        perplexity=perplexity,
        seed=seed,
    )
    params["seconds"] = round(seconds, 2)
    return Projection(positions, method, params, trust, knn)


# ----------------------------------------------------------------------------- file adapter


def project_run(
    run_path,
    *,
    method: str = "opentsne",
    independent: bool = False,
    perplexity: float = 30.0,
    seed: int = 0,
    progress: bool = True,
    force: bool = False,
) -> Projection:
    """Project a run file's snapshots and store the tracks in it (atomically), returning them.

    If the file already holds tracks made with the same settings from the same activations,
    they are returned without recomputing unless ``force``: a re-run resumes instead of redoing.
    Any problem is one :class:`TrainerError` (or ``RunFileError``) naming the file; the run file
    is untouched unless a whole new projection was computed.
    """
    from scene_builders.runfile import read_run, write_projection

    path = Path(run_path)
    run = read_run(path)
    acts, labels = run.snapshots.activations, run.catalog.labels
    try:
        check_inputs(acts, labels, method=method, perplexity=perplexity)
        old = run.projection
        if old is not None and not force:
            wanted = settings(
                acts,
                labels,
                method=method,
                independent=independent,
                perplexity=perplexity,
                seed=seed,
            )
            stored = {key: value for key, value in old.params.items() if key != "seconds"}
            if stored == json.loads(json.dumps(wanted)):
                return old
        result = project(
            acts,
            labels,
            method=method,
            independent=independent,
            perplexity=perplexity,
            seed=seed,
            progress=progress,
        )
    except TrainerError as exc:
        raise TrainerError(path, exc.problem) from exc
    write_projection(path, result)
    return result


def describe(projection: Projection) -> str:
    """A few lines for the CLI: per-checkpoint quality and how smooth the tracks are."""
    p = projection.params
    lines = [
        f"method {projection.method}  "
        + json.dumps({k: p.get(k) for k in ("chained", "perplexity", "seed", "seconds")}),
        f"mean displacement between checkpoints {mean_displacement(projection.positions):.4f}"
        " box sides",
        "  #   trust   kNN",
    ]
    for i, (t, a) in enumerate(
        zip(projection.trustworthiness, projection.knn_agreement, strict=True)
    ):
        lines.append(f"  {i:<3} {float(t):.3f}   {float(a):.3f}")
    return "\n".join(lines)
