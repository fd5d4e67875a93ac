"""`galaxyreel compose` end to end: preview mode, burned captions, user errors."""

from __future__ import annotations

import pytest
from compose_helpers import frame_at, make_frames, storyboard_text

from compositing.captions import parse_srt
from compositing.ffmpeg import probe
from galaxyreel.cli import main
from tests.conftest import require_command

pytestmark = pytest.mark.slow


def test_preview_of_large_frames_is_small_and_burns_captions(tmp_path, capsys):
    require_command("espeak-ng")
    shots = ("spiral_surface", "elliptical_surface", "tsne")
    frames = make_frames(tmp_path / "frames", frames_per_shot=24, size=(800, 450), shots=shots)
    sb = tmp_path / "story.toml"
    sb.write_text(storyboard_text().replace("size = [160, 90]\n", ""))  # size: the frames'
    film = tmp_path / "film.mp4"
    args = ["compose", str(sb), "--frames", str(frames), "--out", str(film)]
    assert main([*args, "--preview", "--burn-captions"]) == 0
    assert "LUFS" in capsys.readouterr().out
    v = probe(film).first("video")
    assert (v.width, v.height) == (640, 360)  # preview: at most 640 wide
    cues = parse_srt(film.with_suffix(".srt").read_text())
    during = round((cues[0].start + 0.5) * 24)
    between = round((cues[0].end + cues[1].start) / 2 * 24)

    def white_in_caption_band(index):  # the test frames hold no near-white pixel
        band = frame_at(film, index, 24, (640, 360))[280:]
        return int((band.min(axis=2) > 225).sum())

    assert white_in_caption_band(during) > 100
    assert white_in_caption_band(between) == 0


def test_a_bad_storyboard_is_one_message_and_exit_2(tmp_path, capsys, frames_dir):
    sb = tmp_path / "story.toml"
    sb.write_text(storyboard_text().replace("duration = 1.5", "duration = -1", 1))
    out = tmp_path / "film.mp4"
    assert main(["compose", str(sb), "--frames", str(frames_dir), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("galaxyreel compose: error: ") and "must not be negative" in err
    assert "Traceback" not in err and not out.exists()
