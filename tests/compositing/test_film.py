"""One film composed from generated frames, espeak-ng narration and the generated music bed,
checked with the bundled ffmpeg."""

from __future__ import annotations

import numpy as np
import pytest
from compose_helpers import audio, ebur128, frame_at, psnr, storyboard_text, subtitles
from PIL import Image

from compositing import compose
from compositing.captions import parse_srt
from compositing.ffmpeg import probe
from compositing.music import PEDAL_HZ
from tests.conftest import require_command

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def film(tmp_path_factory, frames_dir):
    require_command("espeak-ng")
    d = tmp_path_factory.mktemp("film")
    sb = d / "story.toml"
    sb.write_text(storyboard_text())
    return compose(sb, frames_dir, d / "film.mp4", progress=False)


def test_film_has_h264_aac_and_soft_subtitles_at_the_storyboard_size(film):
    p = probe(film.film)
    v, a, s = p.first("video"), p.first("audio"), p.first("subtitle")
    assert (v.codec, v.width, v.height) == ("h264", 160, 90)
    assert a.codec == "aac" and a.sample_rate == 48000
    assert s is not None and s.codec == "mov_text"


def test_film_lasts_the_storyboards_total(film):
    # title 1.5 + spiral (1.5, extended for the voice) - 0.5 + elliptical 1.5
    # + tsne (extended) - 0.5 + end 1.5 - 0.5; the plan is in whole frames
    assert abs(probe(film.film).duration - film.duration) <= 1 / 24 + 0.01
    spiral = film.plan.segment("spiral_surface")
    assert spiral.frames > 36  # the narration extended it past the shot's 36 frames


def test_soft_subtitle_cues_match_the_narration(film):
    cues = parse_srt(subtitles(film.film))
    spoken = film.plan.narration
    assert [c.text.replace("\n", " ") for c in cues] == [n.line.text for n in spoken]
    for c, n in zip(cues, spoken, strict=True):
        assert abs(c.start - n.start) < 0.01
        assert n.end - 0.01 <= c.end <= n.end + 0.35
    assert all(a.end <= b.start for a, b in zip(cues, cues[1:], strict=False))
    assert parse_srt(film.captions.read_text()) == cues


def test_loudness_is_minus_16_lufs_with_peaks_under_minus_1_dbfs(film):
    lufs, peak = ebur128(film.film)
    assert abs(lufs - (-16.0)) <= 1.0
    assert peak <= -1.0


def _pedal_level(x: np.ndarray, t0: float, t1: float, rate: int = 48000) -> float:
    seg = x[int(t0 * rate) : int(t1 * rate)]
    spec = np.abs(np.fft.rfft(seg * np.hanning(seg.size)))
    f = np.fft.rfftfreq(seg.size, 1 / rate)
    return 20 * np.log10(spec[np.abs(f - PEDAL_HZ) < 1.5].max() / seg.size)


def test_music_is_ducked_under_the_narration(film):
    x = audio(film.film)
    first, line = film.plan.narration  # music alone between them, once the duck has released
    quiet = (first.end + 0.6 + 0.05, line.start - 0.25 - 0.05)  # release 0.6, attack 0.25
    assert quiet[1] - quiet[0] >= 0.5
    alone = _pedal_level(x, *quiet)
    during = _pedal_level(x, line.start + 0.2, line.start + 0.2 + (quiet[1] - quiet[0]))
    assert alone - during > 8.0  # ducked by 12 dB; measured on the 55 Hz pedal speech lacks


def test_a_frame_decoded_mid_shot_equals_its_source_frame(film, frames_dir):
    seg = film.plan.segment("elliptical_surface")  # a cut in; frames 0-5 are clean
    k = 3
    src = film.plan.source_file(_source(frames_dir), seg, k)
    assert src.name == f"{36 + 1 + k:04d}.png"
    shown = frame_at(film.film, seg.start + k, 24, (160, 90))
    assert psnr(shown, np.asarray(Image.open(src).convert("RGB"))) >= 35.0


def test_an_annotation_is_drawn_only_inside_its_window(film, frames_dir):
    seg = film.plan.segment("elliptical_surface")
    note = film.plan.annotations[0]
    assert (note.start, note.end) == (seg.start_s + 0.25, seg.start_s + 0.75)
    source = _source(frames_dir)
    for k, drawn in ((12, True), (21, False)):  # the plate shows over frames 6-17
        shown = frame_at(film.film, seg.start + k, 24, (160, 90))
        ref = np.asarray(Image.open(film.plan.source_file(source, seg, k)).convert("RGB"))
        # the plate sits top-left (5 % margins): the text corner differs, the rest does not
        corner = np.abs(shown[4:20, 8:60].astype(int) - ref[4:20, 8:60]).mean()
        rest = psnr(shown[40:, 80:], ref[40:, 80:])
        assert (corner > 20) == drawn, (k, corner)
        assert rest >= 35.0


def test_a_crossfade_blends_the_two_shots_and_a_fade_goes_through_black(film, frames_dir):
    source = _source(frames_dir)
    ell, tsne, end = (film.plan.segment(n) for n in ("elliptical_surface", "tsne", "end"))
    assert tsne.overlap == 12 and tsne.start == ell.end - 12
    k = 6  # halfway through the cross-fade
    a = np.asarray(Image.open(film.plan.source_file(source, ell, 24 + k)).convert("RGB"))
    b = np.asarray(Image.open(film.plan.source_file(source, tsne, k)).convert("RGB"))
    shown = frame_at(film.film, tsne.start + k, 24, (160, 90))
    half = (a.astype(float) + b) / 2
    assert psnr(shown, half) >= 30.0
    assert psnr(shown, half) > max(psnr(shown, a), psnr(shown, b)) + 5
    mid_black = frame_at(film.film, end.start + end.overlap // 2, 24, (160, 90))
    assert mid_black.mean() < 12  # the fade through black reaches black halfway


def test_the_mixed_audio_is_written_beside_the_film(film):
    from scipy.io import wavfile

    rate, x = wavfile.read(film.audio)
    assert film.audio == film.film.with_suffix(".wav")
    assert rate == 48000 and x.shape[1] == 2
    assert abs(x.shape[0] / rate - film.duration) < 0.01


def _source(frames_dir):
    from compositing.frames import load_frames

    return load_frames(frames_dir)


def test_the_demo_storyboard_composes_a_film_over_a_minute_long(tmp_path_factory):
    from compose_helpers import make_frames

    from compositing import DEMO_STORYBOARD

    d = tmp_path_factory.mktemp("demo")
    frames = make_frames(d / "frames", frames_per_shot=12)  # tiny renders: narration extends
    result = compose(DEMO_STORYBOARD, frames, d / "demo.mp4", preview=True, progress=False)
    assert result.duration >= 60.0
    assert abs(probe(result.film).duration - result.duration) <= 0.05
    assert len(result.cues) >= len(result.plan.narration)
    assert abs(result.loudness + 16.0) < 0.1 and result.true_peak <= -1.5 + 1e-6
