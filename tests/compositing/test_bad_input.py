"""Bad input ends in one clear error, before any encode, and leaves nothing at the output."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from compose_helpers import make_frames, storyboard_text

from compositing import StoryboardError, compose, load_storyboard
from compositing.ffmpeg import ffmpeg_exe


def _compose_fails(sb: Path, frames: Path, tmp_path: Path) -> str:
    out = tmp_path / "out" / "film.mp4"
    with pytest.raises(StoryboardError) as err:
        compose(sb, frames, out, progress=False)
    assert not out.exists()
    leftovers = list(out.parent.glob("*.mp4")) + list(out.parent.glob(".*work*"))
    assert leftovers == []  # no encode started, no temp folder left
    return str(err.value)


def test_a_missing_shot_is_named_with_its_line(write_storyboard, frames_dir, tmp_path):
    sb = write_storyboard(
        storyboard_text().replace('shot = "tsne"', 'name = "tsne"\nshot = "tnse"')
    )
    msg = _compose_fails(sb, frames_dir, tmp_path)
    line = next(i for i, t in enumerate(sb.read_text().splitlines(), 1) if '"tnse"' in t)
    assert f"story.toml:{line}:" in msg
    assert "no shot named 'tnse'" in msg and "tsne" in msg


def test_a_missing_frame_range_is_named(write_storyboard, tmp_path):
    frames = make_frames(tmp_path / "frames")
    for n in range(50, 56):  # elliptical_surface spans 37-72
        (frames / f"elliptical_surface/{n:04d}.png").unlink()
    msg = _compose_fails(write_storyboard(storyboard_text()), frames, tmp_path)
    assert "shot 'elliptical_surface' is missing frames 50-55" in msg


def test_an_unreadable_audio_file_is_named(write_storyboard, frames_dir, tmp_path):
    bad = tmp_path / "voice.mp3"
    bad.write_bytes(b"this is not an mp3 file" * 50)
    text = storyboard_text().replace(
        'text = "Here is a spiral galaxy with two long arms."',
        'text = "Here is a spiral galaxy."\naudio = "voice.mp3"',
    )
    msg = _compose_fails(write_storyboard(text), frames_dir, tmp_path)
    assert str(bad) in msg and "cannot decode" in msg


def test_a_negative_duration_is_an_error(write_storyboard):
    sb = write_storyboard(storyboard_text().replace("duration = 1.5", "duration = -2", 1))
    with pytest.raises(StoryboardError, match=r"duration: must not be negative, got -2"):
        load_storyboard(sb)


def test_a_font_that_does_not_exist_is_an_error(write_storyboard):
    text = storyboard_text() + '\n[style.title]\nfont = "Comic Papyrus Bold"\n'
    with pytest.raises(StoryboardError) as err:
        load_storyboard(write_storyboard(text))
    assert "[style.title]" not in str(err.value)  # the message uses its own label
    assert "style.title, font: font 'Comic Papyrus Bold' not found" in str(err.value)


def test_every_problem_is_listed_with_its_line_and_key(write_storyboard):
    text = storyboard_text().replace("fade_in = 0.25", "fade_inn = 0.25")
    text = text.replace('transition = "fade"\n', 'transition = "wipe"\n', 1)
    text = text.replace("at = 0.6", "at = -1")
    sb = write_storyboard(text)
    with pytest.raises(StoryboardError) as err:
        load_storyboard(sb)
    lines = sb.read_text().splitlines()

    def line_of(needle):
        return next(i for i, t in enumerate(lines, 1) if needle in t)

    problems = err.value.problems
    assert len(problems) == 3
    assert f"story.toml:{line_of('fade_inn')}: film, fade_inn: unknown key" in problems[0]
    assert "did you mean 'fade_in'" in problems[0]
    assert f":{line_of('wipe')}: [[segment]] #1, transition: must be one of" in problems[1]
    assert f":{line_of('at = -1')}: [[narration]] #2, at: must not be negative" in problems[2]


def test_narration_that_overruns_its_segment_is_an_error(write_storyboard, frames_dir, tmp_path):
    text = storyboard_text().replace("extend = true\n", "", 1)  # spiral no longer extends
    msg = _compose_fails(write_storyboard(text), frames_dir, tmp_path)
    assert "narration runs" in msg and "past the end of segment 'spiral_surface'" in msg
    assert "extend = true" in msg


def test_a_storyboard_that_is_not_toml_is_an_error(write_storyboard):
    with pytest.raises(StoryboardError, match=r"story.toml: not valid TOML"):
        load_storyboard(write_storyboard("[film\ntitle = 1"))


@pytest.mark.slow
def test_an_interrupted_encode_leaves_no_file_at_the_output(write_storyboard, tmp_path):
    # a long card-only film with a slow preset: the encode is still running when we interrupt
    frames = make_frames(tmp_path / "frames", frames_per_shot=2, shots=("tsne",))
    text = storyboard_text()
    text = text[: text.index("[[segment]]")] + (
        '[[segment]]\ntitle = "A long card"\nduration = 30\n'
    )
    text = text.replace("size = [160, 90]", "size = [1280, 720]").replace("veryfast", "veryslow")
    sb = write_storyboard(text)
    out = tmp_path / "out" / "film.mp4"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "galaxyreel.cli",
            "compose",
            str(sb),
            "--frames",
            str(frames),
            "--out",
            str(out),
        ],
        env=env,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    partial = out.with_name(".film.partial.mp4")
    deadline = time.monotonic() + 60
    while not partial.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    assert partial.exists(), proc.stderr.read().decode() if proc.poll() is not None else ""
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C: to python and ffmpeg alike
    try:
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130
    assert not out.exists() and not partial.exists()
    assert not out.with_suffix(".srt").exists() and not out.with_suffix(".wav").exists()
    assert {p.name for p in out.parent.iterdir()} <= {".galaxyreel-cache"}  # no work folder


def test_recorded_narration_is_decoded_without_ffprobe(tmp_path):
    from compositing.audio_io import read_audio

    for suffix in ("flac", "mp3", "wav"):
        f = tmp_path / f"tone.{suffix}"
        subprocess.run(
            [ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "sine=f=440:d=1.5:r=22050", str(f)],
            check=True,
        )
        x = read_audio(f, 48000)
        assert x.shape[1] == 1 and abs(x.shape[0] / 48000 - 1.5) < 0.06, suffix
