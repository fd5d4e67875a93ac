"""``galaxyreel train`` and ``galaxyreel classify`` (options are declared in galaxyreel/cli.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .errors import TrainerError


def _quiet_tensorflow() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def config_from_args(args) -> dict:
    from .config import load_config

    overrides = {"seed": args.seed, "weights": args.weights}
    data = getattr(args, "data", None)
    if data is not None:
        suffix = Path(data).suffix.lower()
        if suffix in (".h5", ".hdf5"):
            overrides.update(data="galaxy10", data_path=data)
        elif suffix in (".csv", ".txt"):
            overrides.update(data="galaxyzoo", data_path=data, images_path=args.images)
        else:
            raise TrainerError(data, "--data must be a Galaxy10 .h5 or a Galaxy Zoo .csv")
    preset = None if args.config is not None else args.preset
    return load_config(preset, args.config, **overrides)


def train_cli(args) -> int:
    _quiet_tensorflow()
    cfg = config_from_args(args)
    if args.recursive:
        from .recursive import train_recursive

        if args.unlabelled is None and cfg["data"] != "synthetic":
            raise TrainerError(None, "--recursive needs --unlabelled DIR_OR_H5 for real data")
        path = train_recursive(
            cfg,
            args.out,
            args.unlabelled,
            per_class=args.per_class,
            rounds=args.rounds,
            floor=getattr(args, "floor", 0.9),
            resume=args.resume,
        )
    else:
        from .loop import train

        path = train(cfg, args.out, resume=args.resume, progress=True)
    print(path)
    return 0


def classify_cli(args) -> int:
    _quiet_tensorflow()
    from .classify import classify

    out = classify(args.model, args.images, args.out, progress=True)
    print(out, file=sys.stdout)
    return 0
