"""Classify unlabelled cutouts (the paper's DES use): predictions and penultimate features.

Input: a folder of cutouts (ids = file stems) or an HDF5 file with ``images`` (N, S, S, 3)
uint8 and optionally ``ids``. Output: an HDF5 file with ``ids``, ``probabilities`` (N, 2),
``predictions`` (N,) and ``features`` (N, units), written to a temp name and renamed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from scene_builders.atomic import atomic_output
from scene_builders.runfile import CLASS_NAMES

from .dataset import Galaxies
from .errors import TrainerError


def load_model(path: Path):
    """A trained classifier from a RUN_DIR (its ``model.keras``) or a ``.keras`` file."""
    import keras

    path = Path(path)
    file = path / "model.keras" if path.is_dir() else path
    if not file.is_file():
        raise TrainerError(file, "no trained model here (train writes RUN_DIR/model.keras)")
    try:
        return keras.saving.load_model(file, compile=False, safe_mode=True)
    except (ValueError, OSError, KeyError, TypeError) as exc:
        raise TrainerError(
            file, f"cannot be loaded as a Keras model: {str(exc).splitlines()[0][:300]}"
        ) from exc


def load_unlabelled(path: Path, size: int | None = None, progress: bool = False) -> Galaxies:
    """Images (labels -1, or the file's ``labels`` if it has them) from a folder or an .h5."""
    import h5py

    from .images import decode_all, list_cutouts

    path = Path(path)
    if path.is_dir():
        cutouts = list_cutouts(path)
        if not cutouts:
            raise TrainerError(path, "holds no image files")
        images = decode_all(list(cutouts.values()), size, progress=progress)
        return Galaxies(images, np.full(len(cutouts), -1, np.int64), tuple(cutouts))
    if not path.is_file():
        raise TrainerError(path, "no such folder or file")
    if not h5py.is_hdf5(path):
        raise TrainerError(path, "is neither a folder of cutouts nor an HDF5 file")
    try:
        with h5py.File(path, "r") as f:
            if "images" not in f:
                raise TrainerError(path, f"has no 'images' dataset; found {sorted(f)}")
            images = f["images"][()]
            n = images.shape[0]
            ids = (
                tuple(v.decode() if isinstance(v, bytes) else str(v) for v in f["ids"][()])
                if "ids" in f
                else tuple(f"{path.stem}-{i}" for i in range(n))
            )
            labels = f["labels"][()].astype(np.int64) if "labels" in f else np.full(n, -1, np.int64)
    except TrainerError:
        raise
    except (OSError, RuntimeError, ValueError) as exc:
        raise TrainerError(path, f"cannot be read (corrupt or truncated file): {exc}") from exc
    if images.ndim != 4 or images.shape[3] != 3 or images.dtype != np.uint8:
        raise TrainerError(
            path, f"'images' is {images.dtype} {images.shape}, expected uint8 (N, S, S, 3)"
        )
    if len(ids) != n or labels.shape != (n,):
        raise TrainerError(path, "'ids'/'labels' do not match 'images' in length")
    return Galaxies(images, labels, ids)


def predict(model, images: np.ndarray, batch: int = 250, progress: bool = False):
    """(penultimate features, probabilities) in inference mode, resizing to the model's input."""
    import tensorflow as tf
    from tqdm import tqdm

    from .data import resize
    from .models import recording_model

    size = int(model.inputs[0].shape[1])
    images = resize(np.asarray(images, np.uint8), size)
    rec = recording_model(model)
    infer = tf.function(lambda x: rec(x, training=False), reduce_retracing=True)
    feats, probs = [], []
    for i in tqdm(
        range(0, images.shape[0], batch), desc="classify", disable=not progress, file=sys.stderr
    ):
        a, p = infer(images[i : i + batch].astype(np.float32))
        feats.append(a.numpy())
        probs.append(p.numpy())
    return np.concatenate(feats), np.concatenate(probs)


def write_predictions(out: Path, ids, probs, feats, meta: dict) -> Path:
    import h5py

    out = Path(out)
    with atomic_output(out) as tmp, h5py.File(tmp, "w") as f:
        f.attrs["class_names"] = json.dumps(CLASS_NAMES)
        for k, v in meta.items():
            f.attrs[k] = v
        f.create_dataset("ids", data=np.array([s.encode() for s in ids], dtype=h5py.string_dtype()))
        f.create_dataset("probabilities", data=probs.astype(np.float32))
        f.create_dataset("predictions", data=probs.argmax(1).astype(np.int8))
        f.create_dataset("features", data=feats.astype(np.float32), compression="gzip")
    return out


def classify(model_path: Path, images: Path, out: Path, *, progress: bool = True) -> Path:
    model = load_model(model_path)
    data = load_unlabelled(images, progress=progress)
    feats, probs = predict(model, data.images, progress=progress)
    return write_predictions(
        out, data.ids, probs, feats, {"model": str(model_path), "source": str(images)}
    )
