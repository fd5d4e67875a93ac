"""The .blend, reopened in a fresh Blender, holds what the IR says (real bpy, subprocesses)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scene_builders.ir import Label, Mesh, PointSet
from tests.scenes.conftest import probe

pytestmark = [pytest.mark.slow, pytest.mark.blender]


def _item(scene, name):
    return next(i for s in scene.shots for i in s.items if i.name == name)


def _shot(scene, name):
    return next(s for s in scene.shots if s.name == name)


@pytest.fixture(scope="module")
def evaluated(built, tmp_path_factory):
    """One fresh-Blender probe answering every question the tests below ask."""
    scene, out = built
    surf = _item(scene, "spiral_surface_surface")
    spheres = _item(scene, "tsne_spheres")
    pos = spheres.positions
    mid_glide = float(pos.frames[3] + pos.frames[4]) / 2 + 0.25  # between checkpoints 1 and 2
    early = float(pos.frames[1])  # holding at checkpoint 0
    last = float(_shot(scene, "tsne").last_frame)
    s_first, s_last = surf.states.frames[0], surf.states.frames[-1]
    surf_frames = [float(s_first), (s_first + s_last) / 2 + 0.5, float(s_last)]
    grid = _shot(scene, "catalog_grid")
    reqs = [{"what": "scene", "frame": 1}]
    reqs += [{"what": "vertices", "object": surf.name, "frame": f} for f in surf_frames]
    reqs += [
        {"what": "points", "object": spheres.name, "frame": f, "count": spheres.count}
        for f in (early, mid_glide, last)
    ]
    reqs += [
        {"what": "visible", "object": surf.name, "frame": grid.first_frame},
        {"what": "visible", "object": spheres.name, "frame": grid.first_frame},
        {"what": "visible", "object": spheres.name, "frame": last},
        {"what": "camera", "frame": grid.first_frame + 1},
    ]
    tmp = tmp_path_factory.mktemp("probe")
    res = probe(out / "scene.blend", reqs, tmp)
    return {
        "scene": res[0],
        "surface": list(zip(surf_frames, res[1:4], strict=True)),
        "spheres": list(zip((early, mid_glide, last), res[4:7], strict=True)),
        "visible": res[7:10],
        "camera": res[10],
    }


def test_timeline_json_matches_the_blend_frame_range_and_shots(built, evaluated):
    scene, out = built
    tl = json.loads((out / "timeline.json").read_text())
    assert tl == json.loads(json.dumps(scene.timeline()))
    info = evaluated["scene"]
    assert (info["frame_start"], info["frame_end"]) == (tl["frame_start"], tl["frame_end"])
    assert info["fps"] == tl["fps"]
    assert [[m[0], m[1]] for m in info["markers"]] == [
        [s["first_frame"], s["name"]] for s in tl["shots"]
    ]
    assert info["filepath"] == "//frames/####" and info["engine"] == "CYCLES"


def test_every_shot_item_exists_and_the_atlas_is_packed(built, evaluated):
    scene, _ = built
    names = set(evaluated["scene"]["objects"])
    for shot in scene.shots:
        assert shot.camera.name in names
        for item in shot.items:
            assert item.name in names, item.name
    assert evaluated["scene"]["images"] == {"catalog_atlas": True, "sphere_atlas": True}
    kinds = {type(i) for s in scene.shots for i in s.items}
    assert {Mesh, PointSet, Label} <= kinds


def test_surface_heights_evaluate_to_the_ir_states(built, evaluated):
    scene, _ = built
    surf = _item(scene, "spiral_surface_surface")
    for frame, verts in evaluated["surface"]:
        np.testing.assert_allclose(np.array(verts), surf.states.at(frame), atol=1e-4)
    # ... and the surface really grew between the first and the last state.
    first, last = np.array(evaluated["surface"][0][1]), np.array(evaluated["surface"][-1][1])
    assert np.ptp(first[:, 1]) < 1e-6 < 1.0 < np.ptp(last[:, 1])


def test_spheres_glide_between_checkpoints_as_the_ir_says(built, evaluated):
    scene, _ = built
    spheres = _item(scene, "tsne_spheres")
    for frame, got in evaluated["spheres"]:
        np.testing.assert_allclose(np.array(got["centres"]), spheres.positions.at(frame), atol=1e-4)
    frame, got = evaluated["spheres"][1]
    before = spheres.positions.at(float(spheres.positions.frames[3]))
    after = spheres.positions.at(float(spheres.positions.frames[4]))
    centres = np.array(got["centres"])
    assert np.abs(centres - before).max() > 0.01 and np.abs(centres - after).max() > 0.01


def test_misclassified_spheres_are_red_early_and_none_at_the_end(built, evaluated, short_look):
    from scene_builders.ir import srgb_to_linear

    red = srgb_to_linear(np.array(short_look.color("misclassified")))
    (_, early), _, (_, last) = evaluated["spheres"]

    def reds(got):
        return np.all(np.isclose(np.array(got["colors"]), red, atol=1e-4), axis=1).sum()

    assert reds(early) > 10
    assert reds(last) == 0


def test_objects_show_only_during_their_shot_and_cameras_switch(evaluated):
    assert evaluated["visible"] == [False, False, True]
    assert evaluated["camera"] == "catalog_grid_camera"


def test_realize_turns_each_point_into_a_sphere_mesh(built, evaluated):
    scene, _ = built
    n = _item(scene, "tsne_spheres").count
    # The probe read the realized geometry: one sphere per point, all the same size.
    centres = np.array(evaluated["spheres"][0][1]["centres"])
    assert centres.shape == (n, 3)
