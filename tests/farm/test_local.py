"""The local backend with real bpy workers on a tiny scene: frames verified, resumable, faults."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

import render_farm
from render_farm import FarmError, farm_status, png_problem
from render_farm.manifest import load_manifest, read_attempts
from render_farm.worker import T0  # noqa: F401 - importing the worker module must not need bpy

SIZE = (32, 18)
pytestmark = pytest.mark.blender


def all_verify(out, frames):
    return all(png_problem(out / f"{f:04d}.png", SIZE) is None for f in frames)


@pytest.fixture(scope="session")
def rendered(blend_master, tmp_path_factory):
    """One complete local render of the 8-frame scene, shared (tests work on copies)."""
    out = tmp_path_factory.mktemp("rendered") / "frames out"
    return out, render_farm.render(blend_master, out, progress=False)


def copy_of(rendered, tmp_path):
    dst = tmp_path / "copy"
    shutil.copytree(rendered[0], dst)
    return dst


@pytest.mark.slow
def test_render_local_writes_verified_frames_and_the_ordered_list(rendered, blend_master):
    out, r = rendered
    assert (r.frames_total, r.frames_rendered, r.frames_missing) == (8, 8, 0)
    assert all_verify(out, range(1, 9))
    doc = json.loads((out / "frames.json").read_text())
    assert [f["file"] for f in doc["frames"]] == [f"{i:04d}.png" for i in range(1, 9)]
    assert [f["shot"] for f in doc["frames"]] == ["spiral"] * 4 + ["tsne"] * 4
    assert doc["resolution"] == [32, 18] and doc["fps"] == 24
    assert [s["name"] for s in doc["shots"]] == ["spiral", "tsne"]
    m = load_manifest(out)
    att = [a for c in m["chunks"] for a in c["attempts"]]
    assert att and all(a["status"] == "done" and a["load_s"] > 0 for a in att)
    assert not list(out.glob(".tmp-*"))  # no temporary names left behind


def test_a_complete_folder_renders_nothing_again(rendered, blend_master, tmp_path):
    again = render_farm.render(blend_master, copy_of(rendered, tmp_path), progress=False)
    assert (again.frames_rendered, again.frames_skipped, again.chunks_run) == (0, 8, 0)


def test_without_a_timeline_shot_is_null(blend, tmp_path):
    (blend.parent / "timeline.json").unlink()
    out = tmp_path / "o"
    render_farm.render(blend, out, frames="2-3", progress=False)
    doc = json.loads((out / "frames.json").read_text())
    assert doc["frames"] == [{"frame": 2, "file": "0002.png", "shot": None},
                             {"frame": 3, "file": "0003.png", "shot": None}]  # fmt: skip


@pytest.mark.slow
def test_sigkill_mid_chunk_leaves_no_corrupt_frame_and_resume_renders_exactly_the_rest(
    blend, tmp_path
):
    out = tmp_path / "o"
    # Plan one 8-frame chunk without rendering (dry plan), then run its worker by hand.
    from render_farm.api import plan

    plan(blend, out, frames=None, backend="local", renderer="bpy", resolution=None,
         samples=None, chunk=8, slots=1, threads=1, probe=False, progress=False)  # fmt: skip
    env = {**os.environ, "GALAXYREEL_FARM_FAILPOINT": "delay:0.25"}
    p = subprocess.Popen(
        [sys.executable, "-m", "render_farm.worker", str(out), "--chunk", "0"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            att = read_attempts(out, 0)
            if att and len(att[-1]["frames"]) >= 3:
                break
            time.sleep(0.02)
        st = farm_status(out)
        assert st.live_chunks == (0,) and st.running and st.eta_s is not None
        os.kill(p.pid, signal.SIGKILL)
    finally:
        p.wait()
    st = farm_status(out)
    assert not st.running and not st.corrupt  # the dead attempt is not "running"
    done = len(st.done)
    assert 3 <= done < 8 and len(st.missing) == 8 - done
    assert all_verify(out, st.done)
    r = render_farm.resume(out, progress=False)
    assert r.frames_rendered == 8 - done  # exactly the missing frames
    assert all_verify(out, range(1, 9))
    states = [a["status"] for a in read_attempts(out, 0)]
    assert states == ["interrupted", "done"]


def test_truncated_frame_is_detected_and_rerendered(rendered, tmp_path):
    out = copy_of(rendered, tmp_path)
    f3 = out / "0003.png"
    f3.write_bytes(f3.read_bytes()[: f3.stat().st_size // 2])
    st = farm_status(out)
    assert list(st.corrupt) == [3] and st.missing == (3,)
    with pytest.raises(FarmError, match="1 of 8 frames missing or corrupt"):
        render_farm.collect(out)
    r = render_farm.resume(out, progress=False)
    assert r.frames_rendered == 1
    assert farm_status(out).complete and all_verify(out, range(1, 9))


@pytest.mark.slow
def test_a_failing_chunk_is_retried_locally_and_a_folder_planned_otherwise_is_kept(
    blend, tmp_path, monkeypatch
):
    monkeypatch.setenv("GALAXYREEL_FARM_FAILPOINT", "fail:1:1")
    out = tmp_path / "o"
    r = render_farm.render(blend, out, frames="1-4", chunk=2, progress=False)
    assert r.complete and r.frames_rendered == 4
    assert [a["status"] for a in read_attempts(out, 1)] == ["interrupted", "done"]
    before = (out / "manifest.json").read_bytes()
    with pytest.raises(FarmError, match="planned with resolution"):
        render_farm.render(blend, out, frames="1-4", resolution=(64, 36), progress=False)
    assert (out / "manifest.json").read_bytes() == before


@pytest.mark.slow
def test_resolution_override_and_probe(blend, tmp_path):
    out = tmp_path / "o"
    r = render_farm.render(
        blend, out, frames="3-6", resolution=(40, 20), probe=True, progress=False
    )
    assert r.complete and png_problem(out / "0003.png", (40, 20)) is None
    m = load_manifest(out)
    assert m["estimate"]["source"] == "probe"
    assert set(m["estimate"]["per_shot_s"]) == {"spiral", "tsne"}
    # the probe frames are real output, not rendered twice
    assert r.frames_rendered == 2 and r.frames_skipped == 2


def test_cli_render_status_collect(rendered, blend_master, tmp_path):
    out = copy_of(rendered, tmp_path)
    gr = [sys.executable, "-m", "galaxyreel.cli"]
    p = subprocess.run(gr + ["render", str(blend_master), "--out", str(out)],
                       capture_output=True, text=True)  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert "8/8 frames; rendered 0, already done 8" in p.stdout
    p = subprocess.run(gr + ["farm", "status", str(out)], capture_output=True, text=True)
    assert p.returncode == 0 and "8/8 frames done" in p.stdout
    (out / "0002.png").unlink()
    p = subprocess.run(gr + ["farm", "status", str(out)], capture_output=True, text=True)
    assert p.returncode == 1 and "missing: 2" in p.stdout
    p = subprocess.run(gr + ["farm", "collect", str(out)], capture_output=True, text=True)
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "farm resume" in p.stderr
    p = subprocess.run(gr + ["farm", "resume", str(out)], capture_output=True, text=True)
    assert p.returncode == 0 and "rendered 1," in p.stdout
    p = subprocess.run(gr + ["render", str(blend_master), "--out", str(tmp_path / "x"), "--frames", "3-1"],
                       capture_output=True, text=True)  # fmt: skip
    assert p.returncode == 2 and "bad frame range" in p.stderr and "Traceback" not in p.stderr


def test_bad_scene_is_one_clear_error(tmp_path):
    bad = tmp_path / "broken.blend"
    bad.write_bytes(b"not a blend file")
    with pytest.raises(FarmError, match="broken.blend"):
        render_farm.render(bad, tmp_path / "o", progress=False)
    with pytest.raises(FarmError, match="no such scene"):
        render_farm.render(tmp_path / "nope.blend", tmp_path / "o", progress=False)


def test_sigterm_records_the_attempt_as_failed(blend, tmp_path):
    """What scancel or a time limit sends: the record says failed, the frames stay verified."""
    from render_farm.api import plan

    out = tmp_path / "o"
    plan(blend, out, frames="1-3", backend="local", renderer="bpy", resolution=None,
         samples=None, chunk=3, slots=1, threads=1, probe=False, progress=False)  # fmt: skip
    p = subprocess.Popen(
        [sys.executable, "-m", "render_farm.worker", str(out), "--chunk", "0"],
        env={**os.environ, "GALAXYREEL_FARM_FAILPOINT": "delay:0.5"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline and not (
        read_attempts(out, 0) and read_attempts(out, 0)[-1]["frames"]
    ):
        time.sleep(0.02)
    p.send_signal(signal.SIGTERM)
    assert p.wait(30) == 128 + signal.SIGTERM
    (att,) = read_attempts(out, 0)
    assert att["status"] == "failed" and "SystemExit" in att["error"]
    st = farm_status(out)
    assert len(st.done) == len(att["frames"]) and not st.running and not st.corrupt


def test_a_rebuilt_scene_is_planned_afresh_and_old_frames_are_kept_aside(rendered, blend, tmp_path):
    out = copy_of(rendered, tmp_path)
    m = load_manifest(out)
    m["blend"] = str(blend)  # the copy's plan points at this test's scene...
    m["blend_sha256"] = "0" * 64  # ...as it was before a rebuild
    (out / "manifest.json").write_text(json.dumps(m))
    old = (out / "0005.png").read_bytes()
    r = render_farm.render(blend, out, frames="5-6", progress=False)
    assert r.complete and r.frames_rendered == 2 and r.frames_total == 2
    (stale,) = (out / ".farm" / "stale").iterdir()
    assert (stale / "0005.png").read_bytes() == old and len(list(stale.glob("*.png"))) == 8
    assert sorted(p.name for p in out.glob("*.png")) == ["0005.png", "0006.png"]
