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
    """A stereo ambient bed, ``(n, 2)`` float32, peaking near -6 dBFS."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * rate))
    t = np.arange(n, dtype=np.float64) / rate
    left = np.zeros(n)
    right = np.zeros(n)
    pedal = 0.30 * np.sin(2 * np.pi * PEDAL_HZ * t)
    left += pedal
    right += pedal
    hop = int(CHORD_SECONDS * rate)
    xf = int(1.5 * rate)  # chords overlap by 1.5 s, each swelling in and out
    for c, start in enumerate(range(0, n, hop)):
        a, b = max(0, start - xf // 2), min(n, start + hop + xf // 2)
        if a >= b:
            continue
        tt = t[a:b]
        env = np.ones(b - a)
        ramp = min(xf, (b - a) // 2)
        env[:ramp] = np.sin(np.linspace(0, np.pi / 2, ramp)) ** 2
        env[-ramp:] = np.cos(np.linspace(0, np.pi / 2, ramp)) ** 2
        for v, note in enumerate(CHORDS[c % len(CHORDS)]):
            f = _hz(note)
            pan = 0.5 + 0.35 * np.sin(v * 2.1 + c)
            for detune in (-0.12, 0.12):
                ph = rng.uniform(0, 2 * np.pi)
                tone = np.sin(2 * np.pi * (f + detune) * tt + ph)
                tone += 0.25 * np.sin(2 * np.pi * 2 * (f + detune) * tt + ph)
                tone *= 0.07 * env
                left[a:b] += tone * (1 - pan)
                right[a:b] += tone * pan
        for _ in range(2):  # two bell tones per chord, an octave up
            onset = a + int(rng.uniform(0.2, 0.8) * (b - a))
            length = min(n - onset, int(3.0 * rate))
            if length <= 0:
                continue
            f = _hz(rng.choice(CHORDS[c % len(CHORDS)]) + 12)
            tb = np.arange(length) / rate
            bell = 0.09 * np.sin(2 * np.pi * f * tb) * np.exp(-tb * 1.6)
            pan = rng.uniform(0.2, 0.8)
            left[onset : onset + length] += bell * (1 - pan)
            right[onset : onset + length] += bell * pan
    out = np.stack([left, right], axis=1)
    peak = np.abs(out).max() or 1.0
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
        if x.shape[0] < n:  # loop it
            reps = int(np.ceil(n / x.shape[0])) + 1
            x = np.concatenate([x] * reps)
        return x[:n]
    if generate == "pad":
        return generate_pad(seconds, rate, seed)
    return None
