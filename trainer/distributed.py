"""Data-parallel training over several machines: ``tf.distribute.MultiWorkerMirroredStrategy``.

Workers are found through ``TF_CONFIG`` (set by the user or a launcher) or, inside a Slurm
job, through ``SlurmClusterResolver``. Measured in Keras 3.15: ``model.fit`` fails under this
strategy ("Attempt to convert a value (PerReplica...)", then "Invalid reduction dimension 0"),
so the step is a custom one run with ``strategy.run``; the optimizer all-reduces the gradients.
Horovod does not build against TF 2.21 and is not used.

Every worker builds the same data and takes its own slice of each global batch; worker 0 (the
chief) records the run file exactly as a single-machine run does. Every worker saves its final
weights (chief: ``RUN_DIR/model.keras``; others: ``RUN_DIR/workers/worker-K/model.keras``) so
one can check the replicas agree. No ``--resume`` for multi-worker runs yet.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from .errors import TrainerError


def cluster_resolver():
    import tensorflow as tf

    if os.environ.get("TF_CONFIG"):
        try:
            json.loads(os.environ["TF_CONFIG"])
        except ValueError as exc:
            raise TrainerError(None, f"TF_CONFIG is not valid JSON: {exc}") from exc
        return tf.distribute.cluster_resolver.TFConfigClusterResolver()
    if os.environ.get("SLURM_JOB_ID"):
        return tf.distribute.cluster_resolver.SlurmClusterResolver(
            port_base=int(os.environ.get("GALAXYREEL_PORT_BASE", 8888))
        )
    raise TrainerError(
        None, "distribute = multi_worker needs TF_CONFIG (see docs/training.md) or a Slurm job"
    )


def train_multi_worker(cfg: dict, out_dir: Path, *, progress: bool = True) -> Path:
    import tensorflow as tf

    resolver = cluster_resolver()
    strategy = tf.distribute.MultiWorkerMirroredStrategy(cluster_resolver=resolver)
    import keras
    from tqdm import tqdm

    from scene_builders.runfile import Training, UnfreezeEvent

    from .augment import augment
    from .loop import (
        _prepare,
        learning_rate_at,
        make_optimizer,
        seed_everything,
        stage_at,
        stage_steps,
    )
    from .models import build_model, calibrate_batchnorm, recording_model, set_stage
    from .recorder import Recorder, checkpoint_steps, open_writer

    task_type, task_id = resolver.task_type, int(resolver.task_id or 0)
    n_workers = strategy.num_replicas_in_sync
    chief = task_type in ("chief", None) or (task_type == "worker" and task_id == 0)
    seed_everything(cfg["seed"])
    splits, probes = _prepare(cfg, progress and chief)
    train_set = splits.train
    bsz = cfg["batch_size"]
    if bsz % n_workers:
        raise TrainerError(None, f"batch_size {bsz} must divide evenly over {n_workers} workers")
    spe = len(train_set) // bsz
    total = spe * cfg["epochs"]
    starts = stage_steps(cfg, spe)
    checkpoints = checkpoint_steps(total, cfg["checkpoints"])
    pretrained = cfg.get("weights") is not None

    with strategy.scope():
        model = build_model(cfg)
    if not pretrained:
        calibrate_batchnorm(model, train_set.images[:256])
    rec_model = recording_model(model)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(reduction="sum")
    out_dir = Path(out_dir)
    mine = out_dir if chief else out_dir / "workers" / f"worker-{task_id}"
    mine.mkdir(parents=True, exist_ok=True)
    writer = (
        open_writer(
            out_dir / "run.h5", probes, splits.catalog, cfg["thumbnail_size"], cfg["units"], False
        )
        if chief
        else None
    )
    try:
        rec = (
            Recorder(
                writer, rec_model, splits.catalog.images, checkpoints, cfg["record_every"], spe
            )
            if chief
            else None
        )
        if chief:
            a0, _ = rec.infer(probes.images)
            rec.iteration(0, 0, a0)
            rec.maybe_snapshot(0)
        history: dict[str, list] = {}
        events: list = []
        stage = -1
        step_fn = optimizer = None
        y_train = train_set.labels.astype(np.int32)
        seed = int(cfg["seed"]) + 7919 * task_id
        spec = dict(cfg["augment"])
        probe_x = tf.constant(np.asarray(probes.images, np.float32))

        def build_step():
            with strategy.scope():
                opt = make_optimizer(cfg)
                trainable = list(model.trainable_variables)
                opt.build(trainable)

            def replica_step(x, y, gstep):
                x = augment(tf.cast(x, tf.float32), seed, gstep, spec)
                with tf.GradientTape() as tape:
                    probs = model(x, training=True)
                    loss = loss_fn(y, probs) / bsz
                grads = tape.gradient(loss, trainable)
                opt.apply_gradients(zip(grads, trainable, strict=True))
                return loss

            @tf.function
            def step(x, y, gstep):
                per = strategy.run(replica_step, args=(x, y, gstep))
                return strategy.reduce(tf.distribute.ReduceOp.SUM, per, axis=None)

            return opt, step

        probe_fn = tf.function(lambda: rec_model(probe_x, training=False)[0])
        bar = tqdm(
            total=total,
            desc=f"train (worker {task_id}/{n_workers})",
            unit="step",
            file=sys.stderr,
            disable=not (progress and chief),
            dynamic_ncols=True,
        )
        for epoch in range(cfg["epochs"]):
            t0 = time.perf_counter()
            order = np.random.default_rng([cfg["seed"], epoch]).permutation(len(train_set))
            losses = []
            for b in range(spe):
                gstep = epoch * spe + b
                st = stage_at(starts, gstep)
                if st != stage:
                    desc = set_stage(
                        model, cfg["stages"][st]["freeze"], freeze_batchnorm=pretrained
                    )
                    optimizer, step_fn = build_step()
                    stage = st
                    events.append([gstep, gstep / spe, st, desc])
                optimizer.learning_rate = learning_rate_at(cfg, gstep, starts[st], total)
                idx = np.sort(order[b * bsz : (b + 1) * bsz])[task_id::n_workers]
                loss = step_fn(train_set.images[idx], y_train[idx], tf.constant(gstep, tf.int64))
                losses.append(float(loss))
                done = gstep + 1
                if chief:
                    if rec.wants(done):
                        rec.iteration(done, stage, probe_fn().numpy())
                    rec.maybe_snapshot(done)
                bar.update(1)
            history.setdefault("loss", []).append(float(np.mean(losses)))
            history.setdefault("seconds", []).append(time.perf_counter() - t0)
            if chief:
                rec.flush()
                _, vp = rec.infer(splits.val.images)
                history.setdefault("val_accuracy", []).append(
                    float(np.mean(vp.argmax(1) == splits.val.labels))
                )
        bar.close()
        tmp_model = mine / ".tmp-model.keras"
        model.save(tmp_model)
        os.replace(tmp_model, mine / "model.keras")
        if not chief:
            return mine / "model.keras"
        derived = {
            "steps_per_epoch": spe,
            "total_steps": total,
            "n_train": len(train_set),
            "n_val": len(splits.val),
            "checkpoint_steps": checkpoints.tolist(),
            "probe_ids": list(probes.ids),
            "recording_seconds": rec.seconds,
            "workers": n_workers,
        }
        training = Training(
            config=dict(cfg, derived=derived),
            seed=int(cfg["seed"]),
            history={k: np.asarray(v, np.float32) for k, v in history.items()},
            events=tuple(UnfreezeEvent(int(s), float(e), int(st), d) for s, e, st, d in events),
        )
        return writer.finish(training)
    finally:
        if writer is not None:
            writer.close()
