"""Fixtures for the add-on tests: the built zip, run files, the CLI's scene, and bpy sessions.

Every bpy run happens in a subprocess (``blender_session.py``) with its own temporary
``BLENDER_USER_RESOURCES``: the extension is installed or enabled in each process (Blender does
not re-enable add-ons in a new process), and nothing touches the user's Blender config.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import require

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SESSION = HERE / "blender_session.py"
SHOT_NAMES = [
    "spiral_surface",
    "elliptical_surface",
    "merged_surfaces",
    "profile",
    "catalog_grid",
    "tsne",
]
OLD_TEXT = [0.88, 0.91, 0.98, 1.0]  # the default look's text colour
NEW_TEXT = [1.0, 0.2, 0.1, 1.0]


def _has_bpy() -> bool:
    import importlib.util

    return importlib.util.find_spec("bpy") is not None


def cli(*args, env=None, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "galaxyreel.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=timeout,
    )


@pytest.fixture(scope="session")
def addon_build(tmp_path_factory):
    """``galaxyreel addon build`` (wheels from the cache, else PyPI): (zip path, stdout)."""
    out = tmp_path_factory.mktemp("dist")
    p = cli("addon", "build", "--out", out)
    assert p.returncode == 0, p.stderr
    zips = sorted(out.glob("*.zip"))
    assert len(zips) == 1, zips
    return zips[0], p.stdout


@pytest.fixture(scope="session")
def run_files(tmp_path_factory):
    """A small valid run and a malformed copy (a dataset removed), as the reader sees them."""
    import h5py

    from scene_builders.runfile import write_run
    from scene_builders.sample_run import make_sample_run

    d = tmp_path_factory.mktemp("runs")
    run = make_sample_run(iterations=40, checkpoints=11, catalog=120, units=64, thumb=16)
    good = write_run(d / "run.h5", run)
    bad = write_run(d / "bad.h5", run)
    with h5py.File(bad, "r+") as f:
        del f["surfaces/step"]
    return good, bad


@pytest.fixture(scope="session")
def reference_blend(tmp_path_factory, run_files):
    """What ``galaxyreel scene RUN --to blender`` writes for the same run and default look."""
    require(_has_bpy(), "bpy (PyPI bpy 5.0.1)")
    out = tmp_path_factory.mktemp("scene")
    p = cli("scene", run_files[0], "--to", "blender", "--out", out)
    assert p.returncode == 0, p.stderr
    return out / "scene.blend"


def run_session(work: Path, spec: dict, isolated: bool, timeout: float = 400) -> dict:
    """Run ``blender_session.py`` with ``spec``; its JSON results."""
    work.mkdir(parents=True, exist_ok=True)
    spec = dict(spec, work=str(work), user_resources=str(work / "blender-user"))
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    cmd = [sys.executable]
    if isolated:
        # No site: the editable install of this checkout is invisible; bpy and numpy come from
        # the venv's site-packages, added by the session without reading its .pth files.
        cmd.append("-S")
        spec["site"] = sysconfig.get_paths()["purelib"]
    (work / "spec.json").write_text(json.dumps(spec))
    out = work / "results.json"
    cmd += [str(SESSION), str(work / "spec.json"), str(out)]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=work, env=env, timeout=timeout)
    assert p.returncode == 0 and out.is_file(), (p.stdout + p.stderr)[-4000:]
    return json.loads(out.read_text())


def _spec(run_files, reference_blend, mode: str, **extra) -> dict:
    return {
        "mode": mode,
        "run": str(run_files[0]),
        "bad_run": str(run_files[1]),
        "reference_blend": str(reference_blend),
        "shot_names": SHOT_NAMES,
        "rebuild_shot": "spiral_surface",
        "other_text_object": "elliptical_surface_title_units",
        "new_text_color": NEW_TEXT,
        "old_text_color": OLD_TEXT,
        "new_tsne_seconds": 5.0,
        "old_tsne_seconds": 16.0,
        **extra,
    }


@pytest.fixture(scope="session")
def zip_session(tmp_path_factory, addon_build, run_files, reference_blend):
    """The built zip installed and enabled in a fresh bpy; every button pressed once."""
    work = tmp_path_factory.mktemp("zip-session")
    spec = _spec(run_files, reference_blend, "zip", zip=str(addon_build[0]), farm=True)
    return run_session(work, spec, isolated=True)


@pytest.fixture(scope="session")
def source_session(tmp_path_factory, run_files, reference_blend):
    """The add-on enabled from ``blender_addon/`` (development), same buttons, no farm."""
    work = tmp_path_factory.mktemp("source-session")
    spec = _spec(run_files, reference_blend, "source", source=str(ROOT / "blender_addon"))
    return run_session(work, spec, isolated=False)
