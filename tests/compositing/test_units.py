"""Numpy cores: captions, the mix (ducking, limiter, loudness), frame timing, storyboards."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from compose_helpers import make_frames

from compositing import mix
from compositing.captions import LINE_CHARS, cues, parse_srt, to_srt
from compositing.frames import load_frames
from compositing.storyboard import key_lines, load_storyboard


def test_long_narration_splits_into_short_non_overlapping_cues():
    long = (
        "This surface is the network's response to one spiral galaxy. Each row holds 1024 "
        "inner signals, laid down one training step at a time, until the surface is complete."
    )
    out = cues([(0.0, 8.0, long), (7.9, 9.0, "Next.")])
    assert len(out) >= 3
    for c in out:
        assert all(len(line) <= LINE_CHARS for line in c.text.split("\n"))
        assert c.text.count("\n") <= 1
    assert all(a.end <= b.start for a, b in zip(out, out[1:], strict=False))
    assert " ".join(c.text.replace("\n", " ") for c in out[:-1]) == long
    assert parse_srt(to_srt(out)) == [
        type(c)(round(c.start, 3), round(c.end, 3), c.text) for c in out
    ]


def test_music_gain_ducks_12_db_under_speech_with_ramps():
    rate = 1000
    env = mix.duck_envelope(10 * rate, rate, [(4.0, 6.0)], -12.0, 0.5, 1.0)
    db = 20 * np.log10(env)
    assert db[: int(3.4 * rate)].max() == 0.0
    assert np.allclose(db[int(4.0 * rate) : int(6.0 * rate)], -12.0)
    assert -12.0 < db[int(6.5 * rate)] < 0.0  # releasing
    assert db[int(7.1 * rate) :].min() == 0.0


def test_normalise_reaches_the_target_and_keeps_true_peaks_under_the_ceiling():
    import pyloudnorm

    rate = 48000
    rng = np.random.default_rng(1)
    t = np.arange(6 * rate) / rate
    # speech-like: a buzzy 120 Hz voice in syllables, crest factor ~20 dB
    voice = sum(np.sin(2 * np.pi * 120 * h * t + rng.uniform(0, 6)) / h for h in range(1, 12))
    speechy = voice * np.abs(np.sin(2 * np.pi * 2.5 * t)) ** 24
    x = np.stack([speechy, 0.5 * speechy], axis=1).astype(np.float32) * 0.05
    y, lufs, tp = mix.normalise(x, rate, -16.0, -1.5)
    assert abs(lufs - (-16.0)) < 0.1
    assert abs(pyloudnorm.Meter(rate).integrated_loudness(y.astype(np.float64)) - lufs) < 0.01
    assert tp <= -1.5 + 1e-6
    assert mix.true_peak_db(y) <= -1.5 + 1e-3
    plain = x * 10 ** ((-16.0 - mix.loudness(x, rate)) / 20)
    assert mix.true_peak_db(plain) > -0.5  # plain gain passes the ceiling: the limiter works


def test_a_preview_rendered_on_every_second_frame_holds_each_frame(tmp_path):
    d = make_frames(tmp_path / "f", frames_per_shot=24, step=2, shots=("tsne",))
    shot = load_frames(d).shots["tsne"]
    assert shot.step == 2 and shot.gaps() == []
    names = [shot.file_at(k / 24, 24).name for k in range(6)]
    assert names == ["0001.png", "0001.png", "0003.png", "0003.png", "0005.png", "0005.png"]


def test_a_plain_png_folder_with_a_timeline_is_read(tmp_path):
    d = make_frames(tmp_path / "f", frames_per_shot=4, manifest=False, shots=("a", "b"))
    src = load_frames(d)
    assert src.origin.name == "timeline.json"
    assert [f.name for f in src.shots["b"].files] == [
        "0005.png",
        "0006.png",
        "0007.png",
        "0008.png",
    ]
    timeline = tmp_path / "elsewhere.json"
    timeline.write_text((d / "timeline.json").read_text())
    (d / "timeline.json").unlink()
    assert load_frames(d, timeline).shots["a"].frames == (1, 2, 3, 4)


def test_a_manifest_listing_an_absent_file_reports_the_gap(tmp_path):
    d = make_frames(tmp_path / "f", frames_per_shot=10, shots=("tsne",))
    (d / "tsne/0010.png").unlink()
    assert load_frames(d).shots["tsne"].gaps() == [(10, 10)]
    doc = json.loads((d / "frames.json").read_text())
    del doc["shots"]
    (d / "frames.json").write_text(json.dumps(doc))
    with pytest.raises(Exception, match=r'no "shots" list .*--timeline'):
        load_frames(d)


def test_key_lines_map_tables_and_keys_to_lines():
    text = (
        'a = 1\n[x]\nb = [\n  1,\n  2,\n]\nc = """\nd = 3\n"""\ne = 4\n[[s]]\nf = 5\n[[s]]\nf = 6\n'
    )
    lines = key_lines(text)
    assert lines[("", None, "a")] == 1
    assert lines[("x", None, "b")] == 3
    assert ("x", None, "d") not in lines  # inside a multi-line string
    assert lines[("x", None, "e")] == 10
    assert lines[("s", 1, "f")] == 14


def test_the_demo_storyboard_tells_the_six_shots_in_at_least_60_seconds():
    from compositing.cli import demo_storyboard
    from scene_builders.look import SHOT_NAMES

    sb = load_storyboard(demo_storyboard())
    shots = [s.shot for s in sb.segments if s.shot]
    assert shots == list(SHOT_NAMES)  # the scenes' shots, in the film's order
    assert sb.segments[0].is_card and sb.segments[-1].is_card
    assert sb.music.generate == "pad" and len(sb.annotations) >= 6
    assert {n.segment for n in sb.narration} >= set(shots)
    # Even with every shot cut to 1 s, the cards plus narration run past a minute.
    words = sum(len((n.say or n.text).split()) for n in sb.narration)
    cards = sum(s.duration for s in sb.segments if s.is_card)
    assert words / sb.voice.speed * 60 + cards >= 60


def test_storyboard_paths_are_relative_to_the_storyboard(tmp_path):
    (tmp_path / "sub").mkdir()
    wav = tmp_path / "sub" / "line.wav"
    from compositing.audio_io import write_wav

    write_wav(wav, np.zeros((4800, 1), np.float32) + 0.1, 48000)
    sb = tmp_path / "s.toml"
    sb.write_text(
        '[[segment]]\ntitle = "x"\nduration = 3\n[[narration]]\nsegment = "card-1"\n'
        'audio = "sub/line.wav"\n'
    )
    assert load_storyboard(sb).narration[0].audio == Path(wav)


def test_a_short_music_file_loops_to_the_film_without_clicks(tmp_path):
    import subprocess

    from compositing.ffmpeg import ffmpeg_exe
    from compositing.music import music_bed

    f = tmp_path / "bed.flac"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "sine=f=220:d=1", str(f)], check=True
    )
    x = music_bed(f, None, 3.5, 48000, 0)
    assert x.shape == (168000, 2)
    seam = x[48000 - 5 : 48000 + 5, 0]
    assert np.abs(seam).max() < 0.01  # faded to silence at the loop point
    assert np.abs(x[24000:24100, 0]).max() > 0.1


def test_a_command_voice_plugs_in_like_piper_would(tmp_path):
    from compositing.storyboard import Voice
    from compositing.voices import synthesize
    from tests.conftest import require_command

    require_command("espeak-ng")
    via_stdin = Voice(engine="command", command=("espeak-ng", "-s", "150", "-w", "{out}"))
    via_arg = Voice(engine="command", command=("espeak-ng", "-s", "150", "-w", "{out}", "{text}"))
    a = synthesize("Two clean clusters remain.", via_stdin, 48000, tmp_path / "cache")
    b = synthesize("Two clean clusters remain.", via_arg, 48000)
    assert a.shape == b.shape and a.shape[0] > 48000 * 0.8
    assert len(list((tmp_path / "cache").glob("*.wav"))) == 1  # cached for the re-run
    missing = Voice(engine="command", command=("piper-not-installed", "--output_file", "{out}"))
    with pytest.raises(Exception, match="'piper-not-installed' is not installed"):
        synthesize("x", missing, 48000)
