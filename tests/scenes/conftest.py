"""Fixtures for the scene tests: one small scene written once through the real CLI + bpy.

The .blend is written and probed in subprocesses (a fresh Blender each), as a farm node would
open it; the pytest process never imports bpy.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).with_name("blend_probe.py")

SHORT_LOOK = """
fps = 24
[durations]
spiral_surface = 2.0
elliptical_surface = 2.0
merged_surfaces = 2.0
profile = 1.5
catalog_grid = 1.5
tsne = 3.0
[quality.preview]
resolution = [64, 36]
samples = 2
"""


def has_bpy() -> bool:
    import importlib.util

    return importlib.util.find_spec("bpy") is not None


def env(tmp: Path) -> dict:
    e = dict(os.environ)
    e["BLENDER_USER_RESOURCES"] = str(tmp / "blender-user")
    e["PYTHONPATH"] = str(ROOT) + os.pathsep + e.get("PYTHONPATH", "")
    return e


def galaxyreel(*args, tmp: Path, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "galaxyreel", *map(str, args)],
        capture_output=True,
        text=True,
        env=env(tmp),
        cwd=ROOT,
        timeout=300,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"galaxyreel {args} failed:\n{proc.stderr[-3000:]}")
    return proc


def probe(blend: Path, requests: list[dict], tmp: Path) -> list:
    """Evaluate ``requests`` in a fresh Blender that opens ``blend`` (see blend_probe.py)."""
    req, out = tmp / "probe_req.json", tmp / "probe_out.json"
    req.write_text(json.dumps(requests))
    proc = subprocess.run(
        [sys.executable, str(PROBE), str(blend), str(req), str(out)],
        capture_output=True,
        text=True,
        env=env(tmp),
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.fixture(scope="session")
def short_look_file(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("look") / "short.toml"
    p.write_text(SHORT_LOOK)
    return p


@pytest.fixture(scope="session")
def short_look(short_look_file):
    from scene_builders.look import load_look

    return load_look(short_look_file)


@pytest.fixture(scope="session")
def run_file(tmp_path_factory, sample_run) -> Path:
    from scene_builders.runfile import write_run

    return write_run(tmp_path_factory.mktemp("run") / "run.h5", sample_run)


@pytest.fixture(scope="session")
def built(tmp_path_factory, run_file, short_look_file, sample_run, short_look):
    """(scene IR, scene dir) after ``galaxyreel scene RUN --to blender`` in a subprocess."""
    require(has_bpy(), "bpy (galaxyreel[blender])")
    from scene_builders.build import build_scene

    out = tmp_path_factory.mktemp("scene")
    galaxyreel(
        "scene", run_file, "--to", "blender", "--out", out, "--look", short_look_file, tmp=out
    )
    from scene_builders.runfile import read_run

    # The IR from the file, as the CLI saw it (activations are stored as float16).
    scene, skipped = build_scene(read_run(run_file), short_look)
    assert not skipped
    return scene, out
