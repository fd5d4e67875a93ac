"""Training configurations: the presets and a loader for JSON/TOML files with overrides.

A config is a flat JSON-able dict (it is stored verbatim in the run file, so a reader can always
tell how a run was made). The paper and its code disagree on input size (299 vs 224 px),
scaling ([-1, 1] vs [0, 1]) and batch size (16 vs 64): all three are settings, recorded.

``stages`` is the progressive-unfreezing schedule: a list of ``{"epoch": E, "freeze": F}``,
meaning from (fractional) epoch E the backbone's layers ``0..F-1`` are frozen; ``"all"``
freezes the whole backbone (head-only training), ``0`` freezes nothing. The paper trains the
head first, then freezes layers 0-39, then 0-1.
"""

from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path

from .errors import TrainerError

DEFAULTS: dict = {
    "preset": None,
    "seed": 0,
    # data
    "data": "synthetic",  # synthetic | galaxy10 | galaxyzoo
    "data_path": None,  # Galaxy10 .h5 or Galaxy Zoo CSV
    "images_path": None,  # cutout folder for a Galaxy Zoo CSV
    "n_images": 5000,  # synthetic only
    "difficulty": 0.5,  # synthetic confounders, 0..1
    "gz_spiral_threshold": 0.985,  # debiased P_CS above which a GZ1 galaxy is a spiral
    "gz_elliptical_threshold": 0.926,  # debiased P_EL above which it is an elliptical
    "val_fraction": 0.25,
    "catalog_size": 1000,
    "thumbnail_size": 64,
    # model
    "backbone": "small",  # small | xception
    "weights": None,  # local file for the backbone (no internet on cluster nodes)
    "width": 24,  # small CNN: filters of its first block (doubles per block)
    "blocks": 3,  # small CNN: conv blocks
    "stem_stride": 2,  # small CNN: stride of the first conv (2: 4x cheaper at 64 px)
    "image_size": 64,
    "scale": "unit",  # unit: [0, 1]; symmetric: [-1, 1] (Xception's own preprocessing)
    "units": 1024,  # penultimate layer (and the dense layer before it)
    "dropout": 0.5,
    "bn_momentum": 0.9,  # from scratch; 0.99 keeps inference outputs at one class for long
    "precise_bn_batches": 8,  # from scratch: re-estimate BN statistics at each epoch end
    # optimisation
    "batch_size": 64,
    "learning_rate": 1e-3,
    "lr_schedule": "cosine",  # cosine (to 5% at the end) | constant
    "warmup_steps": 10,  # linear warm-up after each unfreeze
    "epochs": 8,
    # small CNN: 1 input layer + 7 per block, so freeze 15 leaves the last of 3 blocks training
    "stages": [
        {"epoch": 0, "freeze": "all"},
        {"epoch": 1, "freeze": 15},
        {"epoch": 2, "freeze": 0},
    ],
    "augment": {"flip": True, "rotate": 180.0, "shift": 0.0, "zoom": 0.0},
    # recording
    "record_every": 1,  # optimizer steps per recorded iteration
    "checkpoints": 11,
    # scaling out
    "distribute": "none",  # none | multi_worker
}

PRESETS: dict[str, dict] = {
    "demo": {"preset": "demo", "epochs": 10},
    "tiny": {
        "preset": "tiny",
        "n_images": 480,
        "catalog_size": 200,
        "val_fraction": 0.45,
        "difficulty": 0.3,
        "width": 8,
        "units": 64,
        "batch_size": 32,
        "epochs": 4,
        "learning_rate": 3e-3,
        "warmup_steps": 2,
    },
    "paper": {
        "preset": "paper",
        "backbone": "xception",
        "image_size": 299,
        "scale": "symmetric",
        "batch_size": 16,
        "learning_rate": 1e-4,
        "lr_schedule": "constant",
        "warmup_steps": 0,
        "dropout": 0.7,
        "epochs": 15,
        "stages": [
            {"epoch": 0, "freeze": "all"},
            {"epoch": 5, "freeze": 40},
            {"epoch": 10, "freeze": 2},
        ],
        "augment": {"flip": True, "rotate": 180.0, "shift": 0.1, "zoom": 0.1},
        "bn_momentum": None,  # pretrained: BatchNorm stays frozen (inference mode)
        "record_every": 10,
        "n_images": 20000,
        "difficulty": 0.7,
        "thumbnail_size": 64,
    },
}


