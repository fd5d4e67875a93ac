"""Shared fixtures and the one rule about missing services.

In CI (``CI=true``) a test whose service or package is missing *fails*: a green run must mean
the real part ran. On a developer's laptop it skips with the reason.
"""

from __future__ import annotations

import os
import shutil

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(available: bool, what: str) -> None:
    """Fail (CI) or skip (laptop) unless ``available``."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI but missing", pytrace=False)
    pytest.skip(f"{what} is not available here")


def require_command(name: str) -> str:
    path = shutil.which(name)
    require(path is not None, f"the command {name!r}")
    return path


@pytest.fixture(scope="session")
def sample_run():
    """A small, consistent run (numpy only): 40 iterations, 11 checkpoints, 120 galaxies."""
    from scene_builders.sample_run import make_sample_run

    return make_sample_run(iterations=40, checkpoints=11, catalog=120, units=64, thumb=16)


@pytest.fixture
def sample_run_file(tmp_path, sample_run):
    from scene_builders.runfile import write_run

    return write_run(tmp_path / "run.h5", sample_run)
