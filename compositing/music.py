"""The music bed: a user's file (looped or trimmed to the film) or a generated ambient pad.

The generated bed is a slow i-VI-III-VII progression in A minor (Am, F, C, G) of soft detuned
sine voices over a low A pedal (55 Hz), with sparse bell tones. The pedal is steady by design:
it is the part a test can follow under the narration (speech has almost no energy at 55 Hz)
to show the ducking.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .audio_io import read_audio

PEDAL_HZ = 55.0
CHORDS = ((57, 60, 64), (53, 57, 60), (48, 55, 64), (55, 59, 62))  # Am F C G (MIDI)
CHORD_SECONDS = 4.0


def _hz(midi: float) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


def generate_pad(seconds: float, rate: int, seed: int = 0) -> np.ndarray:
    """A stereo ambient bed, ``(n, 2)`` float32, peaking near -6 dBFS.

    One 16 s cycle of the progression is synthesised on a circular buffer (each chord's swell
    wraps around the end), then tiled, so a long film costs no more than 16 s of synthesis.
    """
    rng = np.random.default_rng(seed)
    n = int(round(seconds * rate))
    hop = int(CHORD_SECONDS * rate)
    cycle = hop * len(CHORDS)  # 16 s; 55 Hz x 16 s is a whole number of periods
    buf = np.zeros((cycle, 2), np.float32)
    t_cycle = np.arange(cycle, dtype=np.float32) / rate
    buf += (0.30 * np.sin(2 * np.pi * PEDAL_HZ * t_cycle))[:, None]
    xf = int(1.5 * rate)  # chords overlap by 1.5 s, each swelling in and out
    span = hop + xf
    tt = np.arange(span, dtype=np.float32) / rate
    env = np.ones(span, np.float32)
    env[:xf] = np.sin(np.linspace(0, np.pi / 2, xf)) ** 2
    env[-xf:] = np.cos(np.linspace(0, np.pi / 2, xf)) ** 2
    for c, chord in enumerate(CHORDS):
        idx = (c * hop - xf // 2 + np.arange(span)) % cycle
        voice = np.zeros((span, 2), np.float32)
        for v, note in enumerate(chord):
            f = _hz(note)
            pan = 0.5 + 0.35 * np.sin(v * 2.1 + c)
            for detune in (-0.12, 0.12):
                ph = rng.uniform(0, 2 * np.pi)
                w = np.float32(2 * np.pi * (f + detune))
                tone = np.sin(w * tt + ph) + 0.25 * np.sin(2 * w * tt + ph)
                tone *= 0.07 * env
                voice[:, 0] += tone * (1 - pan)
                voice[:, 1] += tone * pan
        for _ in range(2):  # two bell tones per chord, an octave up
            onset = int(rng.uniform(0.2, 0.8) * span)
            length = min(span - onset, int(3.0 * rate))
            f = _hz(rng.choice(chord) + 12)
            tb = tt[:length]
            bell = 0.09 * np.sin(np.float32(2 * np.pi * f) * tb) * np.exp(-tb * 1.6)
            pan = rng.uniform(0.2, 0.8)
            voice[onset : onset + length, 0] += bell * (1 - pan)
            voice[onset : onset + length, 1] += bell * pan
        buf[idx] += voice  # span < cycle, so no index repeats
    out = np.tile(buf, (n // cycle + 1, 1))[:n]
    peak = np.abs(buf).max() or 1.0
    return (out * (0.5 / peak)).astype(np.float32)


def music_bed(
    file: Path | None, generate: str | None, seconds: float, rate: int, seed: int
) -> np.ndarray | None:
    """The bed for a film of ``seconds``: stereo float32, or None for no music."""
    n = int(round(seconds * rate))
    if file is not None:
        x = read_audio(file, rate, "music file")
        if x.shape[1] == 1:
            x = np.repeat(x, 2, axis=1)
        x = x[:, :2]
        if x.shape[0] < n:  # loop it, with 30 ms fades so the seams do not click
            edge = min(x.shape[0] // 4, int(0.03 * rate))
            if edge > 0:
                ramp = np.sin(np.linspace(0, np.pi / 2, edge, dtype=np.float32))[:, None] ** 2
                x = x.copy()
                x[:edge] *= ramp
                x[-edge:] *= ramp[::-1]
            reps = int(np.ceil(n / x.shape[0])) + 1
            x = np.concatenate([x] * reps)
        return x[:n]
    if generate == "pad":
        return generate_pad(seconds, rate, seed)
    return None
