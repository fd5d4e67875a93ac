"""Narration audio: a recording per line, or a synthetic voice.

The always-available draft voice is Debian's ``espeak-ng`` (about 1000x real time). Any other
engine plugs in as ``engine = "command"``: an argv that writes a WAV to ``{out}`` and takes the
text as ``{text}`` or on stdin, e.g. Piper with a user-supplied model::

    command = ["piper", "--model", "en_US-amy-medium.onnx", "--output_file", "{out}"]

Synthesised lines are cached by (voice, text), so re-running a compose after a timing change
does not speak every line again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from .audio_io import read_audio, to_mono, trim_silence
from .errors import StoryboardError
from .storyboard import NarrationLine, Storyboard, Voice


def narration_audio(sb: Storyboard, rate: int, cache: Path | None) -> list[np.ndarray]:
    """Mono float32 clips at ``rate``, one per narration line; every failure listed at once."""
    clips: list[np.ndarray] = []
    problems: list[str] = []
    for j, line in enumerate(sb.narration):
        try:
            clips.append(_line_audio(line, sb.voice, rate, cache))
        except StoryboardError as exc:
            key = "audio" if line.audio is not None else "text"
            problems.append(f"{sb.where('narration', j, key)}: {exc}")
            clips.append(np.zeros(0, np.float32))
    if problems:
        raise StoryboardError.collect(f"{sb.path}: narration", problems)
    return clips


def _line_audio(line: NarrationLine, voice: Voice, rate: int, cache: Path | None) -> np.ndarray:
    if line.audio is not None:
        x = to_mono(read_audio(line.audio, rate, "narration recording"))
    else:
        x = to_mono(synthesize(line.say or line.text, voice, rate, cache))
    x = trim_silence(x, rate)
    if x.size == 0:
        raise StoryboardError("the narration is silent")
    return (x * 10 ** (line.gain / 20)).astype(np.float32)


def synthesize(text: str, voice: Voice, rate: int, cache: Path | None = None) -> np.ndarray:
    """Speak ``text`` with ``voice``; the result is cached as a WAV under ``cache``."""
    key = hashlib.sha256(
        json.dumps(
            [voice.engine, voice.name, voice.speed, voice.pitch, voice.command, text]
        ).encode()
    ).hexdigest()[:24]
    if cache is not None:
        hit = cache / f"{key}.wav"
        if hit.is_file():
            return read_audio(hit, rate, "cached narration")
    with tempfile.TemporaryDirectory(prefix="galaxyreel-voice-") as tmp:
        out = Path(tmp) / "line.wav"
        _run_voice(text, voice, out)
        x = read_audio(out, rate, "synthesised narration")
        if cache is not None:
            cache.mkdir(parents=True, exist_ok=True)
            part = cache / f".{key}.partial"
            shutil.copyfile(out, part)
            os.replace(part, cache / f"{key}.wav")
    return x


def _run_voice(text: str, voice: Voice, out: Path) -> None:
    if voice.engine == "espeak-ng":
        exe = shutil.which("espeak-ng")
        if exe is None:
            raise StoryboardError(
                "the espeak-ng voice is not installed (sudo apt-get install espeak-ng); "
                "or give the line a recorded audio = FILE"
            )
        argv = [exe, "-v", voice.name, "-s", str(voice.speed), "-p", str(voice.pitch)]
        argv += ["-w", str(out), "--stdin"]
        stdin = text
    else:
        argv = [a.replace("{out}", str(out)).replace("{text}", text) for a in voice.command]
        stdin = None if any("{text}" in a for a in voice.command) else text
        if shutil.which(argv[0]) is None and not Path(argv[0]).is_file():
            raise StoryboardError(f"the voice command {argv[0]!r} is not installed")
    try:
        proc = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise StoryboardError(f"the voice {argv[0]!r} failed: {exc}") from exc
    if proc.returncode != 0 or not out.is_file() or out.stat().st_size <= 44:
        err = (proc.stderr or "").strip().splitlines()
        raise StoryboardError(
            f"the voice {Path(argv[0]).name!r} failed (exit {proc.returncode})"
            + (f": {err[-1][:200]}" if err else "")
        )
