"""The in-memory labelled image set every loader returns, and the splits taken from it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Galaxies:
    """Images with labels and ids. Label 0 elliptical, 1 spiral, -1 unknown (unlabelled)."""

    images: np.ndarray  # (N, H, W, 3) uint8
    labels: np.ndarray  # (N,) int64
    ids: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def take(self, index) -> Galaxies:
        index = np.asarray(index, dtype=np.int64)
        return Galaxies(self.images[index], self.labels[index], tuple(self.ids[i] for i in index))

    @staticmethod
    def concat(parts: list[Galaxies]) -> Galaxies:
        return Galaxies(
            np.concatenate([p.images for p in parts]),
            np.concatenate([p.labels for p in parts]),
            tuple(i for p in parts for i in p.ids),
        )


@dataclass(frozen=True)
class Splits:
    """Train / validation (held out; the probes come from it) / catalog (filmed)."""

    train: Galaxies
    val: Galaxies
    catalog: Galaxies


def split(data: Galaxies, val_fraction: float, catalog_size: int, seed: int) -> Splits:
    """Stratified, seeded split. The catalog is drawn from the validation set, never from train:
    the film should show the network meeting galaxies it does not memorise."""
    rng = np.random.default_rng(seed)
    train_idx, val_idx = [], []
    for label in (0, 1):
        idx = np.flatnonzero(data.labels == label)
        rng.shuffle(idx)
        n_val = max(1, int(round(len(idx) * val_fraction)))
        val_idx.append(idx[:n_val])
        train_idx.append(idx[n_val:])
    train_idx = np.sort(np.concatenate(train_idx))
    val_idx = np.concatenate(val_idx)
    rng.shuffle(val_idx)
    cat_idx = np.sort(val_idx[: min(catalog_size, len(val_idx))])
    return Splits(data.take(train_idx), data.take(np.sort(val_idx)), data.take(cat_idx))


def pick_probes(val: Galaxies, seed: int) -> Galaxies:
    """One spiral then one elliptical from the validation set (the surfaces' convention)."""
    rng = np.random.default_rng(seed + 7)
    chosen = []
    for label in (1, 0):
        idx = np.flatnonzero(val.labels == label)
        if idx.size == 0:
            raise ValueError(f"the validation set holds no galaxy of label {label}")
        chosen.append(int(rng.choice(idx)))
    return val.take(chosen)
