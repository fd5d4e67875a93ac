"""The run-file contract: round trip, validation of every kind of bad input, atomic writes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace

import h5py
import numpy as np
import pytest

from scene_builders.runfile import (
    SCHEMA_VERSION,
    RunFileError,
    RunWriter,
    Training,
    read_run,
    write_run,
)


def _assert_runs_equal(a, b):
    np.testing.assert_array_equal(a.probes.images, b.probes.images)
    np.testing.assert_array_equal(a.probes.labels, b.probes.labels)
    assert a.probes.names == b.probes.names
    # float16 storage: ~3 significant digits
    np.testing.assert_allclose(a.surfaces.activations, b.surfaces.activations, rtol=2e-3, atol=2e-3)
    np.testing.assert_array_equal(a.surfaces.step, b.surfaces.step)
    np.testing.assert_array_equal(a.surfaces.stage, b.surfaces.stage)
    np.testing.assert_array_equal(a.catalog.thumbnails, b.catalog.thumbnails)
    np.testing.assert_array_equal(a.catalog.labels, b.catalog.labels)
    assert a.catalog.ids == b.catalog.ids
    np.testing.assert_allclose(
        a.snapshots.activations, b.snapshots.activations, rtol=2e-3, atol=2e-3
    )
    np.testing.assert_allclose(a.snapshots.probabilities, b.snapshots.probabilities, rtol=1e-6)
    np.testing.assert_array_equal(a.snapshots.predictions, b.snapshots.predictions)
    np.testing.assert_allclose(a.projection.positions, b.projection.positions, rtol=1e-6)
    assert a.training.config == b.training.config
    assert a.training.events == b.training.events


def test_written_run_reads_back_equal(tmp_path, sample_run):
    path = write_run(tmp_path / "run.h5", sample_run)
    _assert_runs_equal(sample_run, read_run(path))
    with h5py.File(path) as f:
        assert f.attrs["schema_version"] == SCHEMA_VERSION
        ds = f["snapshots/activations"]
        assert ds.dtype == np.float16 and ds.compression == "gzip" and ds.shuffle
        assert ds.chunks[0] == 1  # one checkpoint per chunk


def _corrupt(path, edit):
    with h5py.File(path, "a") as f:
        edit(f)


@pytest.mark.parametrize(
    ("edit", "dataset", "words"),
    [
        (lambda f: f.__delitem__("surfaces/step"), "surfaces/step", "missing"),
        (lambda f: f.__delitem__("training"), "training", "missing"),
        (
            lambda f: (
                f.__delitem__("snapshots/predictions"),
                f.create_dataset("snapshots/predictions", data=np.zeros((3, 5), np.int8)),
            ),
            "snapshots/predictions",
            "expected",
        ),
        (
            lambda f: (
                f.__delitem__("catalog/labels"),
                f.create_dataset("catalog/labels", data=np.zeros(7, np.int8)),
            ),
            "catalog/labels",
            "thumbnails",
        ),
        (
            lambda f: f["surfaces/activations"].__setitem__((3, 1, 5), np.nan),
            "surfaces/activations",
            "non-finite",
        ),
        (lambda f: f["catalog/labels"].__setitem__(0, 5), "catalog/labels", "outside"),
    ],
    ids=["missing-dataset", "missing-group", "wrong-shape", "count-mismatch", "nan", "bad-label"],
)
def test_bad_dataset_is_named_in_the_error(sample_run_file, edit, dataset, words):
    _corrupt(sample_run_file, edit)
    with pytest.raises(RunFileError) as err:
        read_run(sample_run_file)
    msg = str(err.value)
    assert str(sample_run_file) in msg and dataset in msg and words in msg


def test_newer_schema_version_is_refused(sample_run_file):
    _corrupt(sample_run_file, lambda f: f.attrs.__setitem__("schema_version", SCHEMA_VERSION + 1))
    with pytest.raises(RunFileError, match="schema version 2.*Upgrade"):
        read_run(sample_run_file)


def test_truncated_file_is_refused(sample_run_file):
    data = sample_run_file.read_bytes()
    sample_run_file.write_bytes(data[: len(data) // 2])
    with pytest.raises(RunFileError, match="truncated|corrupt"):
        read_run(sample_run_file)


def test_non_hdf5_file_is_refused(tmp_path):
    p = tmp_path / "notes.h5"
    p.write_text("not a run")
    with pytest.raises(RunFileError, match="not an HDF5 file"):
        read_run(p)


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(RunFileError, match="no such file"):
        read_run(tmp_path / "nope.h5")


def test_invalid_run_is_not_written(tmp_path, sample_run):
    path = tmp_path / "run.h5"
    bad = replace(
        sample_run, catalog=replace(sample_run.catalog, labels=sample_run.catalog.labels[:-1])
    )
    with pytest.raises(RunFileError):
        write_run(path, bad)
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


KILLED_WRITER = """
import sys, numpy as np
from scene_builders.sample_run import make_sample_run
from scene_builders.runfile import write_run
run = make_sample_run(iterations=400, checkpoints=11, catalog=1500, units=1024, thumb=48, seed=1)
print("ready", flush=True)
while True:
    write_run(sys.argv[1], run)
