"""Fixtures for the projection tests: small runs (numpy only) and one trained tiny run."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def small_run():
    """4 checkpoints x 100 galaxies x 32 units: enough for perplexity 30, cheap to embed."""
    from scene_builders.sample_run import make_sample_run

    return make_sample_run(
        iterations=12, checkpoints=4, catalog=100, units=32, thumb=8, with_projection=False
    )


@pytest.fixture
def small_run_file(tmp_path, small_run):
    from scene_builders.runfile import write_run

    return write_run(tmp_path / "run.h5", small_run)


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory):
    """The trainer's ``tiny`` preset trained once (the real network, TensorFlow)."""
    import trainer

    out = tmp_path_factory.mktemp("tiny_run")
    return trainer.train(trainer.load_config("tiny"), out, progress=False)
