"""A tiny render of every shot, and the scene verb's answers to bad input (real bpy)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tests.conftest import require
from tests.scenes.conftest import galaxyreel, has_bpy


@pytest.mark.slow
@pytest.mark.blender
def test_one_tiny_frame_per_shot_is_not_blank_and_differs_between_shots(built, tmp_path):
    import imageio.v3 as iio

    from scene_builders.blender import render_stills

    scene, out = built
    stills = {(s.first_frame + s.last_frame) // 2: tmp_path / f"{s.name}.png" for s in scene.shots}
    paths = render_stills(out / "scene.blend", stills, resolution=(64, 36), samples=2)
    images = [iio.imread(p).astype(np.float64) / 255 for p in paths]
    for s, img in zip(scene.shots, images, strict=True):
        assert img.shape[:2] == (36, 64), s.name
        assert img[..., :3].std() > 0.03, f"{s.name} renders blank"
    for i in range(len(images)):
        for j in range(i + 1, len(images)):
            diff = np.abs(images[i] - images[j]).mean()
            assert diff > 0.02, f"{scene.shots[i].name} and {scene.shots[j].name} look the same"


@pytest.mark.slow
@pytest.mark.blender
def test_scene_verb_skips_tsne_for_a_run_without_tracks(tmp_path, sample_run, short_look_file):
    require(has_bpy(), "bpy (galaxyreel[blender])")
    from scene_builders.runfile import write_run

    run = write_run(tmp_path / "run.h5", dataclasses.replace(sample_run, projection=None))
    proc = galaxyreel(
        "scene",
        run,
        "--to",
        "blender",
        "--out",
        tmp_path / "s",
        "--look",
        short_look_file,
        "--shots",
        "profile,tsne",
        tmp=tmp_path,
    )
    assert "skipped shot tsne" in proc.stderr and "galaxyreel project" in proc.stderr
    assert (tmp_path / "s" / "scene.blend").is_file()
    assert '"name": "profile"' in (tmp_path / "s" / "timeline.json").read_text()


def test_scene_verb_turns_an_invalid_look_into_one_line_and_writes_nothing(tmp_path, run_file):
    look = tmp_path / "look.toml"
    look.write_text("[durations]\nprofile = -2\n")
    proc = galaxyreel(
        "scene", run_file, "--out", tmp_path / "s", "--look", look, tmp=tmp_path, check=False
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(look) in lines[0] and "durations.profile" in lines[0]
    assert not (tmp_path / "s").exists()


def test_scene_verb_rejects_an_unknown_target(tmp_path, run_file):
    proc = galaxyreel(
        "scene", run_file, "--to", "povray", "--out", tmp_path, tmp=tmp_path, check=False
    )
    assert proc.returncode == 2 and "unknown target(s) povray" in proc.stderr


@pytest.mark.slow
@pytest.mark.blender
def test_a_rewrite_replaces_the_blend_atomically(tmp_path, run_file, short_look_file):
    """A second write over an existing .blend leaves one good file and no temp files."""
    require(has_bpy(), "bpy (galaxyreel[blender])")
    out = tmp_path / "s"
    args = ("scene", run_file, "--out", out, "--look", short_look_file, "--shots", "profile")
    galaxyreel(*args, tmp=tmp_path)
    first = (out / "scene.blend").stat().st_size
    galaxyreel(*args, tmp=tmp_path)
    assert sorted(p.name for p in out.iterdir()) == ["scene.blend", "timeline.json"]
    assert (out / "scene.blend").stat().st_size > 0.5 * first
