"""The run's VTK time series read back with vtk's readers match the run, checkpoint by checkpoint."""

from __future__ import annotations

import numpy as np
import pytest
from pv_readback import FPC, pvd_entries, read_vtk

from scene_builders.ir import SceneError
from scene_builders.runfile import CLASS_NAMES
from scene_builders.vtk_export import (
    CATEGORY_NAMES,
    surface_iterations,
    write_vtk_run,
)


def _last_per_step(steps):
    """Checkpoint indices, a repeated step keeping its last checkpoint (the sample run repeats
    its final step, as a trainer that saves the last checkpoint twice would)."""
    return [k for k in range(len(steps)) if k == len(steps) - 1 or steps[k + 1] != steps[k]]


def _series(pvd, name):
    return pvd_entries(pvd.parent / "galaxyreel_vtk" / f"{name}.pvd")


def test_tsne_points_match_the_run_at_every_checkpoint(exported, sample_run):
    entries = {e["time"]: e["file"] for e in _series(exported, "tsne")}
    snaps, labels = sample_run.snapshots, sample_run.catalog.labels
    for k in _last_per_step(snaps.step):
        step = snaps.step[k]
        got = read_vtk(entries[float(step)])
        pd = got["point_data"]
        np.testing.assert_allclose(got["points"], sample_run.projection.positions[k], atol=1e-6)
        np.testing.assert_array_equal(pd["true_label"], labels)
        np.testing.assert_array_equal(pd["predicted_label"], snaps.predictions[k])
        np.testing.assert_array_equal(pd["misclassified"], snaps.predictions[k] != labels)
        np.testing.assert_allclose(pd["probability"], snaps.probabilities[k], atol=1e-7)
        np.testing.assert_allclose(
            pd["p_spiral"], snaps.probabilities[k][:, CLASS_NAMES.index("spiral")], atol=1e-7
        )
        np.testing.assert_array_equal(pd["tile"], np.arange(labels.shape[0]))
        assert got["verts"] == labels.shape[0]  # renders as points without a glyph filter
        assert got["field"]["TimeValue"] == pytest.approx(step)


def test_a_repeated_checkpoint_step_keeps_the_later_checkpoint(exported, sample_run):
    steps = sample_run.snapshots.step
    assert steps[-1] == steps[-2]
    last = [e for e in _series(exported, "tsne") if e["time"] == float(steps[-1])]
    assert len(last) == 1
    got = read_vtk(last[0]["file"])
    assert got["field"]["checkpoint"] == len(steps) - 1
    np.testing.assert_allclose(got["points"], sample_run.projection.positions[-1], atol=1e-6)


def test_category_is_predicted_class_or_misclassified(exported, sample_run):
    first = read_vtk(_series(exported, "tsne")[0]["file"])["point_data"]
    pred, labels = sample_run.snapshots.predictions[0], sample_run.catalog.labels
    wrong = pred != labels
    assert wrong.any(), "the sample run's first checkpoint should have mistakes"
    np.testing.assert_array_equal(first["category"][wrong], CATEGORY_NAMES.index("misclassified"))
    np.testing.assert_array_equal(first["category"][~wrong], pred[~wrong])
    red = first["color"][wrong]
    assert (red[:, 0] > 200).all() and (red[:, 2] < 60).all()


def test_time_axis_is_the_training_step_with_in_between_frames(exported, sample_run):
    steps = sample_run.snapshots.step.astype(float)
    steps = steps[_last_per_step(steps)]
    times = np.array([e["time"] for e in _series(exported, "tsne")])
    assert times.shape[0] == (steps.shape[0] - 1) * FPC + 1
    assert np.all(np.diff(times) > 0)
    np.testing.assert_allclose(times[::FPC], steps)
    np.testing.assert_allclose(times[1], steps[0] + (steps[1] - steps[0]) / FPC)


def test_in_between_frames_ease_like_the_film(exported, sample_run):
    """Flat-tangent easing: at a third of the way, w = 3t^2 - 2t^3 = 7/27 of the move."""
    entries = _series(exported, "tsne")
    pos = sample_run.projection.positions.astype(np.float64)
    got = read_vtk(entries[FPC * 2 + 1]["file"])  # a third of the way from checkpoint 2 to 3
    expect = pos[2] + (pos[3] - pos[2]) * (7.0 / 27.0)
    np.testing.assert_allclose(got["points"], expect, atol=1e-5)
    held = got["point_data"]["predicted_label"]
    np.testing.assert_array_equal(held, sample_run.snapshots.predictions[2])


def test_surface_grows_row_by_row_with_activation_as_scalar(exported, sample_run):
    s = sample_run.surfaces
    t_count, _, units = s.activations.shape
    for p, name in enumerate(sample_run.probes.names):
        entries = _series(exported, f"surface_{name}")
        assert [e["time"] for e in entries] == [float(v) for v in s.step]
        for j in (0, 1, t_count // 2, t_count - 1):
            got = read_vtk(entries[j]["file"])
            assert got["class"] == "vtkStructuredGrid"
            assert got["dims"] == (units, j + 1, 1)
            acts = got["point_data"]["activation"].reshape(j + 1, units)
            np.testing.assert_allclose(acts, s.activations[: j + 1, p], atol=1e-6)
            heights = got["points"][:, 2].reshape(j + 1, units)
            np.testing.assert_allclose(heights, acts / s.activations.max(), atol=1e-5)
            np.testing.assert_array_equal(
                got["point_data"]["step"].reshape(j + 1, units)[:, 0], s.step[: j + 1]
            )
            assert got["field"]["probe"] == name
            assert got["field"]["probe_class"] == CLASS_NAMES[sample_run.probes.labels[p]]


def test_max_surface_steps_samples_evenly_keeping_first_and_last():
    idx = surface_iterations(1000, 7)
    assert idx[0] == 0 and idx[-1] == 999 and idx.shape[0] == 7
    assert np.array_equal(surface_iterations(5, 7), np.arange(5))
    with pytest.raises(SceneError, match="max_surface_steps"):
        surface_iterations(5, 0)


def test_combined_collection_gives_every_part_every_time(exported, sample_run):
    entries = pvd_entries(exported)
    names = ["tsne"] + [f"surface_{n}" for n in sample_run.probes.names]
    by_part = {}
    for e in entries:
        assert e["file"].exists(), e["file"]
        by_part.setdefault(e["name"], []).append(e["time"])
    assert sorted(by_part) == sorted(names)
    all_times = sorted({e["time"] for e in entries})
    for name, times in by_part.items():
        assert times == all_times, name
    # before its first file a part shows its first file; after that the latest one so far
    tsne = {e["time"]: e["file"].name for e in entries if e["name"] == "tsne"}
    last_step = float(sample_run.snapshots.step[-1])
    assert tsne[all_times[-1]] == tsne[last_step]


def test_run_without_tracks_is_one_clear_error(tmp_path, sample_run):
    from dataclasses import replace

    with pytest.raises(SceneError, match="galaxyreel project"):
        write_vtk_run(replace(sample_run, projection=None), tmp_path, progress=False)
    assert not any(tmp_path.iterdir())


def test_output_path_that_is_a_file_is_one_clear_error(tmp_path, sample_run):
    blocker = tmp_path / "taken"
    blocker.write_text("not a folder")
    with pytest.raises(SceneError, match="taken"):
        write_vtk_run(sample_run, blocker, progress=False)
    assert blocker.read_text() == "not a folder"
