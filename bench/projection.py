"""Chained + aligned t-SNE tracks vs independent runs, on 11 x 1000 x 1024 activations.

Prints, side by side and measured back to back in one run: wall and CPU time, the last
checkpoint's trustworthiness and kNN class agreement, and the mean per-point displacement between
consecutive checkpoints (in box side lengths) for

  (a) chained + aligned   what `galaxyreel project` stores
  (b) independent         one full t-SNE per checkpoint, no chaining, no alignment
  (c) independent+aligned (b) followed by the same Procrustes alignment as (a)

(c) is printed so the reader can see how much of the smoothness comes from alignment alone.
Other processes may share the 2 CPUs: CPU seconds and the ratios are the figures to trust; the
load average is printed before and after.

    .venv/bin/python bench/projection.py [--run RUN.h5] [--sklearn]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from trainer.projection import (  # noqa: E402
    align_sequence,
    fit_box,
    knn_agreement,
    mean_displacement,
    project,
    trustworthiness,
)


def synthetic_activations(checkpoints=11, catalog=1000, units=1024, seed=0):
    """Penultimate-like activations: every galaxy keeps an identity (a 12-D appearance through
    a ReLU layer) that drifts a little per checkpoint while a class direction grows, the way a
    network's representation turns from what a galaxy looks like into what it is."""
    rng = np.random.default_rng(seed)
    n, u = catalog, units
    labels = (np.arange(n) % 2).astype(np.int64)
    rng.shuffle(labels)
    latent = rng.normal(0, 1, (n, 12))
    w0 = rng.normal(0, 1 / np.sqrt(12), (12, u))
    dw = rng.normal(0, 1 / np.sqrt(12), (12, u))
    direction = rng.normal(0, 1, u)
    sign = np.where(labels == 1, 1.0, -1.0)
    hard = rng.uniform(0, 1, n)
    walk = np.zeros((n, u))
    out = np.empty((checkpoints, n, u), np.float32)
    for k, t in enumerate(np.linspace(0, 1, checkpoints)):
        walk += rng.normal(0, 0.05, (n, u))
        margin = sign * (3 * t - 1.5 * hard * (1 - t))
        pre = latent @ (w0 * (1 - 0.5 * t) + dw * t * 0.5) + 0.6 * margin[:, None] * direction
        out[k] = np.maximum(pre + walk, 0)
    return out, labels


def floor_estimate(acts, labels, jobs: int) -> tuple[float, dict]:
    """Seconds (a) would take on an idle machine: each part timed alone, best of 5, times how
    often (a) runs it. Other helpers' load only ever adds time, so the minimum is the figure."""
    from openTSNE import TSNEEmbedding, affinity

    import trainer.projection as tp

    def best(fn, n=5):
        times = []
        for _ in range(n):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return min(times)

    k = acts.shape[0]
    x = tp.reduce_pca(acts[-1])
    aff = affinity.PerplexityBasedNN(x, perplexity=30.0, method="exact", n_jobs=jobs)
    y = tp._opentsne(x, tp._initial(x, 0), (50, 100), perplexity=30.0, seed=0, n_jobs=jobs)
    emb = TSNEEmbedding(
        y, aff, negative_gradient_method="bh", theta=tp.THETA, n_jobs=jobs, random_state=0
    )
    iters = sum(tp.FIRST_SCHEDULE) + (k - 1) * sum(tp.CHAINED_SCHEDULE)
    parts = {
        "pca": k * best(lambda: tp.reduce_pca(acts[-1])),
        "affinities": k
        * best(lambda: affinity.PerplexityBasedNN(x, perplexity=30.0, method="exact", n_jobs=jobs)),
        f"{iters} t-SNE iterations": iters
        / 20
        * best(lambda: emb.optimize(n_iter=20, momentum=0.8)),
        "metrics": k * best(lambda: (tp.trustworthiness(acts[-1], y), tp.knn_agreement(y, labels))),
    }
    return sum(parts.values()), parts


def timed(fn):
    w, c = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - w, time.process_time() - c


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", type=Path, help="a recorded run.h5 instead of the synthetic input")
    ap.add_argument("--sklearn", action="store_true", help="also time the sklearn fallback")
    ap.add_argument("--jobs", type=int, default=1, help="openTSNE threads (default 1)")
    args = ap.parse_args()

    if args.run:
        from scene_builders.runfile import read_run

        run = read_run(args.run)
        acts, labels = run.snapshots.activations, run.catalog.labels
        source = str(args.run)
    else:
        acts, labels = synthetic_activations()
        source = "synthetic (persistent identities, drifting)"
    k, n, u = acts.shape
    print(f"input: {source}: {k} checkpoints x {n} galaxies x {u} units")
    print(f"cores {os.cpu_count()}, load average before {os.getloadavg()[0]:.1f}")

    a, a_wall, a_cpu = timed(lambda: project(acts, labels, n_jobs=args.jobs, progress=False))
    b, b_wall, b_cpu = timed(
        lambda: project(
            acts, labels, independent=True, align=False, n_jobs=args.jobs, progress=False
        )
    )
    c_pos, al_wall, _ = timed(lambda: fit_box(align_sequence(b.positions)))
    rows = [
        ("(a) chained + aligned", a_wall, a_cpu, a.positions),
        ("(b) independent", b_wall, b_cpu, b.positions),
        ("(c) independent + aligned", b_wall + al_wall, b_cpu, c_pos),
    ]
    if args.sklearn:
        s, s_wall, s_cpu = timed(
            lambda: project(acts, labels, method="sklearn", n_jobs=args.jobs, progress=False)
        )
        rows.append(("(d) sklearn chained + aligned", s_wall, s_cpu, s.positions))

    smooth_a = mean_displacement(a.positions)
    print()
    print(
        f"{'':30} {'wall s':>7} {'CPU s':>7} {'trust':>6} {'kNN':>6} "
        f"{'displacement':>12} {'vs (a)':>7}"
    )
    trust = {}
    for name, wall, cpu, pos in rows:
        disp = mean_displacement(pos)
        trust[name[:3]] = trustworthiness(acts[-1], pos[-1])
        print(
            f"{name:30} {wall:7.1f} {cpu:7.1f} {trust[name[:3]]:6.3f} "
            f"{knn_agreement(pos[-1], labels):6.3f} {disp:12.4f} {disp / smooth_a:6.2f}x"
        )
    print()
    ratio = mean_displacement(b.positions) / smooth_a
    print(f"alignment of {k} x {n} points: {al_wall * 1000:.1f} ms")
    print(
        f"(a) is {ratio:.2f}x smoother than (b) [target >= 3], trust difference "
        f"{trust['(a)'] - trust['(b)']:+.3f} [target within 0.01]; (a) took {a_wall:.1f} s wall, "
        f"{a_cpu:.1f} s CPU [target < 20 s]; (a) is {b_wall / a_wall:.2f}x faster than (b)"
    )
    floor, parts = floor_estimate(acts, labels, args.jobs)
    print(
        f"(a) on an idle machine (parts timed alone, best of 5): {floor:.1f} s = "
        + " + ".join(f"{name} {sec:.1f}" for name, sec in parts.items())
    )
    print(f"load average after {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
