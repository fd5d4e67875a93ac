"""Resume state: model weights, optimizer variables and progress, saved at each epoch end.

All of ``model.variables`` are saved (not ``save_weights``): they include the dropout layers'
seed-generator state, without which a resumed run draws different dropout masks than the
uninterrupted run would have.

``state.json`` is written last and names the weight files it goes with, so a run killed while
saving leaves the previous epoch's state intact (every file goes to a temp name, then rename).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np


def _replace(tmp: Path, final: Path) -> None:
    os.replace(tmp, final)


def save_state(state_dir: Path, model, optimizer, progress: dict) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    tag = f"epoch-{progress['epoch']:04d}"
    weights = state_dir / f"{tag}.model.npz"
    tmp = state_dir / f".tmp-{tag}.model.npz"
    with open(tmp, "wb") as fh:
        np.savez(fh, *[np.asarray(v.numpy()) for v in model.variables])
    _replace(tmp, weights)
    opt = state_dir / f"{tag}.optimizer.npz"
    tmp = state_dir / f".tmp-{tag}.optimizer.npz"
    with open(tmp, "wb") as fh:
        np.savez(fh, *[np.asarray(v.numpy()) for v in optimizer.variables])
    _replace(tmp, opt)
    progress = dict(progress, weights=weights.name, optimizer=opt.name)
    tmp = state_dir / ".tmp-state.json"
    tmp.write_text(json.dumps(progress, sort_keys=True))
    _replace(tmp, state_dir / "state.json")
    for old in state_dir.glob("epoch-*"):
        if not old.name.startswith(tag):
            old.unlink(missing_ok=True)


def load_progress(state_dir: Path) -> dict | None:
    path = state_dir / "state.json"
    if not path.exists():
        return None
    return json.loads(path.read_text())


def restore(state_dir: Path, progress: dict, model, optimizer) -> None:
    """Load the weights, then the optimizer's variables (the optimizer must be built)."""
    _assign(state_dir / progress["weights"], model.variables)
    _assign(state_dir / progress["optimizer"], optimizer.variables)


def _assign(path: Path, variables) -> None:
    from .errors import TrainerError

    with np.load(path, allow_pickle=False) as z:
        values = [z[f"arr_{i}"] for i in range(len(z.files))]
    if len(values) != len(variables) or any(
        tuple(v.shape) != a.shape for v, a in zip(variables, values, strict=False)
    ):
        raise TrainerError(path, "does not match the model being resumed (architecture changed?)")
    for var, value in zip(variables, values, strict=True):
        var.assign(value)
