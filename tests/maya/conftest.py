"""Fixtures for the Maya tests: the hand-built scene written once per module, parsed strictly."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def scene():
    from hand_scene import hand_scene

    return hand_scene()


@pytest.fixture(scope="module")
def written(tmp_path_factory, scene):
    """(path, parsed MaFile) for the hand scene written with Arnold materials."""
    from ma_reader import parse

    from scene_builders.maya_ascii import write_ma

    path = write_ma(scene, tmp_path_factory.mktemp("ma") / "scene.ma", arnold=True)
    return path, parse(path.read_text(encoding="utf-8"))
