"""Recursive training on unlabelled images, as the paper does for DES.

After the first training, the model labels an unlabelled pool; the ``per_class`` most confident
of each class (above a probability ``floor``) join the training set with their predicted
labels, and the network is retrained from its previous weights on a short schedule; repeat for
``rounds``. Each round is a full run file (``rounds/round-K/run.h5``, so the film can show it),
and the main ``run.h5`` gets a ``rounds`` group: what was added (ids, confidence, pseudo-label,
hidden true label when the pool has one), held-out accuracy before and after, and the rate at
which pseudo-labels agree with the hidden truth.

Guard rails: a pool item whose id or pixels already appear in the training, validation or
catalog data is never added (held-out images must not leak into training); an item is added at
most once over all rounds; both classes get the same count; a round that lowers held-out
accuracy is reported plainly (stderr and the ``lowered`` flag), not hidden.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from .dataset import Galaxies
from .errors import TrainerError


def _digest(images: np.ndarray) -> list[bytes]:
    return [
        hashlib.blake2b(np.ascontiguousarray(im).tobytes(), digest_size=16).digest()
        for im in images
    ]


def synthetic_pool(cfg: dict, n: int) -> Galaxies:
    """An unlabelled pool from the generator; its labels are the hidden truth (evaluation only)."""
    from .synthetic import generate

    pool, _ = generate(
        n,
        size=cfg["image_size"],
        difficulty=cfg["difficulty"],
        seed=int(cfg["seed"]) + 100_003,
        prefix="pool",
    )
    return pool


def select(
    probs: np.ndarray, eligible: np.ndarray, per_class: int, floor: float
) -> tuple[np.ndarray, np.ndarray]:
    """Indices and pseudo-labels of the most confident eligible items, balanced per class."""
    pred = probs.argmax(1)
    conf = probs.max(1)
    picks = []
    for label in (0, 1):
        idx = np.flatnonzero(eligible & (pred == label) & (conf >= floor))
        picks.append(idx[np.argsort(-conf[idx], kind="stable")])
    n = min(per_class, len(picks[0]), len(picks[1]))
    chosen = np.concatenate([picks[0][:n], picks[1][:n]])
    return chosen, pred[chosen]


def retrain_config(cfg: dict) -> dict:
    """The short schedule: everything unfrozen, half the epochs (>= 2), a third of the rate."""
    short = dict(cfg)
    short["epochs"] = max(2, cfg["epochs"] // 2)
    short["stages"] = [{"epoch": 0, "freeze": 0}]
    short["learning_rate"] = float(cfg["learning_rate"]) / 3
    return short


def train_recursive(
    config: dict,
    out_dir: Path,
    unlabelled=None,
    *,
    per_class: int = 1000,
    rounds: int = 1,
    floor: float = 0.9,
    pool_size: int = 4000,
    resume: bool = False,
    progress: bool = True,
    report="stderr",
) -> Path:
    """Train (or reuse a finished identical run in ``out_dir``), then ``rounds`` of
    pseudo-labelling; returns ``out_dir/run.h5`` with the ``rounds`` group."""
    from scene_builders.runfile import read_run, write_extras

    from .classify import load_model, load_unlabelled, predict
    from .loop import _prepare, train

    report = sys.stderr if report == "stderr" else report
    if per_class < 1 or rounds < 1:
        raise TrainerError(None, "--per-class and --rounds must be at least 1")
    out_dir = Path(out_dir)
    base = train(config, out_dir, resume=resume, progress=progress)
    cfg = read_run(base).training.config
    cfg.pop("derived", None)

    splits, _ = _prepare(cfg, False)
    known = set(splits.train.ids) | set(splits.val.ids) | set(splits.catalog.ids)
    known_px = set(_digest(splits.train.images)) | set(_digest(splits.val.images))
    if unlabelled is None:
        if cfg["data"] != "synthetic":
            raise TrainerError(None, "recursive training on real data needs --unlabelled DIR_OR_H5")
        pool, source = synthetic_pool(cfg, pool_size), f"synthetic pool of {pool_size}"
    else:
        from .data import resize

        raw = load_unlabelled(Path(unlabelled), progress=progress)
        pool = Galaxies(resize(raw.images, cfg["image_size"]), raw.labels, raw.ids)
        source = str(unlabelled)
    dup = np.zeros(len(pool), bool)
    seen: set = set()
    for k, (pid, px) in enumerate(zip(pool.ids, _digest(pool.images), strict=True)):
        dup[k] = pid in known or px in known_px or pid in seen or px in seen
        seen.update((pid, px))
    if report is not None and dup.any():
        print(
            f"{source}: {int(dup.sum())} pool items already in the labelled data or repeated; "
            "never added",
            file=report,
        )

    held_x, held_y = splits.val.images, splits.val.labels
    model_path = out_dir / "model.keras"
    acc_before = float(np.mean(predict(load_model(model_path), held_x)[1].argmax(1) == held_y))
    added = np.zeros(len(pool), bool)
    rows: list[dict] = []
    extra_idx: list[np.ndarray] = []
    extra_lab: list[np.ndarray] = []
    log_path = out_dir / "rounds.json"
    done = json.loads(log_path.read_text()) if (resume and log_path.exists()) else []
    short = retrain_config(cfg)
    for r in range(1, rounds + 1):
        model = load_model(model_path)
        _, probs = predict(model, pool.images, progress=progress)
        chosen, pseudo = select(probs, ~added & ~dup, per_class, floor)
        if len(chosen) == 0:
            if report is not None:
                print(
                    f"round {r}: no pool item above the floor {floor} in both classes; stopping",
                    file=report,
                )
            break
        added[chosen] = True
        extra_idx.append(chosen)
        extra_lab.append(pseudo)
        extra = pool.take(np.concatenate(extra_idx))
        extra = Galaxies(extra.images, np.concatenate(extra_lab), extra.ids)
        round_dir = out_dir / "rounds" / f"round-{r}"
        if r <= len(done) and (round_dir / "run.h5").exists():
            run_path = round_dir / "run.h5"
        else:
            run_path = train(
                short, round_dir, progress=progress, extra_train=extra, init_weights=model_path
            )
        model_path = round_dir / "model.keras"
        acc_after = float(np.mean(predict(load_model(model_path), held_x)[1].argmax(1) == held_y))
        truth = pool.labels[chosen]
        known_truth = truth >= 0
        agreement = (
            float(np.mean(truth[known_truth] == pseudo[known_truth]))
            if known_truth.any()
            else float("nan")
        )
        row = {
            "round": r,
            "added": int(len(chosen)),
            "per_class": int(len(chosen) // 2),
            "accuracy_before": acc_before,
            "accuracy_after": acc_after,
            "pseudo_label_agreement": agreement,
            "lowered": acc_after < acc_before,
            "run": str(run_path.relative_to(out_dir)),
            "ids": [pool.ids[i] for i in chosen],
            "confidence": probs[chosen].max(1).tolist(),
            "labels": pseudo.tolist(),
            "true_labels": truth.tolist(),
        }
        rows.append(row)
        if report is not None:
            verdict = "LOWERED" if row["lowered"] else "kept or raised"
            print(
                f"round {r}: added {len(chosen)} ({len(chosen) // 2} per class, pseudo-labels "
                f"agree with hidden truth {agreement:.3f}); held-out accuracy "
                f"{acc_before:.4f} -> {acc_after:.4f} ({verdict})",
                file=report,
            )
        acc_before = acc_after
        tmp = log_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(rows))
        tmp.replace(log_path)
    return write_extras(base, {"rounds": rounds_group(rows, source, floor)})


def rounds_group(rows: list[dict], source: str, floor: float) -> dict:
    """The ``rounds`` extras group (see docs/run-format.md)."""
    cat = lambda key, dt: np.array([v for r in rows for v in r[key]], dt)  # noqa: E731
    return {
        "round": np.array([r["round"] for r in rows], np.int32),
        "added": np.array([r["added"] for r in rows], np.int32),
        "accuracy_before": np.array([r["accuracy_before"] for r in rows], np.float32),
        "accuracy_after": np.array([r["accuracy_after"] for r in rows], np.float32),
        "pseudo_label_agreement": np.array([r["pseudo_label_agreement"] for r in rows], np.float32),
        "lowered": np.array([r["lowered"] for r in rows], bool),
        "added_round": np.array([r["round"] for r in rows for _ in r["ids"]], np.int32),
        "added_ids": np.array([i for r in rows for i in r["ids"]], dtype=str),
        "added_confidence": cat("confidence", np.float32),
        "added_label": cat("labels", np.int8),
        "added_true_label": cat("true_labels", np.int8),
        "source": source,
        "floor": str(floor),
        "runs": json.dumps([r["run"] for r in rows]),
    }
