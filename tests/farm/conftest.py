"""Fixtures for the farm: a tiny animated .blend made by bpy in a subprocess, and the cluster."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import IN_CI, require

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
FRAMES = 8


def make_blend(path: Path, frames: int = FRAMES, engine: str = "CYCLES") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, str(HERE / "make_blend.py"), str(path), str(frames), engine],
        check=True,
        capture_output=True,
    )
    return path


def write_timeline(blend: Path, frames: int = FRAMES) -> None:
    half = frames // 2
    (blend.parent / "timeline.json").write_text(
        json.dumps(
            {
                "fps": 24,
                "frame_start": 1,
                "frame_end": frames,
                "resolution": [32, 18],
                "shots": [
                    {"name": "spiral", "title": "Spiral", "first_frame": 1, "last_frame": half},
                    {
                        "name": "tsne",
                        "title": "t-SNE",
                        "first_frame": half + 1,
                        "last_frame": frames,
                    },
                ],
            }
        )
    )


@pytest.fixture(scope="session")
def blend_master(tmp_path_factory) -> Path:
    """An 8-frame, 32x18, Cycles 1-sample scene with a two-shot timeline beside it."""
    p = make_blend(tmp_path_factory.mktemp("scene") / "tiny.blend")
    write_timeline(p)
    return p


@pytest.fixture
def blend(tmp_path, blend_master) -> Path:
    """A private copy (in a folder whose name has a space and a quote) with its timeline."""
    d = tmp_path / "scene dir 'q'"
    d.mkdir()
    shutil.copy(blend_master, d / "tiny.blend")
    shutil.copy(blend_master.parent / "timeline.json", d / "timeline.json")
    return d / "tiny.blend"


def _slurm_up() -> bool:
    if not shutil.which("sbatch"):
        return False
    p = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True)
    return p.returncode == 0 and any(
        s.strip().rstrip("*") in ("idle", "mixed", "allocated", "completing")
        for s in p.stdout.split()
    )


@pytest.fixture(scope="session")
def slurm_cluster():
    """The local Slurm cluster. CI starts it (.ci/run); on a laptop, as root, this fixture
    starts it and stops it again at the end of the session."""
    started = False
    if not _slurm_up() and not IN_CI and os.geteuid() == 0:
        p = subprocess.run(
            [str(ROOT / "render_farm/cluster/start-local-slurm.sh")],
            env={**os.environ, "FARM_SLURM_NODES": "2"},
            check=False,
        )
        started = p.returncode == 0
    require(_slurm_up(), "a running Slurm cluster (render_farm/cluster/start-local-slurm.sh)")
    nodes = subprocess.run(["sinfo", "-h", "-N", "-o", "%N"], capture_output=True, text=True)
    yield sorted(set(nodes.stdout.split()))
    if started:
        subprocess.run([str(ROOT / "render_farm/cluster/stop-local-slurm.sh")], check=False)
