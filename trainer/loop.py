"""One training run: data, model, progressive unfreezing, recording, resume, the run file.

A custom training step (``tf.function``) rather than ``model.fit``: it lets the probe
activations be computed in the same graph call as the update (recording costs almost
nothing), it is the same step the multi-worker path runs under ``strategy.run`` (where
``model.fit`` fails in Keras 3.15), and rebuilding it per stage makes an unfreeze take effect
(Keras 3 ignores a ``trainable`` flip until the step is rebuilt, and needs a new optimizer).
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scene_builders.runfile import RunFileError, Training, UnfreezeEvent, read_run

from .dataset import Galaxies, Splits, pick_probes, split
from .errors import TrainerError


def seed_everything(seed: int) -> None:
    """Bit-identical runs on this CPU (measured): Keras seeds + deterministic TF ops."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(int(seed))
    tf.config.experimental.enable_op_determinism()


def stage_steps(cfg: dict, steps_per_epoch: int) -> list[int]:
    return [int(round(float(st["epoch"]) * steps_per_epoch)) for st in cfg["stages"]]


def stage_at(starts: list[int], step: int) -> int:
    return max(i for i, s in enumerate(starts) if s <= step)


def learning_rate_at(cfg: dict, step: int, stage_start: int, total: int) -> float:
    """Cosine decay over the run (down to 5%), with a short linear warm-up after each unfreeze:
    a fresh Adam at full rate on a newly unfrozen backbone wrecks what the head learnt."""
    lr = float(cfg["learning_rate"])
    if cfg["lr_schedule"] == "cosine":
        lr *= 0.05 + 0.95 * 0.5 * (1 + np.cos(np.pi * min(step, total) / max(total, 1)))
    warm = int(cfg["warmup_steps"])
    if warm > 0:
        lr *= min(1.0, (step - stage_start + 1) / warm)
    return lr


def make_optimizer(cfg: dict):
    import keras

    return keras.optimizers.Adam(learning_rate=float(cfg["learning_rate"]))


def make_step(model, rec_model, optimizer, probes: np.ndarray, cfg: dict):
    """A compiled training step for the model's CURRENT trainable set (rebuild per stage).

    It also returns the probes' penultimate activations (inference mode), computed in the same
    graph call; ``probes=None`` leaves them out."""
    import keras
    import tensorflow as tf

    from .augment import augment

    trainable = list(model.trainable_variables)
    optimizer.build(trainable)
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    probe_x = None if probes is None else tf.constant(np.asarray(probes, np.float32))
    seed = int(cfg["seed"])
    spec = dict(cfg["augment"])

    @tf.function
    def step(x, y, step_idx):
        x = augment(tf.cast(x, tf.float32), seed, step_idx, spec)
        with tf.GradientTape() as tape:
            probs = model(x, training=True)
            loss = loss_fn(y, probs)
        grads = tape.gradient(loss, trainable)
        optimizer.apply_gradients(zip(grads, trainable, strict=True))
        hits = tf.cast(tf.equal(tf.argmax(probs, axis=1), tf.cast(y, tf.int64)), tf.float32)
        if probe_x is None:  # recording off (the bench's baseline)
            return loss, tf.reduce_mean(hits), tf.zeros([0])
        acts, _ = rec_model(probe_x, training=False)
        return loss, tf.reduce_mean(hits), acts

    return step


@dataclass
class Progress:
    """What a resume needs besides weights; saved as JSON at each epoch end."""

    epoch: int = 0  # epochs completed
    step: int = 0
    stage: int = -1
    history: dict = field(default_factory=dict)
    events: list = field(default_factory=list)
    config: dict = field(default_factory=dict)


def _prepare(cfg: dict, progress_bar: bool) -> tuple[Splits, Galaxies]:
    from .data import load_data

    data = load_data(cfg, progress=progress_bar)
    if len(data) == 0:
        raise TrainerError(cfg.get("data_path"), "holds no labelled galaxy")
    counts = np.bincount(data.labels, minlength=2)
    if counts.min() < 4:
        raise TrainerError(
            cfg.get("data_path"),
            f"needs at least 4 galaxies of each class, has {counts[0]} elliptical and "
            f"{counts[1]} spiral",
        )
    splits = split(data, cfg["val_fraction"], cfg["catalog_size"], cfg["seed"])
    if len(splits.train) < cfg["batch_size"]:
        raise TrainerError(
            cfg.get("data_path"),
            f"{len(splits.train)} training images are fewer than one batch of {cfg['batch_size']}",
        )
    return splits, pick_probes(splits.val, cfg["seed"])


