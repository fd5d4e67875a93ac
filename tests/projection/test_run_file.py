"""`galaxyreel project RUN.h5` and project_run: stored atomically, resumable, one clear error."""

from __future__ import annotations

import hashlib

import h5py
import numpy as np
import pytest

import trainer.projection as projection
from galaxyreel.cli import main
from scene_builders.runfile import read_run, write_run
from trainer.errors import TrainerError


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_project_verb_stores_tracks_and_a_rerun_resumes(small_run_file, capsys):
    assert main(["project", str(small_run_file)]) == 0
    run = read_run(small_run_file, require_projection=True)
    pr = run.projection
    assert pr.method == "opentsne" and pr.params["perplexity"] == 30.0
    assert pr.positions.shape == run.snapshots.activations.shape[:2] + (3,)
    assert np.abs(pr.positions).max() <= 1.0
    assert pr.trustworthiness.shape == pr.knn_agreement.shape == (run.snapshots.step.shape[0],)
    out = capsys.readouterr().out
    assert "trust" in out and "kNN" in out

    before = _digest(small_run_file)
    assert main(["project", str(small_run_file)]) == 0  # same settings, same input: no work
    assert "already up to date" in capsys.readouterr().out
    assert _digest(small_run_file) == before
    again = projection.project_run(small_run_file, progress=False)
    assert _digest(small_run_file) == before
    np.testing.assert_array_equal(again.positions, pr.positions)

    other = projection.project_run(small_run_file, method="pca", progress=False)
    assert read_run(small_run_file).projection.method == "pca" == other.method


def _remove_snapshots(path):
    with h5py.File(path, "a") as f:
        del f["snapshots"]


def _keep_one_checkpoint(path):
    run = read_run(path)
    s = run.snapshots
    one = type(s)(
        s.step[:1], s.epoch[:1], s.activations[:1], s.probabilities[:1], s.predictions[:1]
    )
    write_run(path, type(run)(run.probes, run.surfaces, run.catalog, one, run.training))


def _poison(path):
    with h5py.File(path, "a") as f:
        ds = f["snapshots/activations"]
        ds[1, 5, 7] = np.nan


@pytest.mark.parametrize(
    "spoil, args, words",
    [
        (_remove_snapshots, [], "snapshots"),
        (_keep_one_checkpoint, [], "1 checkpoint; tracks need at least 2"),
        (_poison, [], "non-finite"),
        (None, ["--perplexity", "40"], "too small for perplexity 40"),
        (None, ["--method", "umap"], "unknown projection method"),
    ],
)
def test_bad_run_file_is_one_line_naming_it_and_nothing_is_written(
    small_run_file, capsys, spoil, args, words
):
    if spoil is not None:
        spoil(small_run_file)
    before = _digest(small_run_file)
    assert main(["project", str(small_run_file), *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert str(small_run_file) in err[0] and words in err[0]
    assert _digest(small_run_file) == before


def test_failure_half_way_leaves_the_run_file_as_it_was(small_run_file, monkeypatch):
    projection.project_run(small_run_file, method="pca", progress=False)
    before = _digest(small_run_file)
    real = projection._opentsne
    calls = []

    def dies_on_third_checkpoint(*a, **kw):
        calls.append(1)
        if len(calls) == 3:
            raise MemoryError("simulated: the machine ran out of memory")
        return real(*a, **kw)

    monkeypatch.setattr(projection, "_opentsne", dies_on_third_checkpoint)
    with pytest.raises(MemoryError):
        projection.project_run(small_run_file, progress=False)
    assert _digest(small_run_file) == before
    assert read_run(small_run_file).projection.method == "pca"
    assert sorted(p.name for p in small_run_file.parent.iterdir()) == ["run.h5"]


def test_core_errors_name_the_run_file(small_run_file):
    with pytest.raises(TrainerError) as info:
        projection.project_run(small_run_file, perplexity=1000, progress=False)
    assert str(small_run_file) in str(info.value)


@pytest.mark.slow
def test_last_checkpoint_of_a_trained_run_separates_spiral_from_elliptical(trained_run):
    result = projection.project_run(trained_run, progress=False)
    assert result.knn_agreement[-1] >= 0.95
    # ...and the map learnt it: the untrained first checkpoint is far less separated.
    assert result.knn_agreement[0] < result.knn_agreement[-1] - 0.1
