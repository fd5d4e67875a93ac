"""`galaxyreel demo --size tiny`: the whole chain for real (TensorFlow, openTSNE, bpy, ffmpeg)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

EXPECTED = [
    "run/run.h5",
    "scene/scene.blend",
    "scene/scene.ma",
    "scene/scene.usda",
    "scene/timeline.json",
    "frames/frames.json",
    "frames/manifest.json",
    "film.mp4",
    "film.srt",
    "preview.html",
    "REPORT.md",
]


def _demo(out, *extra):
    return subprocess.run(
        [sys.executable, "-m", "galaxyreel", "demo", "--size", "tiny", "--out", str(out), *extra],
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    res = _demo(out)
    assert res.returncode == 0, res.stderr[-3000:]
    return out


def test_demo_leaves_every_promised_file(demo_dir):
    missing = [name for name in EXPECTED if not (demo_dir / name).exists()]
    assert not missing


def test_demo_film_is_h264_aac_with_subtitles_and_the_planned_length(demo_dir):
    import imageio_ffmpeg

    info = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(demo_dir / "film.mp4")],
        capture_output=True,
        text=True,
    ).stderr
    assert re.search(r"Video: h264", info) and re.search(r"Audio: aac", info)
    assert "Subtitle: mov_text" in info
    h, m, s = re.search(r"Duration: (\d+):(\d+):([\d.]+)", info).groups()
    duration = int(h) * 3600 + int(m) * 60 + float(s)
    assert duration >= 60.0  # the demo storyboard is a film of at least a minute
    cues = (demo_dir / "film.srt").read_text().count(" --> ")
    assert cues >= 6


def test_demo_report_lists_accuracy_per_checkpoint_and_timings(demo_dir):
    from scene_builders.runfile import read_run

    report = (demo_dir / "REPORT.md").read_text()
    run = read_run(demo_dir / "run" / "run.h5")
    assert run.projection is not None
    acc = run.snapshots.accuracy(run.catalog.labels)
    assert f"| 10 | {int(run.snapshots.step[10])} |" in report
    assert f"{float(acc[-1]):.3f}" in report
    for stage in ("train", "project", "scene", "render", "compose", "preview"):
        assert f"| {stage} |" in report


def test_second_demo_skips_every_stage_and_force_redoes_one(demo_dir):
    film_before = (demo_dir / "film.mp4").stat().st_mtime_ns
    res = _demo(demo_dir)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stderr.count("up to date, skipped") == 6, res.stderr[-2000:]
    assert (demo_dir / "film.mp4").stat().st_mtime_ns == film_before

    res = _demo(demo_dir, "--force", "preview")
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stderr.count("up to date, skipped") == 5
    assert "preview  running" in res.stderr


def test_unknown_forced_stage_is_one_clear_line(tmp_path):
    res = _demo(tmp_path, "--force", "paint")
    assert res.returncode == 2
    assert "unknown stage" in res.stderr and "paint" in res.stderr
    assert "Traceback" not in res.stderr