def _validate(cfg: dict, where) -> dict:
    def bad(key, why):
        raise TrainerError(where, f"config key {key!r} {why} (got {cfg.get(key)!r})")

    unknown = sorted(set(cfg) - set(DEFAULTS))
    if unknown:
        raise TrainerError(where, f"unknown config keys {unknown}; known: {sorted(DEFAULTS)}")
    if cfg["data"] not in ("synthetic", "galaxy10", "galaxyzoo"):
        bad("data", "must be synthetic, galaxy10 or galaxyzoo")
    if cfg["backbone"] not in ("small", "xception"):
        bad("backbone", "must be small or xception")
    if cfg["scale"] not in ("unit", "symmetric"):
        bad("scale", "must be unit ([0,1]) or symmetric ([-1,1])")
    if cfg["lr_schedule"] not in ("cosine", "constant"):
        bad("lr_schedule", "must be cosine or constant")
    if cfg["distribute"] not in ("none", "multi_worker"):
        bad("distribute", "must be none or multi_worker")
    if not isinstance(cfg["precise_bn_batches"], int) or cfg["precise_bn_batches"] < 0:
        bad("precise_bn_batches", "must be an integer >= 0")
    for key in ("image_size", "batch_size", "epochs", "units", "checkpoints", "record_every"):
        if not isinstance(cfg[key], int) or cfg[key] < 1:
            bad(key, "must be a positive integer")
    if cfg["backbone"] == "xception" and cfg["image_size"] < 71:
        bad("image_size", "must be at least 71 for xception")
    if not 0 <= float(cfg["dropout"]) < 1:
        bad("dropout", "must be in [0, 1)")
    if not 0 < float(cfg["val_fraction"]) < 1:
        bad("val_fraction", "must be in (0, 1)")
    stages = cfg["stages"]
    if not isinstance(stages, list) or not stages:
        bad("stages", "must be a non-empty list of {epoch, freeze}")
    last = -1.0
    for st in stages:
        if not isinstance(st, dict) or set(st) != {"epoch", "freeze"}:
            bad("stages", "entries must be {'epoch': E, 'freeze': N | 'all'}")
        if float(st["epoch"]) <= last:
            bad("stages", "epochs must increase")
        last = float(st["epoch"])
        if st["freeze"] != "all" and (not isinstance(st["freeze"], int) or st["freeze"] < 0):
            bad("stages", "freeze must be 'all' or a layer count >= 0")
    if float(stages[0]["epoch"]) != 0:
        bad("stages", "the first stage must start at epoch 0")
    return cfg


def load_config(preset: str | None = None, path: Path | None = None, **overrides) -> dict:
    """Defaults, then a preset (default ``demo`` when no file is given), then the file's keys,
    then ``overrides`` (``None`` values ignored). Raises :class:`TrainerError` on a bad key."""
    cfg = copy.deepcopy(DEFAULTS)
    where = path or f"preset {preset or 'demo'}"
    if preset is None and path is None:
        preset = "demo"
    if preset is not None:
        if preset not in PRESETS:
            raise TrainerError(None, f"unknown preset {preset!r}; choose from {sorted(PRESETS)}")
        cfg.update(copy.deepcopy(PRESETS[preset]))
    if path is not None:
        path = Path(path)
        try:
            text = path.read_text()
        except OSError as exc:
            raise TrainerError(path, f"cannot read the config: {exc.strerror or exc}") from exc
        try:
            loaded = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
        except (ValueError, tomllib.TOMLDecodeError) as exc:
            raise TrainerError(path, f"is not valid {path.suffix[1:] or 'JSON'}: {exc}") from exc
        if not isinstance(loaded, dict):
            raise TrainerError(path, "must hold a table/object of settings")
        if "preset" in loaded and loaded["preset"] in PRESETS and preset is None:
            cfg.update(copy.deepcopy(PRESETS[loaded["preset"]]))
        cfg.update(loaded)
    for key, value in overrides.items():
        if value is not None:
            cfg[key] = str(value) if isinstance(value, Path) else value
    for key in ("data_path", "images_path", "weights"):
        if cfg.get(key) is not None:
            cfg[key] = str(cfg[key])
    return _validate(cfg, where)
