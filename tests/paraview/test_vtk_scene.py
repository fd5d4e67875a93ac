"""The IR export (time = film frame) matches the Scene IR's items, read back with vtk's readers."""

from __future__ import annotations

import numpy as np
import pytest
from pv_readback import pvd_entries, read_vtk

from scene_builders.ir import (
    Keys,
    Material,
    Mesh,
    PointSet,
    Scene,
    SceneError,
    Shot,
    euler_xyz_to_matrix,
)
from scene_builders.vtk_export import write_vtk


@pytest.fixture(scope="module")
def built(sample_run):
    from scene_builders.build import build_scene
    from scene_builders.look import load_look

    scene, _ = build_scene(sample_run, load_look(), ["spiral_surface", "tsne"])
    return scene


@pytest.fixture(scope="module")
def scene_pvd(built, tmp_path_factory):
    return write_vtk(built, tmp_path_factory.mktemp("scene"), progress=False)


def _item(scene, cls, keyed):
    """The first item of class ``cls`` whose ``keyed`` channel is animated."""
    return next(
        (shot, i)
        for shot in scene.shots
        for i in shot.items
        if isinstance(i, cls) and getattr(i, keyed) is not None and getattr(i, keyed).animated
    )


def _world(item, frame, pts):
    tr = item.transform
    m = euler_xyz_to_matrix(tr.rotation.at(frame))
    return (m @ (pts * tr.scale.at(frame)).T).T + tr.location.at(frame)


def _series(pvd, name):
    return pvd_entries(pvd.parent / "scene_vtk" / f"{name}.pvd")


def test_spheres_follow_their_keys_inside_their_shot(built, scene_pvd):
    shot, spheres = _item(built, PointSet, "positions")
    entries = _series(scene_pvd, spheres.name)
    times = [e["time"] for e in entries]
    inside = [f for f in spheres.positions.frames if shot.first_frame <= f <= shot.last_frame]
    assert set(inside) <= set(times)
    assert min(times) >= shot.first_frame and max(times) <= shot.last_frame
    for e in entries[:: max(1, len(entries) // 5)]:
        f = e["time"]
        got = read_vtk(e["file"])
        expect = _world(spheres, f, spheres.positions.at(f))
        np.testing.assert_allclose(got["points"], expect, atol=1e-5)  # metres
        rgba = (np.clip(spheres.colors.at(f), 0, 1) * 255 + 0.5).astype(np.uint8)
        np.testing.assert_array_equal(got["point_data"]["color"], rgba)
        np.testing.assert_array_equal(got["point_data"]["tile"], spheres.tiles)
        assert got["field"]["radius"] == pytest.approx(spheres.radius)


def test_deforming_surface_has_its_state_at_each_key(built, scene_pvd):
    shot, surface = _item(built, Mesh, "states")
    entries = {e["time"]: e["file"] for e in _series(scene_pvd, surface.name)}
    for f in surface.states.frames[[0, len(surface.states.frames) // 2, -1]]:
        if not shot.first_frame <= f <= shot.last_frame:
            continue
        got = read_vtk(entries[float(f)])
        np.testing.assert_allclose(
            got["points"], _world(surface, f, surface.states.at(f)), atol=1e-5
        )
        assert got["polys"] == surface.faces.shape[0]


def test_in_between_frames_sample_the_keys(tmp_path):
    keys = Keys([1.0, 11.0], np.array([[[0.0, 0, 0]], [[1.0, 0, 0]]]), "bezier")
    pts = PointSet("dot", keys, Keys.static(np.ones((1, 4))), "m", 0.1)
    cam = built_camera()
    scene = Scene((Shot("s", "S", 1, 11, cam, (pts,)),), {"m": Material("m")})
    pvd = write_vtk(scene, tmp_path, frames_per_checkpoint=2, progress=False)
    entries = _series(pvd, "dot")
    assert [e["time"] for e in entries] == [1.0, 6.0, 11.0]
    np.testing.assert_allclose(read_vtk(entries[1]["file"])["points"], [[0.5, 0, 0]], atol=1e-6)


def built_camera():
    from scene_builders.ir import Camera, Transform

    return Camera("cam", Transform())


def test_scene_without_points_or_meshes_is_one_clear_error(tmp_path):
    scene = Scene((Shot("s", "S", 1, 5, built_camera(), ()),), {})
    with pytest.raises(SceneError, match="no point set or mesh"):
        write_vtk(scene, tmp_path, progress=False)


def test_scene_with_its_run_writes_both_collections(built, sample_run, tmp_path):
    pvd = write_vtk(built, tmp_path, run=sample_run, progress=False)
    assert pvd == tmp_path / "galaxyreel.pvd"
    assert (tmp_path / "scene.pvd").exists()
    tsne = pvd_entries(tmp_path / "galaxyreel_vtk" / "tsne.pvd")
    assert tsne[0]["time"] == float(sample_run.snapshots.step[0])  # time = training step


def test_scene_verb_writes_the_paraview_target(sample_run_file, tmp_path):
    from galaxyreel.cli import main

    out = tmp_path / "scenes"
    assert main(["scene", str(sample_run_file), "--to", "paraview", "--out", str(out)]) == 0
    pvds = sorted(p.name for p in (out / "paraview").glob("*.pvd"))
    assert "scene.pvd" in pvds
    assert all(e["file"].exists() for e in pvd_entries(out / "paraview" / "scene.pvd"))