def _finished_and_same(run_path: Path, cfg: dict) -> bool:
    if not run_path.exists():
        return False
    try:
        run = read_run(run_path)
    except RunFileError:
        return False
    stored = dict(run.training.config)
    stored.pop("derived", None)
    return stored == json.loads(json.dumps(cfg, sort_keys=True))


def train(
    config: dict,
    out_dir: Path,
    *,
    resume: bool = False,
    progress: bool = True,
    extra_train: Galaxies | None = None,
    init_weights: Path | None = None,
) -> Path:
    """Train and record into ``out_dir/run.h5``; return its path.

    A finished run with the same config is left alone. ``resume`` continues an interrupted run
    from its last completed epoch. ``extra_train`` (pseudo-labelled galaxies) and
    ``init_weights`` (a previous model) are the recursive-training hooks.
    """
    cfg = json.loads(json.dumps(config))
    if cfg.get("distribute") == "multi_worker":
        from .distributed import train_multi_worker

        return train_multi_worker(cfg, Path(out_dir), progress=progress)
    out_dir = Path(out_dir)
    run_path = out_dir / "run.h5"
    if extra_train is None and init_weights is None and _finished_and_same(run_path, cfg):
        return run_path
    import tensorflow as tf
    from tqdm import tqdm

    from .models import (
        build_model,
        calibrate_batchnorm,
        recalibrate_batchnorm,
        recording_model,
        set_stage,
    )
    from .recorder import Recorder, checkpoint_steps, open_writer
    from .state import load_progress, restore, save_state

    seed_everything(cfg["seed"])
    splits, probes = _prepare(cfg, progress)
    train_set = splits.train
    if extra_train is not None and len(extra_train):
        train_set = Galaxies.concat([train_set, extra_train])
    bsz = cfg["batch_size"]
    spe = len(train_set) // bsz
    total = spe * cfg["epochs"]
    starts = stage_steps(cfg, spe)
    checkpoints = checkpoint_steps(total, cfg["checkpoints"])

    model = build_model(cfg)
    if init_weights is not None:
        model.load_weights(init_weights)
    elif cfg.get("weights") is None:
        calibrate_batchnorm(model, train_set.images[:256])
    rec_model = recording_model(model)
    pretrained = cfg.get("weights") is not None

    state_dir = out_dir / "state"
    prog = Progress(config=cfg)
    saved = load_progress(state_dir) if resume else None
    if saved is not None and saved.get("config") != cfg:
        raise TrainerError(
            state_dir / "state.json",
            "was written by a run with a different config; resume with the same config, "
            "or start over without --resume",
        )
    partial = run_path.with_name(run_path.name + ".partial")
    resuming = saved is not None and partial.exists()
    writer = open_writer(
        run_path, probes, splits.catalog, cfg["thumbnail_size"], cfg["units"], resume=resuming
    )
    try:
        rec = Recorder(
            writer, rec_model, splits.catalog.images, checkpoints, cfg["record_every"], spe
        )
        optimizer = step_fn = None
        if resuming:
            prog = Progress(
                **{k: saved[k] for k in ("epoch", "step", "stage", "history", "events")}, config=cfg
            )
            writer.truncate(prog.step)
            desc = set_stage(
                model, cfg["stages"][prog.stage]["freeze"], freeze_batchnorm=pretrained
            )
            optimizer = make_optimizer(cfg)
            step_fn = make_step(model, rec_model, optimizer, probes.images, cfg)
            restore(state_dir, saved, model, optimizer)
        else:
            # step 0: the untrained network
            a0, _ = rec.infer(probes.images)
            rec.iteration(0, 0, a0)
            rec.maybe_snapshot(0)

        y_train = train_set.labels.astype(np.int32)
        bar = tqdm(
            total=total,
            initial=prog.step,
            desc="train",
            unit="step",
            file=sys.stderr,
            disable=not progress,
            dynamic_ncols=True,
        )
        for epoch in range(prog.epoch, cfg["epochs"]):
            t0 = time.perf_counter()
            order = np.random.default_rng([cfg["seed"], epoch]).permutation(len(train_set))
            losses, accs = [], []
            for b in range(spe):
                gstep = epoch * spe + b
                st = stage_at(starts, gstep)
                if st != prog.stage:
                    desc = set_stage(
                        model, cfg["stages"][st]["freeze"], freeze_batchnorm=pretrained
                    )
                    optimizer = make_optimizer(cfg)
                    step_fn = make_step(model, rec_model, optimizer, probes.images, cfg)
                    prog.stage = st
                    prog.events.append([gstep, gstep / spe, st, desc])
                optimizer.learning_rate = learning_rate_at(cfg, gstep, starts[st], total)
                idx = np.sort(order[b * bsz : (b + 1) * bsz])
                loss, acc, acts = step_fn(
                    train_set.images[idx], y_train[idx], tf.constant(gstep, tf.int64)
                )
                losses.append(float(loss))
                accs.append(float(acc))
                done = gstep + 1
                if b < spe - 1:  # the epoch's last step is recorded after recalibration
                    if rec.wants(done):
                        rec.iteration(done, prog.stage, acts.numpy())
                    rec.maybe_snapshot(done)
                bar.update(1)
                bar.set_postfix(loss=f"{losses[-1]:.3f}", stage=prog.stage, refresh=False)
            done = (epoch + 1) * spe
            if not pretrained:
                pick = np.random.default_rng([cfg["seed"], epoch, 1]).permutation(len(train_set))
                n_bn = min(cfg["precise_bn_batches"], len(train_set) // bsz)
                recalibrate_batchnorm(
                    model,
                    [train_set.images[np.sort(pick[i * bsz : (i + 1) * bsz])] for i in range(n_bn)],
                )
            if rec.wants(done):
                rec.iteration(done, prog.stage, rec.infer(probes.images)[0])
            rec.maybe_snapshot(done)
            rec.flush()
            _, val_probs = rec.infer(splits.val.images)
            val_y = splits.val.labels
            val_loss = float(
                -np.mean(np.log(np.clip(val_probs[np.arange(len(val_y)), val_y], 1e-7, 1)))
            )
            val_acc = float(np.mean(val_probs.argmax(1) == val_y))
            for name, value in (
                ("loss", np.mean(losses)),
                ("accuracy", np.mean(accs)),
                ("val_loss", val_loss),
                ("val_accuracy", val_acc),
                ("seconds", time.perf_counter() - t0),
            ):
                prog.history.setdefault(name, []).append(float(value))
            prog.epoch, prog.step = epoch + 1, (epoch + 1) * spe
            bar.set_postfix(
                loss=f"{np.mean(losses):.3f}", val_acc=f"{val_acc:.3f}", stage=prog.stage
            )
            save_state(
                state_dir,
                model,
                optimizer,
                {
                    "epoch": prog.epoch,
                    "step": prog.step,
                    "stage": prog.stage,
                    "history": prog.history,
                    "events": prog.events,
                    "config": cfg,
                },
            )
        bar.close()
        derived = {
            "steps_per_epoch": spe,
            "total_steps": total,
            "n_train": len(train_set),
            "n_val": len(splits.val),
            "checkpoint_steps": checkpoints.tolist(),
            "probe_ids": list(probes.ids),
            "recording_seconds": rec.seconds,
        }
        training = Training(
            config=dict(cfg, derived=derived),
            seed=int(cfg["seed"]),
            history={k: np.asarray(v, np.float32) for k, v in prog.history.items()},
            events=tuple(
                UnfreezeEvent(int(s), float(e), int(st), d) for s, e, st, d in prog.events
            ),
        )
        tmp_model = out_dir / ".tmp-model.keras"  # Keras insists on the suffix
        model.save(tmp_model)
        os.replace(tmp_model, out_dir / "model.keras")
        return writer.finish(training)
    finally:
        writer.close()
