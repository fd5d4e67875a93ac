"""The USD writer: validated with usd-core, read back with pxr, imported by a real bpy."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from usd_check import validate

from scene_builders.ir import Keys, Mesh, PointSet, SceneError, euler_xyz_to_matrix
from scene_builders.usd import sample_times, write_usd

FRAMES = (1, 2.5, 6, 9, 12, 20, 24, 25, 31, 40, 47, 60)


def find(scene, kind, name):
    return next(i for s in scene.shots for i in s.items if isinstance(i, kind) and i.name == name)


def test_usda_passes_the_usd_validators(usda):
    assert validate(usda) == []


def test_usdc_is_binary_and_valid(tmp_path, scene):
    path = write_usd(scene, tmp_path / "scene.usdc")
    assert path.read_bytes()[:8] == b"PXR-USDC"
    assert validate(path) == []
    assert (tmp_path / "atlas.png").exists()


def test_stage_metadata_units_time_and_shots(usda, scene):
    from pxr import Usd, UsdGeom

    stage = Usd.Stage.Open(str(usda))
    assert UsdGeom.GetStageUpAxis(stage) == UsdGeom.Tokens.z
    assert UsdGeom.GetStageMetersPerUnit(stage) == 1.0
    assert (stage.GetStartTimeCode(), stage.GetEndTimeCode()) == (1, 60)
    assert stage.GetFramesPerSecond() == 24 and stage.GetTimeCodesPerSecond() == 24
    shots = stage.GetRootLayer().customLayerData["galaxyreel"]["shots"]
    assert [(s["name"], s["first_frame"], s["last_frame"]) for s in shots.values()] == [
        ("surface", 1, 24),
        ("tsne", 25, 60),
    ]
    for s in shots.values():
        assert stage.GetPrimAtPath(s["camera"]).IsA(UsdGeom.Camera)


def test_time_samples_reproduce_keys_at_every_frame(usda, scene):
    """Points, xforms, instancer positions and visibility, read back with pxr, equal Keys.at."""
    from pxr import Usd, UsdGeom

    stage = Usd.Stage.Open(str(usda))
    surf = find(scene, Mesh, "surface")
    gal = find(scene, PointSet, "galaxies")
    mesh = UsdGeom.Mesh(stage.GetPrimAtPath("/World/shot_surface/surface"))
    inst = UsdGeom.PointInstancer(stage.GetPrimAtPath("/World/shot_tsne/galaxies"))
    colours = UsdGeom.PrimvarsAPI(inst).GetPrimvar("displayColor")
    from scene_builders.ir import srgb_to_linear

    for f in range(1, 61):
        pts = np.asarray(mesh.GetPointsAttr().Get(f))
        assert np.allclose(pts, surf.states.at(f), atol=1e-6), f
        m = np.asarray(mesh.ComputeLocalToWorldTransform(f)).T  # USD matrices are row-major
        want = np.eye(4)
        want[:3, :3] = euler_xyz_to_matrix(surf.transform.rotation.at(f)) @ np.diag(
            surf.transform.scale.at(f)
        )
        want[:3, 3] = surf.transform.location.at(f)
        assert np.allclose(m, want, atol=1e-5), f
        assert np.allclose(
            np.asarray(inst.GetPositionsAttr().Get(f)), gal.positions.at(f), atol=1e-6
        )
        want_c = srgb_to_linear(gal.colors.at(f))[:, :3]
        assert np.allclose(np.asarray(colours.Get(f)), want_c, atol=1e-6), f
        for shot in scene.shots:
            prim = stage.GetPrimAtPath(f"/World/shot_{shot.name}")
            vis = UsdGeom.Imageable(prim).ComputeVisibility(f)
            inside = shot.first_frame <= f <= shot.last_frame
            assert vis == (UsdGeom.Tokens.inherited if inside else UsdGeom.Tokens.invisible), f


def test_sampling_rule_per_interpolation():
    lin = Keys(np.array([1.0, 10.0]), np.array([0.0, 1.0]))
    step = Keys(np.array([1.0, 10.0, 20.0]), np.array([0.0, 1.0, 2.0]), "constant")
    ease = Keys(np.array([1.0, 4.5]), np.array([0.0, 1.0]), "bezier")
    assert sample_times(lin) == [1.0, 10.0]
    assert sample_times(step) == [1.0, 9.999, 10.0, 19.999, 20.0]
    assert sample_times(ease) == [1.0, 2.0, 3.0, 4.0, 4.5]


def test_material_uses_the_atlas_beside_the_file(usda):
    from pxr import Usd, UsdShade

    stage = Usd.Stage.Open(str(usda))
    tex = UsdShade.Shader(stage.GetPrimAtPath("/World/Looks/galaxy_mat/atlas"))
    assert tex.GetIdAttr().Get() == "UsdUVTexture"
    asset = tex.GetInput("file").Get()
    assert asset.path == "./atlas.png"
    assert Path(asset.resolvedPath) == usda.parent / "atlas.png"


def test_bad_input_and_unwritable_output(tmp_path, scene):
    with pytest.raises(SceneError, match="must end in"):
        write_usd(scene, tmp_path / "scene.abc")
    with pytest.raises(SceneError, match="does not exist"):
        write_usd(scene, tmp_path / "nope" / "scene.usda")
    good = write_usd(scene, tmp_path / "scene.usda")
    before = good.read_bytes()
    shot = scene.shots[1]
    gal = find(scene, PointSet, "galaxies")
    bad_gal = dataclasses.replace(gal, colors=Keys.static(np.ones((gal.count + 1, 4))))
    items = tuple(bad_gal if i is gal else i for i in shot.items)
    bad = dataclasses.replace(scene, shots=(scene.shots[0], dataclasses.replace(shot, items=items)))
    with pytest.raises(SceneError, match="galaxies.*colors shape"):
        write_usd(bad, good)
    assert good.read_bytes() == before
    (tmp_path / "dir.usda").mkdir()
    with pytest.raises(SceneError, match="cannot write"):
        write_usd(scene, tmp_path / "dir.usda")
    assert not [p for p in tmp_path.iterdir() if ".tmp" in p.name]


@pytest.mark.slow
@pytest.mark.blender
def test_blender_imports_usd_and_evaluates_to_the_ir(usda, scene):
    """A real bpy imports the .usda; evaluated vertices, instances and cameras equal the IR."""
    import importlib.util

    from tests.conftest import require

    require(importlib.util.find_spec("bpy") is not None, "bpy (Blender as a Python module)")
    frames = [1, 6, 13, 24, 25, 33, 47, 60]
    request = {
        "frames": frames,
        "meshes": ["surface", "card"],
        "objects": ["cam_a", "cam_b", "surface"],
        "instancers": ["galaxies", "catalog"],
    }
    probe = Path(__file__).with_name("bpy_probe.py")
    proc = subprocess.run(
        [sys.executable, str(probe), str(usda), json.dumps(request)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    line = next((x for x in proc.stdout.splitlines() if x.startswith("PROBE")), None)
    assert line, proc.stdout[-2000:] + proc.stderr[-2000:]
    got = json.loads(line[5:])
    assert (got["frame_start"], got["frame_end"], got["fps"]) == (1, 60, 24)
    surf = find(scene, Mesh, "surface")
    card = find(scene, Mesh, "card")
    gal = find(scene, PointSet, "galaxies")
    cat = find(scene, PointSet, "catalog")

    def world(tf, f):
        m = np.eye(4)
        m[:3, :3] = euler_xyz_to_matrix(tf.rotation.at(f)) @ np.diag(tf.scale.at(f))
        m[:3, 3] = tf.location.at(f)
        return m

    for f in frames:
        g = got["frames"][str(f)]
        m = world(surf.transform, f)
        want = surf.states.at(f) @ m[:3, :3].T + m[:3, 3]
        assert np.allclose(np.asarray(g["meshes"]["surface"]), want, atol=1e-4), f
        cw = card.vertices + card.transform.location.at(f)
        assert np.allclose(np.asarray(g["meshes"]["card"]), cw, atol=1e-5)
        for cam in (scene.shots[0].camera, scene.shots[1].camera):
            assert np.allclose(
                np.asarray(g["objects"][cam.name]), world(cam.transform, f), atol=1e-4
            )
        for ps in (gal, cat):
            inst = sorted(g["instancers"][ps.name])
            assert [i[0] for i in inst] == list(range(ps.count)), (ps.name, f)
            assert [i[1] for i in inst] == [f"{ps.name}_tile{t}" for t in ps.tiles]
            want_p = ps.positions.at(f) + ps.transform.location.at(f)
            got_p = np.asarray([i[2:] for i in inst])
            assert np.allclose(got_p, want_p, atol=1e-5), (ps.name, f)
