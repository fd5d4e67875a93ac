"""Recursive training, measured: held-out accuracy per pseudo-labelling round on a HARD synthetic
setting (difficulty 1.0, few labelled images), where the first model stays below 99%.

The pool's true labels are kept aside and used only to report how often the pseudo-labels are
right. Seconds are noisy (2 shared CPUs); the accuracies are the figures. Run:
.venv/bin/python bench/recursive.py
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def control_rounds(cfg: dict, tmp: Path, rounds: int) -> list[float]:
    """Held-out accuracy of the first model, then after each retraining round on the labelled
    data alone (same short schedule): separates the pseudo-labels' effect from more training."""
    import numpy as np

    from trainer.classify import load_model, predict
    from trainer.loop import _prepare, train
    from trainer.recursive import retrain_config

    splits, _ = _prepare(cfg, False)
    x, y = splits.val.images, splits.val.labels
    model = tmp / "model.keras"
    accs = [float(np.mean(predict(load_model(model), x)[1].argmax(1) == y))]
    for r in range(1, rounds + 1):
        out = tmp / "control" / f"round-{r}"
        train(retrain_config(cfg), out, progress=False, init_weights=model)
        model = out / "model.keras"
        accs.append(float(np.mean(predict(load_model(model), x)[1].argmax(1) == y)))
    return accs


def main() -> int:
    import trainer
    from scene_builders.runfile import read_run

    cfg = trainer.load_config(
        "demo", difficulty=1.0, n_images=1600, epochs=6, catalog_size=400, units=256
    )
    per_class, rounds, pool = 400, 3, 4000
    print("bench/recursive.py  (2 shared CPUs: seconds are noisy; accuracies are the figures)")
    print(
        f"setting: {cfg['n_images']} labelled synthetic galaxies at difficulty {cfg['difficulty']}, "
        f"{cfg['epochs']} epochs; pool of {pool} unlabelled; {per_class} per class per round, "
        f"{rounds} rounds, floor 0.9"
    )
    log = io.StringIO()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        path = trainer.train_recursive(
            cfg,
            Path(tmp),
            None,
            per_class=per_class,
            rounds=rounds,
            pool_size=pool,
            progress=False,
            report=log,
        )
        seconds = time.perf_counter() - t0
        g = read_run(path).extras["rounds"]
        control = control_rounds(cfg, Path(tmp), len(g["round"]))
    n_val = int(round(cfg["n_images"] * cfg["val_fraction"]))
    print(f"held-out set: ~{n_val} labelled galaxies never trained on\n")
    print("round  added  pseudo-label agreement  held-out before  held-out after  change")
    for k in range(len(g["round"])):
        b, a = float(g["accuracy_before"][k]), float(g["accuracy_after"][k])
        print(
            f"{int(g['round'][k]):>5}  {int(g['added'][k]):>5}  {float(g['pseudo_label_agreement'][k]):>22.3f}"
            f"  {b:>15.4f}  {a:>14.4f}  {100 * (a - b):+.2f} pt"
            + ("  (LOWERED)" if bool(g["lowered"][k]) else "")
        )
    first, last = float(g["accuracy_before"][0]), float(g["accuracy_after"][-1])
    print(
        f"\nfirst model {first:.4f} -> after {len(g['round'])} rounds {last:.4f} "
        f"({100 * (last - first):+.2f} points); {seconds:.0f} s in all"
    )
    print(
        "control (the obvious alternative: the same retraining rounds WITHOUT pseudo-labels): "
        + " -> ".join(f"{a:.4f}" for a in control)
        + f" ({100 * (control[-1] - control[0]):+.2f} points)"
    )
    print("log:\n" + log.getvalue().rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