"""


def test_writer_killed_mid_write_leaves_earlier_file_intact(tmp_path, sample_run):
    path = tmp_path / "run.h5"
    write_run(path, sample_run)
    before = path.read_bytes()
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "ready"
    # Wait until the writer's temp file exists, i.e. it is mid-write, then kill it.
    deadline = time.time() + 60
    while time.time() < deadline and not any(p.name.endswith(".tmp") for p in tmp_path.iterdir()):
        time.sleep(0.005)
    assert any(p.name.endswith(".tmp") for p in tmp_path.iterdir()), "writer never started"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    current = read_run(path)  # still a complete, valid file: the old one or a finished new one
    assert current.catalog.thumbnails.shape[0] in (sample_run.catalog.thumbnails.shape[0], 1500)
    if current.catalog.thumbnails.shape[0] == sample_run.catalog.thumbnails.shape[0]:
        assert path.read_bytes() == before


def test_streaming_writer_keeps_a_partial_file_and_finishes(tmp_path, sample_run):
    r = sample_run
    path = tmp_path / "run.h5"
    w = RunWriter(path, r.probes, r.catalog, units=r.units)
    w.add_iterations(
        r.surfaces.activations[:10],
        r.surfaces.step[:10],
        r.surfaces.epoch[:10],
        r.surfaces.stage[:10],
    )
    w.add_snapshot(
        r.snapshots.step[0],
        r.snapshots.epoch[0],
        r.snapshots.activations[0],
        r.snapshots.probabilities[0],
    )
    w.close()  # "killed": the partial file holds what was recorded, the final name does not exist
    assert not path.exists()
    with pytest.raises(RunFileError, match="training"):
        read_run(w.partial)
    w = RunWriter(path, r.probes, r.catalog, units=r.units, resume=True)
    assert (w.iterations, w.checkpoints) == (10, 1)
    w.add_iterations(
        r.surfaces.activations[10:],
        r.surfaces.step[10:],
        r.surfaces.epoch[10:],
        r.surfaces.stage[10:],
    )
    for k in range(1, r.snapshots.step.shape[0]):
        w.add_snapshot(
            r.snapshots.step[k],
            r.snapshots.epoch[k],
            r.snapshots.activations[k],
            r.snapshots.probabilities[k],
        )
    w.finish(Training(config={"preset": "x"}, seed=3))
    back = read_run(path)
    assert not w.partial.exists()
    np.testing.assert_allclose(
        back.surfaces.activations, r.surfaces.activations, atol=2e-3, rtol=2e-3
    )
    np.testing.assert_array_equal(back.snapshots.predictions, r.snapshots.predictions)
    assert back.projection is None


def test_written_run_gets_ordinary_permissions_not_mkstemps_0600(tmp_path, sample_run):
    old = os.umask(0o022)
    try:
        path = write_run(tmp_path / "run.h5", sample_run)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644  # readable by the cluster's other users


def test_unwritable_folder_is_a_clear_error(tmp_path, sample_run):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(RunFileError, match="cannot write"):
        write_run(blocker / "run.h5", sample_run)
