"""An interrupted export destroys nothing and a re-run resumes; an up-to-date export is kept."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from pv_readback import pvd_entries, read_vtk

from scene_builders import vtk_export
from scene_builders.vtk_export import write_vtk_run


class Killed(Exception):
    pass


def _interrupt_after(monkeypatch, n):
    real = vtk_export._write_dataset
    calls = {"n": 0}

    def flaky(v, step, path):
        if calls["n"] >= n:
            raise Killed("killed mid-export")
        calls["n"] += 1
        real(v, step, path)

    monkeypatch.setattr(vtk_export, "_write_dataset", flaky)
    return calls


def _counting(monkeypatch):
    real = vtk_export._write_dataset
    calls = {"n": 0}

    def counted(v, step, path):
        calls["n"] += 1
        real(v, step, path)

    monkeypatch.setattr(vtk_export, "_write_dataset", counted)
    return calls


def _moved(run):
    pos = run.projection.positions + np.float32(0.01)
    return run.with_projection(replace(run.projection, positions=pos))


def test_interrupted_export_keeps_the_old_one_and_resumes(tmp_path, monkeypatch, sample_run):
    pvd = write_vtk_run(sample_run, tmp_path, progress=False)
    before = pvd.read_bytes()
    first_file = pvd_entries(pvd)[0]["file"]
    old_points = read_vtk(first_file)["points"]

    new_run = _moved(sample_run)
    _interrupt_after(monkeypatch, 7)
    with pytest.raises(Killed):
        write_vtk_run(new_run, tmp_path, progress=False)
    assert pvd.read_bytes() == before  # the previous export is untouched and complete
    np.testing.assert_array_equal(read_vtk(first_file)["points"], old_points)
    assert all(e["file"].exists() for e in pvd_entries(pvd))

    monkeypatch.undo()
    calls = _counting(monkeypatch)
    write_vtk_run(new_run, tmp_path, progress=False)
    total = len(pvd_entries(pvd.parent / "galaxyreel_vtk" / "tsne.pvd")) + 2 * len(
        sample_run.surfaces.step
    )
    assert calls["n"] == total - 7  # only what the killed run had not written
    np.testing.assert_allclose(
        read_vtk(pvd_entries(pvd)[0]["file"])["points"],
        new_run.projection.positions[0],
        atol=1e-6,
    )
    assert not list(tmp_path.glob(".galaxyreel_vtk*"))  # no staging or old folder left behind


def test_up_to_date_export_is_not_rewritten(tmp_path, monkeypatch, sample_run):
    write_vtk_run(sample_run, tmp_path, progress=False)
    calls = _counting(monkeypatch)
    write_vtk_run(sample_run, tmp_path, progress=False)
    assert calls["n"] == 0
    write_vtk_run(sample_run, tmp_path, frames_per_checkpoint=2, progress=False)
    assert calls["n"] > 0  # different options are different inputs
