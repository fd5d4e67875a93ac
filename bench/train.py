"""Training figures: seconds to 99% validation accuracy (demo preset), the recording overhead,
and Xception images/s at 128 px.

Other helpers share this machine's 2 CPUs, so absolute seconds are noisy; the overhead and
the throughput ratios are measured back to back (interleaved repeats, best of each) and are
the figures to trust. Run: .venv/bin/python bench/train.py [--quick]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402


def best_of(fn, repeats: int, clock=time.perf_counter) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = clock()
        fn()
        best = min(best, clock() - t0)
    return best


CPU = time.process_time  # CPU seconds of this process (all threads): robust to other users


def demo_to_99(quick: bool) -> dict:
    import trainer
    from scene_builders.runfile import read_run

    cfg = trainer.load_config("demo")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        path = trainer.train(cfg, Path(tmp) / "demo", progress=False)
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        run = read_run(path)
    h = run.training.history
    cum = np.cumsum(h["seconds"])
    hit = np.flatnonzero(h["val_accuracy"] >= 0.99)
    acc = run.snapshots.accuracy(run.catalog.labels)
    return {
        "wall": wall,
        "cpu": cpu,
        "train_s": float(cum[-1]),
        "to99": float(cum[hit[0]]) if hit.size else None,
        "epoch99": int(hit[0]) + 1 if hit.size else None,
        "final_val": float(h["val_accuracy"][-1]),
        "first_ck": float(acc[0]),
        "last_ck": float(acc[-1]),
        "record_s": float(run.training.config["derived"]["recording_seconds"]),
        "steps": int(run.training.config["derived"]["total_steps"]),
        "cfg": cfg,
    }


def step_costs(cfg: dict, repeats: int = 5, steps: int = 20) -> dict:
    """Per-step seconds with and without the fused probe recording, a separate probe call (the
    obvious alternative), and one catalog snapshot; interleaved so load affects all alike."""
    import tensorflow as tf

    from trainer.loop import make_optimizer, make_step, seed_everything
    from trainer.models import build_model, recording_model, set_stage
    from trainer.synthetic import generate

    seed_everything(0)
    g, _ = generate(cfg["batch_size"] + 1000, size=cfg["image_size"], seed=5)
    x, y = g.images[: cfg["batch_size"]], g.labels[: cfg["batch_size"]].astype(np.int32)
    probes, catalog = g.images[:2], g.images[-1000:]
    model = build_model(cfg)
    set_stage(model, 0)
    rec = recording_model(model)
    fused = make_step(model, rec, make_optimizer(cfg), probes, cfg)
    plain = make_step(model, rec, make_optimizer(cfg), None, cfg)
    infer = tf.function(lambda z: rec(z, training=False), reduce_retracing=True)
    s = tf.constant(0, tf.int64)
    for f in (fused, plain):
        f(x, y, s)[0].numpy()
    infer(probes.astype(np.float32))
    infer(catalog[:250].astype(np.float32))

    def run(f):
        return lambda: [f(x, y, s)[2].numpy() for _ in range(steps)]

    def separate():
        for _ in range(steps):
            plain(x, y, s)[0].numpy()
            infer(probes.astype(np.float32))[0].numpy()

    def snapshot():
        for i in range(0, 1000, 250):
            infer(catalog[i : i + 250].astype(np.float32))[0].numpy()

    t = {"fused": [], "plain": [], "separate": [], "snapshot": []}
    for _ in range(repeats):
        t["plain"].append(best_of(run(plain), 1, CPU) / steps)
        t["fused"].append(best_of(run(fused), 1, CPU) / steps)
        t["separate"].append(best_of(separate, 1, CPU) / steps)
        t["snapshot"].append(best_of(snapshot, 1, CPU))
    return {k: min(v) for k, v in t.items()}


def xception_throughput(repeats: int) -> dict:
    """Images/s at 128 px, batch 16, whole backbone trainable; the small CNN for comparison."""
    import tensorflow as tf

    import trainer
    from trainer.loop import make_optimizer, make_step
    from trainer.models import build_model, recording_model, set_stage

    out = {}
    for backbone in ("xception", "small"):
        cfg = trainer.load_config("demo", backbone=backbone, image_size=128, batch_size=16)
        model = build_model(cfg)
        set_stage(model, 0)
        rec = recording_model(model)
        step = make_step(model, rec, make_optimizer(cfg), np.zeros((2, 128, 128, 3)), cfg)
        x = np.random.default_rng(0).integers(0, 255, (16, 128, 128, 3)).astype(np.uint8)
        y = np.arange(16, dtype=np.int32) % 2
        s = tf.constant(0, tf.int64)
        step(x, y, s)[0].numpy()
        infer = tf.function(lambda z, rec=rec: rec(z, training=False))
        xb = np.repeat(x, 4, axis=0).astype(np.float32)
        infer(xb)[0].numpy()
        train_s = (
            best_of(
                lambda step=step, x=x, y=y, s=s: [step(x, y, s)[0].numpy() for _ in range(3)],
                repeats,
            )
            / 3
        )
        infer_s = best_of(lambda infer=infer, xb=xb: infer(xb)[0].numpy(), repeats)
        out[backbone] = {"train": 16 / train_s, "infer": 64 / infer_s}
    return out


def main() -> int:
    quick = "--quick" in sys.argv
    print("bench/train.py  (2 shared CPUs: seconds are noisy; ratios are measured back to back)")
    d = demo_to_99(quick)
    cfg = d["cfg"]
    print(
        f"\n== demo preset: {cfg['n_images']} synthetic galaxies, {cfg['image_size']} px, "
        f"difficulty {cfg['difficulty']}, small CNN, {cfg['epochs']} epochs, {d['steps']} steps"
    )
    if d["to99"] is None:
        print(f"  99% validation accuracy: NOT reached (final {d['final_val']:.4f})")
    else:
        print(
            f"  seconds to 99% validation accuracy : {d['to99']:.1f} s (epoch {d['epoch99']}, "
            "training seconds, data generation excluded)"
        )
    print(
        f"  whole train() call                 : {d['wall']:.1f} s wall, {d['cpu']:.1f} s CPU "
        f"(incl. data generation and TF start-up); training {d['train_s']:.1f} s"
    )
    print(f"  final validation accuracy          : {d['final_val']:.4f}")
    print(f"  catalog accuracy first/last ckpt   : {d['first_ck']:.3f} / {d['last_ck']:.3f}")

    c = step_costs(cfg)
    probe_extra = max(c["fused"] - c["plain"], 0.0)
    steps, k = d["steps"], cfg["checkpoints"]
    train_cost = c["plain"] * steps
    rec_cost = probe_extra * steps + k * c["snapshot"]
    print(
        "\n== recording overhead (CPU seconds of this process, interleaved, best of 5; batch "
        f"{cfg['batch_size']})"
    )
    print(f"  training step, no recording        : {c['plain'] * 1e3:.2f} ms")
    print(
        f"  training step + probes in-graph    : {c['fused'] * 1e3:.2f} ms "
        f"(+{probe_extra * 1e3:.2f} ms)"
    )
    print(
        f"  training step + separate probe call: {c['separate'] * 1e3:.2f} ms "
        f"(+{(c['separate'] - c['plain']) * 1e3:.2f} ms; the obvious alternative)"
    )
    print(f"  one catalog snapshot (1000 images) : {c['snapshot']:.3f} s x {k} checkpoints")
    print(
        f"  recording overhead                 : {100 * rec_cost / train_cost:.2f} % of training "
        f"({steps} probe iterations + {k} snapshots over {train_cost:.1f} CPU s of steps)"
    )
    for n in (2000, 5000):
        pct = 100 * (probe_extra * n + k * c["snapshot"]) / (c["plain"] * n)
        print(f"    the same {k} checkpoints in a {n}-step run: {pct:.2f} %")
    print(
        f"  (wall clock inside the demo run: {d['record_s']:.2f} s of snapshots in "
        f"{d['train_s']:.1f} s = {100 * d['record_s'] / d['train_s']:.2f} %; load-dependent)"
    )

    x = xception_throughput(3)
    print("\n== Xception backbone at 128 px, batch 16, whole network trainable")
    print(f"  Xception training  : {x['xception']['train']:.1f} images/s")
    print(f"  Xception inference : {x['xception']['infer']:.1f} images/s")
    print(
        f"  small CNN training : {x['small']['train']:.1f} images/s "
        f"({x['small']['train'] / x['xception']['train']:.1f}x Xception; why it is the CPU default)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
