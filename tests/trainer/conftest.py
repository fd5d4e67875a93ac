"""Tiny real trainings shared by the trainer tests (each costs seconds, so train once)."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _micro_config(**overrides):
    from trainer import load_config

    base = dict(n_images=320, catalog_size=100, units=32, epochs=3, batch_size=32, width=8)
    base.update(overrides)
    return load_config("tiny", **base)


@pytest.fixture(scope="session")
def micro_config():
    """Smaller than the ``tiny`` preset, for tests that train more than once: a config maker."""
    return _micro_config


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """The ``tiny`` preset trained once: (run_dir, run.h5 path)."""
    import trainer

    out = tmp_path_factory.mktemp("tiny_run")
    path = trainer.train(trainer.load_config("tiny"), out, progress=False)
    return out, path


@pytest.fixture(scope="session")
def micro_run(tmp_path_factory):
    import trainer

    out = tmp_path_factory.mktemp("micro_run")
    return trainer.train(_micro_config(), out, progress=False)
