"""maya_scripts outside Maya: they compile, import without Maya, and their data preparation
agrees with the IR and with the .ma writer (the two routes must build the same scene)."""

from __future__ import annotations

import json
import py_compile
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from ma_reader import plug_value

from maya_scripts import arnold_setup, batch_render, import_scene
from maya_scripts.npz import load_npz
from scene_builders.ir import Mesh, PointSet, SceneError
from scene_builders.maya_convert import points_to_maya, rotation_to_maya
from scene_builders.maya_export import export_for_maya

SCRIPTS = sorted((Path(__file__).parents[2] / "maya_scripts").glob("*.py"))


@pytest.fixture(scope="module")
def exported(tmp_path_factory, scene):
    folder = tmp_path_factory.mktemp("export")
    export_for_maya(scene, folder)
    return folder


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_scripts_compile_and_import_without_maya(script):
    py_compile.compile(str(script), doraise=True)
    code = f"import sys; sys.path.insert(0, {str(script.parent)!r}); import {script.stem}"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "import numpy" not in script.read_text()


def test_stdlib_npz_reader_equals_numpy(exported):
    ours = load_npz(exported / "scene.npz")
    with np.load(exported / "scene.npz", allow_pickle=False) as ref:
        assert set(ours) == set(ref.files)
        for name in ref.files:
            assert ours[name].shape == ref[name].shape
            assert np.array_equal(np.asarray(ours[name].data).reshape(ref[name].shape), ref[name])


def test_export_is_in_maya_space(exported, scene):
    doc, arrays = import_scene.load_export(str(exported))
    assert doc["time_unit"] == "film" and (doc["frame_start"], doc["frame_end"]) == (1, 60)
    shot = doc["shots"][0]
    card = next(i for i in shot["items"] if i["name"] == "card")
    ir_card = next(i for i in scene.shots[0].items if i.name == "card")
    assert np.allclose(arrays[card["vertices"]].rows(), points_to_maya(ir_card.vertices))
    cam = shot["camera"]
    ir_cam = scene.shots[0].camera
    keys = import_scene.channel_keys(cam["transform"]["rotate"], 1)
    want = rotation_to_maya(ir_cam.transform.rotation.values)[:, 1]
    assert [v for _, v in keys] == pytest.approx(want.tolist())
    assert cam["transform"]["rotate"]["in_tangent"] == "flat"
    assert cam["transform"]["rotate_axis"] == [-90.0, 0.0, 0.0]


def test_state_steps_match_the_ma_blendshape_and_the_ir(exported, scene, written):
    _, ma = written
    doc, arrays = import_scene.load_export(str(exported))
    item = next(i for i in doc["shots"][0]["items"] if i["name"] == "surface")
    states = arrays[item["states"]["values"]].rows()
    steps = import_scene.state_steps(states)
    bs = ma.nodes["surface_states"]
    for w, (k, idx, _deltas) in enumerate(steps):
        comps = bs.get(f".it[0].itg[{w}].iti[6000].ict").values[1:]
        ma_idx = []
        for c in comps:
            a, _, b = c.strip('"')[4:-1].partition(":")
            ma_idx.extend(range(int(a), int(b or a) + 1))
        assert ma_idx == idx
        frames = item["states"]["frames"]
        assert plug_value(ma, "surface_states", f"w[{w}]", frames[k - 1]) == 0.0
        assert plug_value(ma, "surface_states", f"w[{w}]", frames[k]) == 1.0
    # Summing every step reproduces the last state.
    ir = next(i for i in scene.shots[0].items if isinstance(i, Mesh) and i.name == "surface")
    last = np.asarray(states[0], dtype=float)
    for _, idx, deltas in steps:
        last[idx] += np.asarray(deltas)
    assert np.allclose(last, points_to_maya(ir.states.values[-1]), atol=1e-9)


def test_points_grouped_by_colour_track_and_tiled(exported, scene):
    doc, arrays = import_scene.load_export(str(exported))
    item = next(i for i in doc["shots"][1]["items"] if i["name"] == "galaxies")
    groups = import_scene.colour_groups(arrays[item["colors"]["values"]].rows())
    assert sorted(groups.values()) == [[0, 1, 2], [3, 4, 5]]
    ir = next(i for i in scene.shots[1].items if isinstance(i, PointSet) and i.name == "galaxies")
    rects = arrays[item["tile_rects"]].rows()
    uv = import_scene.tile_uvs(arrays[item["shape_uvs"]].rows(), rects[4])
    want = scene.images["atlas"].tile_uv(ir.tiles)[4]
    assert min(u for u, _ in uv) == pytest.approx(want[0]) and max(
        v for _, v in uv
    ) == pytest.approx(want[3])


def test_visibility_keys_agree_with_the_ma(scene, written):
    _, ma = written
    for shot in scene.shots:
        keys = import_scene.visibility_keys(
            {"first_frame": shot.first_frame, "last_frame": shot.last_frame},
            scene.frame_start,
            scene.frame_end,
        )
        curve = ma.sources(f"shot_{shot.name}.v")[0].split(".")[0]
        assert keys == [tuple(r) for r in ma.nodes[curve].array(".ktv").tolist()]


def test_export_errors_are_clear(tmp_path, scene):
    with pytest.raises(import_scene.ExportError, match="cannot read"):
        import_scene.load_export(str(tmp_path))
    (tmp_path / "scene.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(import_scene.ExportError, match="not a galaxyreel"):
        import_scene.load_export(str(tmp_path))
    (tmp_path / "file").write_text("")
    with pytest.raises(SceneError, match="cannot create"):
        export_for_maya(scene, tmp_path / "file" / "sub")


def test_batch_render_plans_one_render_per_shot_and_frame_run(written, tmp_path):
    path, _ = written
    assert batch_render.read_shots(str(path)) == [
        ("surface", 1, 24, "cam_a"),
        ("tsne", 25, 60, "cam_b"),
    ]
    cmds = batch_render.render_commands(
        str(path), str(tmp_path), batch_render.parse_frames("20-30,40")
    )
    spans = [(c[c.index("-s") + 1], c[c.index("-e") + 1], c[c.index("-cam") + 1]) for c in cmds]
    assert spans == [("20", "24", "cam_a"), ("25", "30", "cam_b"), ("40", "40", "cam_b")]
    assert all(c[:3] == ["Render", "-r", "arnold"] and c[-1] == str(path) for c in cmds)
    assert cmds[0][cmds[0].index("-proj") + 1] == str(path.parent)
    proc = subprocess.run(
        [sys.executable, str(SCRIPTS[0].parent / "batch_render.py"), str(path), "--out",
         str(tmp_path), "--dry-run"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0 and proc.stdout.count("Render -r arnold") == 2
    bad = tmp_path / "other.ma"
    bad.write_text("//Maya ASCII 2024 scene\n")
    proc = subprocess.run(
        [sys.executable, str(SCRIPTS[0].parent / "batch_render.py"), str(bad), "--out", "x"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 2 and "no galaxyreelShots" in proc.stderr


def test_arnold_settings():
    s = arnold_setup.settings("final", samples=16, width=64, height=36)
    assert s["defaultArnoldRenderOptions.AASamples"] == 4
    assert s["defaultRenderGlobals.currentRenderer"] == "arnold"
    assert s["defaultResolution.deviceAspectRatio"] == pytest.approx(64 / 36)
    with pytest.raises(ValueError, match="quality"):
        arnold_setup.settings("ultra")
