"""The farm on the film's real scene (scene_builders.blender.write_blend), built tiny."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import render_farm
from render_farm import png_problem

pytestmark = [pytest.mark.blender, pytest.mark.slow]


def test_real_built_scene_renders_every_shot_and_lists_frames_by_shot(tmp_path):
    scene_dir = tmp_path / "scene"
    subprocess.run(
        [sys.executable, str(Path(__file__).with_name("make_real_scene.py")), str(scene_dir)],
        check=True,
        capture_output=True,
    )
    timeline = json.loads((scene_dir / "timeline.json").read_text())
    out = tmp_path / "frames"
    r = render_farm.render(scene_dir / "film.blend", out, progress=False)
    n = timeline["frame_end"] - timeline["frame_start"] + 1
    assert r.complete and r.frames_rendered == n
    assert r.chunks < len(timeline["shots"])  # short shots share a .blend load
    assert all(png_problem(out / f"{f:04d}.png", (32, 18)) is None for f in range(1, n + 1))
    doc = json.loads((out / "frames.json").read_text())
    assert [s["name"] for s in doc["shots"]] == [s["name"] for s in timeline["shots"]]
    for f in doc["frames"]:
        shot = next(
            s for s in timeline["shots"] if s["first_frame"] <= f["frame"] <= s["last_frame"]
        )
        assert f["shot"] == shot["name"]
