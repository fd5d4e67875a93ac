"""USD test fixtures: the hand-built scene of tests/maya, written once per module."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "maya"))


@pytest.fixture(scope="module")
def scene():
    from hand_scene import hand_scene

    return hand_scene()


@pytest.fixture(scope="module")
def usda(tmp_path_factory, scene):
    from scene_builders.usd import write_usd

    return write_usd(scene, tmp_path_factory.mktemp("usd") / "scene.usda")
