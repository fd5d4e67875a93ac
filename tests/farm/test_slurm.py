"""Real Slurm (the local cluster CI starts with render_farm/cluster/start-local-slurm.sh):
job arrays across >= 2 slurmd nodes, the collect job after them, a failed task retried."""

from __future__ import annotations

import json
import subprocess

import pytest

import render_farm
from render_farm import png_problem
from render_farm.manifest import load_manifest, read_attempts
from render_farm.slurm import task_states

pytestmark = [pytest.mark.slurm, pytest.mark.blender, pytest.mark.slow]


def test_slurm_array_spreads_over_nodes_then_collects(slurm_cluster, blend, tmp_path):
    assert len(slurm_cluster) >= 2, f"need >= 2 slurmd nodes, sinfo shows {slurm_cluster}"
    out = tmp_path / 'frames "out" it\'s'
    r = render_farm.render(blend, out, backend="slurm", chunk=2, max_parallel=2, progress=False)
    assert r.complete and r.frames_rendered == 8 and len(r.jobs) == 3
    assert all(png_problem(out / f"{f:04d}.png", (32, 18)) is None for f in range(1, 9))
    m = load_manifest(out)  # folded in by the collect job
    attempts = [a for c in m["chunks"] for a in c["attempts"]]
    assert {a["status"] for a in attempts} == {"done"}
    assert len({a["node"] for a in attempts}) >= 2  # the array really spread
    array, collect_job, _retry = r.jobs
    assert set(task_states(array).values()) == {"COMPLETED"} and len(task_states(array)) == 4
    # the collect job ran after the array and wrote the list compositing reads
    logs = out / ".farm" / "logs"
    assert (logs / f"collect_{collect_job}.log").read_text().startswith("collected ")
    doc = json.loads((out / "frames.json").read_text())
    assert len(doc["frames"]) == 8 and doc["frames"][0]["shot"] == "spiral"
    assert max(a["ended"] for a in attempts) <= (out / "frames.json").stat().st_mtime


def test_a_slurm_task_failing_once_is_retried_in_the_cluster(
    slurm_cluster, blend, tmp_path, monkeypatch
):
    monkeypatch.setenv("GALAXYREEL_FARM_FAILPOINT", "fail:1:1")  # sbatch exports it to tasks
    out = tmp_path / "o"
    r = render_farm.render(blend, out, backend="slurm", frames="1-4", chunk=2, progress=False)
    assert r.complete
    m = load_manifest(out)
    rounds = m["submissions"]
    assert [s["round"] for s in rounds] == [0, 1] and rounds[1]["chunks"] == [1]
    assert task_states(rounds[0]["job"])[1] == "FAILED"
    assert [a["status"] for a in read_attempts(out, 1)] == ["interrupted", "done"]
    assert [a["status"] for a in read_attempts(out, 0)] == ["done"]  # not rendered twice
    assert (out / "frames.json").exists()


def test_dry_run_writes_the_scripts_and_submits_nothing(blend, tmp_path, capsys):
    out = tmp_path / "o"
    r = render_farm.render(
        blend, out, backend="slurm", dry_run=True, max_parallel=3, progress=False
    )
    assert r.jobs == () and r.frames_rendered == 0
    script = (out / ".farm" / "slurm" / "render.sbatch").read_text()
    subprocess.run(["bash", "-n"], input=script, text=True, check=True)
    printed = capsys.readouterr().out
    assert "sbatch --parsable" in printed and "--kill-on-invalid-dep=yes" in printed
    assert "%3" in printed
