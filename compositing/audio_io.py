"""Audio in and out as float32 numpy arrays: decode (WAV directly, others through the bundled
ffmpeg via pydub), resample, trim silence, write WAV atomically.

pydub asks ``ffprobe`` about a file unless given ``codec=``; imageio-ffmpeg ships no ffprobe,
so the decoder is always named from the file's suffix.
"""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path

import numpy as np

from .errors import StoryboardError
from .ffmpeg import ffmpeg_exe

DECODERS = {
    ".mp3": "mp3",
    ".flac": "flac",
    ".ogg": "libvorbis",
    ".opus": "libopus",
    ".m4a": "aac",
    ".aac": "aac",
}


def read_audio(path: Path, rate: int, what: str = "audio file") -> np.ndarray:
    """``(samples, channels)`` float32 at ``rate``; a clear error for an unreadable file."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".wav":
            x, src_rate = _read_wav(path)
        else:
            x, src_rate = _read_pydub(path)
    except StoryboardError:
        raise
    except Exception as exc:  # noqa: BLE001 - any decoder failure is the file's problem
        detail = str(exc).strip().splitlines()
        reason = next((d for d in reversed(detail) if d.strip()), type(exc).__name__)
        raise StoryboardError(f"{path}: cannot decode this {what}: {reason[:200]}") from exc
    if x.size == 0:
        raise StoryboardError(f"{path}: the {what} holds no sound")
    return resample(x, src_rate, rate)


def _read_wav(path: Path) -> tuple[np.ndarray, int]:
    from scipy.io import wavfile

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        src_rate, data = wavfile.read(path)
    if data.ndim == 1:
        data = data[:, None]
    if data.dtype.kind == "f":
        x = data.astype(np.float32)
    elif data.dtype == np.uint8:
        x = (data.astype(np.float32) - 128.0) / 128.0
    else:
        x = data.astype(np.float32) / float(np.iinfo(data.dtype).max + 1)
    return x, int(src_rate)


def _read_pydub(path: Path) -> tuple[np.ndarray, int]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "couldn't find ffmpeg" at import
        warnings.simplefilter("ignore", DeprecationWarning)  # pydub imports audioop
        from pydub import AudioSegment

    AudioSegment.converter = ffmpeg_exe()
    codec = DECODERS.get(path.suffix.lower())
    seg = AudioSegment.from_file(path, format=path.suffix.lstrip(".").lower(), codec=codec)
    samples = np.array(seg.get_array_of_samples(), dtype=np.float32)
    samples = samples.reshape(-1, seg.channels) / float(1 << (8 * seg.sample_width - 1))
    return samples, int(seg.frame_rate)


def resample(x: np.ndarray, src: int, dst: int) -> np.ndarray:
    if src == dst:
        return x.astype(np.float32, copy=False)
    from scipy.signal import resample_poly

    g = math.gcd(src, dst)
    return resample_poly(x, dst // g, src // g, axis=0).astype(np.float32)


def to_mono(x: np.ndarray) -> np.ndarray:
    return x.mean(axis=1) if x.ndim == 2 else x


def trim_silence(x: np.ndarray, rate: int, floor_db: float = -50.0, keep: float = 0.05):
    """Cut leading and trailing silence (TTS pads both ends), keeping ``keep`` seconds."""
    level = np.abs(x) if x.ndim == 1 else np.abs(x).max(axis=1)
    loud = np.flatnonzero(level > 10 ** (floor_db / 20))
    if loud.size == 0:
        return x[:0]
    pad = int(keep * rate)
    return x[max(0, loud[0] - pad) : loud[-1] + pad + 1]


def write_wav(path: Path, x: np.ndarray, rate: int) -> None:
    """32-bit float WAV, written to a temp name and renamed."""
    from scipy.io import wavfile

    path = Path(path)
    tmp = path.with_name(f".{path.name}.partial")
    wavfile.write(tmp, rate, np.ascontiguousarray(x, dtype=np.float32))
    os.replace(tmp, path)
