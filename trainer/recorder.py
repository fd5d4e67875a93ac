"""What the film needs, recorded while the network learns, streamed into ``run.h5.partial``.

Probe activations arrive with every training step (the step function computes them in the same
graph call, in inference mode, so an iteration costs ~2 extra forward passes and no Python
round trip); they are buffered and appended in blocks. At the K checkpoint steps the whole
catalog goes through the recording sub-model (shares the live weights, inference mode).
"""

from __future__ import annotations

import numpy as np

from scene_builders.runfile import Catalog, Probes, RunWriter


def checkpoint_steps(total_steps: int, k: int) -> np.ndarray:
    """``k`` distinct steps in 0..total: step 0 (the untrained network), then geometric, so the
    fast early learning is sampled densely and the slow end sparsely."""
    if total_steps + 1 < k:
        from .errors import TrainerError

        raise TrainerError(
            None,
            f"{k} checkpoints need at least {k - 1} training steps, but this config gives "
            f"{total_steps}: use more images or epochs, a smaller batch, or fewer checkpoints",
        )
    ck = [0]
    for s in np.geomspace(1, total_steps, k - 1):
        ck.append(max(int(round(s)), ck[-1] + 1))
    # push collisions back from the end so the last checkpoint is the final step
    ck[-1] = total_steps
    for i in range(k - 2, 0, -1):
        ck[i] = min(ck[i], ck[i + 1] - 1)
    return np.array(ck, np.int64)


class Recorder:
    """Appends probe iterations and catalog snapshots to a :class:`RunWriter`."""

    def __init__(
        self,
        writer: RunWriter,
        rec_model,
        catalog_images: np.ndarray,
        checkpoints: np.ndarray,
        every: int,
        steps_per_epoch: int,
        block: int = 32,
    ):
        import tensorflow as tf

        self.writer = writer
        self.catalog_images = catalog_images
        self.checkpoints = set(int(s) for s in checkpoints)
        self.every = int(every)
        self.spe = int(steps_per_epoch)
        self.block = block
        self._buf: list[tuple[np.ndarray, int, int]] = []
        self._infer = tf.function(lambda x: rec_model(x, training=False), reduce_retracing=True)
        self.seconds = 0.0  # time spent recording catalog snapshots (for the bench)

    def wants(self, step: int) -> bool:
        return step % self.every == 0

    def iteration(self, step: int, stage: int, activations) -> None:
        self._buf.append((np.asarray(activations, np.float32), step, stage))
        if len(self._buf) >= self.block:
            self.flush()

    def flush(self) -> None:
        if not self._buf:
            return
        acts = np.stack([a for a, _, _ in self._buf])
        steps = np.array([s for _, s, _ in self._buf], np.int64)
        stages = np.array([st for _, _, st in self._buf], np.int8)
        self.writer.add_iterations(acts, steps, (steps / self.spe).astype(np.float32), stages)
        self._buf.clear()

    def infer(self, images: np.ndarray, batch: int = 250) -> tuple[np.ndarray, np.ndarray]:
        """(activations, probabilities) of ``images`` in inference mode."""
        acts, probs = [], []
        for i in range(0, images.shape[0], batch):
            a, p = self._infer(np.asarray(images[i : i + batch], np.float32))
            acts.append(a.numpy())
            probs.append(p.numpy())
        return np.concatenate(acts), np.concatenate(probs)

    def maybe_snapshot(self, step: int) -> None:
        if step not in self.checkpoints:
            return
        import time

        t0 = time.perf_counter()
        acts, probs = self.infer(self.catalog_images)
        self.flush()
        self.writer.add_snapshot(step, step / self.spe, acts, probs)
        self.seconds += time.perf_counter() - t0


def open_writer(path, probes, catalog, thumbnail_size: int, units: int, resume: bool):
    """A :class:`RunWriter` with the probes and the catalog's thumbnails."""
    from .data import resize

    p = Probes(np.asarray(probes.images, np.uint8), np.asarray(probes.labels), probes.ids)
    thumbs = resize(np.asarray(catalog.images, np.uint8), thumbnail_size)
    c = Catalog(thumbs, np.asarray(catalog.labels), catalog.ids)
    return RunWriter(path, p, c, units=units, resume=resume)
