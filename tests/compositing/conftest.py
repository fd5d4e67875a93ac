"""Fixtures for the compositing tests (helpers live in compose_helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from compose_helpers import make_frames


@pytest.fixture(scope="session")
def frames_dir(tmp_path_factory) -> Path:
    return make_frames(tmp_path_factory.mktemp("frames"))


@pytest.fixture
def write_storyboard(tmp_path):
    def write(text: str, name: str = "story.toml") -> Path:
        p = tmp_path / name
        p.write_text(text)
        return p

    return write
