from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from scene_builders.build import build_scene
from scene_builders.ir import Keys, Mesh, PointSet, SceneError
from scene_builders.look import SHOT_NAMES, load_look


def _same(a, b, path="scene"):
    """Recursive equality over IR dataclasses, tuples, dicts and arrays."""
    if isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b, err_msg=path)
    elif dataclasses.is_dataclass(a):
        assert type(a) is type(b), path
        for f in dataclasses.fields(a):
            _same(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
    elif isinstance(a, tuple | list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{path}[{i}]")
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            _same(a[k], b[k], f"{path}[{k}]")
    else:
        assert a == b, path


def _item(shot, suffix):
    return next(i for i in shot.items if i.name.endswith(suffix))


def test_two_builds_of_the_same_inputs_are_identical(sample_run, short_look):
    a, _ = build_scene(sample_run, short_look)
    b, _ = build_scene(sample_run, short_look)
    _same(a, b)


def test_shots_follow_each_other_in_film_order_with_look_durations(sample_run, short_look):
    scene, skipped = build_scene(sample_run, short_look)
    assert skipped == []
    assert [s.name for s in scene.shots] == list(SHOT_NAMES)
    frame = 1
    for s in scene.shots:
        assert s.first_frame == frame
        assert s.frames == short_look.frames(s.name)
        frame = s.last_frame + 1
    tl = scene.timeline()
    assert tl["frame_start"] == 1 and tl["frame_end"] == frame - 1
    assert tl["shots"][-1]["markers"][0]["text"].startswith("checkpoint 1 of 11")


def test_every_key_lies_inside_its_shot(sample_run, short_look):
    scene, _ = build_scene(sample_run, short_look)
    for s in scene.shots:
        channels = [s.camera.transform.location]
        channels += [k for i in s.items for k in (i.transform.location, i.transform.scale)]
        for keys in channels:
            if keys.animated:  # static channels hold one key at frame 1 by convention
                assert s.first_frame - 1 <= keys.frames[0] <= keys.frames[-1] <= s.last_frame
        for item in s.items:
            if isinstance(item, Mesh) and item.states is not None:
                assert (
                    s.first_frame <= item.states.frames[0] <= item.states.frames[-1] <= s.last_frame
                )


def test_surface_grows_row_by_row_to_the_final_activations(sample_run, short_look):
    scene, _ = build_scene(sample_run, short_look, ["spiral_surface"])
    mesh = _item(scene.shots[0], "_surface")
    first, last = mesh.states.values[0], mesh.states.values[-1]
    assert np.ptp(first[:, 1]) == 0  # every row folded onto the first one
    # The last state's last row is the last iteration's spiral response, scaled.
    acts = sample_run.surfaces.activations[-1, 0]
    z = last.reshape(-1, acts.shape[0], 3)[-1, :, 2]
    np.testing.assert_allclose(z / z.max(), acts / acts.max(), atol=1e-5)
    mid = mesh.states.at((mesh.states.frames[0] + mesh.states.frames[-1]) / 2)
    assert first[:, 1].min() < mid[:, 1].max() < last[:, 1].max()


def test_tsne_spheres_turn_from_red_to_none_red(sample_run, short_look):
    scene, _ = build_scene(sample_run, short_look, ["tsne"])
    (spheres,) = [i for i in scene.shots[0].items if isinstance(i, PointSet)]
    red = np.array(short_look.color("misclassified"))
    is_red = np.all(np.isclose(spheres.colors.values, red), axis=-1)
    truth = sample_run.catalog.labels
    wrong = sample_run.snapshots.predictions != truth[None]
    np.testing.assert_array_equal(is_red, wrong)
    assert is_red[0].sum() > 10 and is_red[-1].sum() == 0


def test_a_run_without_tsne_tracks_builds_the_other_shots_and_says_so(sample_run, short_look):
    run = dataclasses.replace(sample_run, projection=None)
    scene, skipped = build_scene(run, short_look)
    assert [s.name for s in scene.shots] == list(SHOT_NAMES[:-1])
    assert len(skipped) == 1 and skipped[0].startswith("tsne:") and "project" in skipped[0]
    assert "sphere_atlas" not in scene.images


def test_shot_subset_keeps_the_given_order_and_rejects_unknown_names(sample_run, short_look):
    scene, _ = build_scene(sample_run, short_look, ["catalog_grid", "profile"])
    assert [s.name for s in scene.shots] == ["catalog_grid", "profile"]
    assert scene.shots[1].first_frame == scene.shots[0].last_frame + 1
    with pytest.raises(SceneError, match="unknown shot"):
        build_scene(sample_run, short_look, ["tsne", "fireworks"])


def test_camera_moves_are_smooth_and_start_at_rest(sample_run):
    scene, _ = build_scene(sample_run, load_look(None))
    for s in scene.shots:
        loc: Keys = s.camera.transform.location
        step = np.linalg.norm(np.diff(loc.values, axis=0), axis=1)
        assert step[0] < 0.2 * step.max(), s.name  # eased out of rest
        assert np.abs(np.diff(step)).max() < 0.02, s.name  # no jerks between frames
        rot = s.camera.transform.rotation.values
        assert np.abs(np.diff(rot, axis=0)).max() < 0.05, s.name
