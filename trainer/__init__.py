"""The trainer: galaxy data, the classifier, progressive unfreezing, recording into run.h5.

Import-light on purpose: ``import trainer`` does not import TensorFlow; the functions below
import what they need when called.
"""

from __future__ import annotations

from pathlib import Path

from .errors import TrainerError

__all__ = ["TrainerError", "classify", "load_config", "train", "train_recursive"]


def load_config(preset: str | None = None, path: Path | None = None, **overrides) -> dict:
    """A validated config: defaults, then ``preset`` (demo|paper|tiny), a JSON/TOML file, overrides."""
    from .config import load_config as _load

    return _load(preset, path, **overrides)


def train(config: dict, out_dir: Path, *, resume: bool = False, progress: bool = True) -> Path:
    """Train and record; returns ``out_dir/run.h5`` (streamed as ``.partial``, renamed at the end)."""
    from .loop import train as _train

    return _train(config, out_dir, resume=resume, progress=progress)


def classify(model: Path, images: Path, out: Path, *, progress: bool = True) -> Path:
    """Predictions and penultimate features of unlabelled cutouts into ``out`` (.h5)."""
    from .classify import classify as _classify

    return _classify(model, images, out, progress=progress)


def train_recursive(config: dict, out_dir: Path, unlabelled, **kwargs) -> Path:
    """Train, then pseudo-label the most confident of ``unlabelled`` and retrain, for rounds."""
    from .recursive import train_recursive as _rec

    return _rec(config, out_dir, unlabelled, **kwargs)
