"""Helpers for the compositing tests: tiny generated frames (160x90), storyboards, and checks
on a finished film with the bundled ffmpeg (there is no ffprobe here)."""

from __future__ import annotations

import json
import re
import subprocess
import textwrap
from pathlib import Path

import numpy as np

from compositing.ffmpeg import ffmpeg_exe

SHOTS = (
    "spiral_surface",
    "elliptical_surface",
    "merged_surfaces",
    "profile",
    "catalog_grid",
    "tsne",
)
SIZE = (160, 90)


def frame_pixels(shot_index: int, k: int, size=SIZE) -> np.ndarray:
    """A smooth, frame-unique picture (video codecs keep smooth content near-lossless)."""
    w, h = size
    x = np.linspace(0, 1, w)[None, :]
    y = np.linspace(0, 1, h)[:, None]
    r = 128 + 90 * np.sin(2 * np.pi * (x + 0.04 * k))
    g = 40 + 170 * y + 0 * x
    b = 30 + 35 * shot_index + 40 * np.cos(2 * np.pi * (y + 0.5 * x - 0.03 * k))
    return np.clip(np.stack(np.broadcast_arrays(r, g, b), axis=-1), 0, 255).astype(np.uint8)


def make_frames(
    folder: Path,
    frames_per_shot: int = 36,
    fps: int = 24,
    step: int = 1,
    manifest: bool = True,
    shots=SHOTS,
    size=SIZE,
) -> Path:
    """Frames as the farm collects them: ``folder/<shot>/####.png`` + ``frames.json``
    (or, with ``manifest=False``, a flat folder of numbered PNGs + ``timeline.json``)."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    entries, table = [], []
    first = 1
    for si, name in enumerate(shots):
        last = first + frames_per_shot - 1
        table.append(
            {
                "name": name,
                "title": name.replace("_", " "),
                "first_frame": first,
                "last_frame": last,
            }
        )
        for n in range(first, last + 1, step):
            rel = f"{name}/{n:04d}.png" if manifest else f"{n:04d}.png"
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(frame_pixels(si, n - first, size)).save(folder / rel)
            entries.append({"frame": n, "file": rel, "shot": name})
        first = last + 1
    doc = {"fps": fps, "resolution": list(size), "shots": table}
    if manifest:
        doc["frames"] = entries
        (folder / "frames.json").write_text(json.dumps(doc))
    else:
        doc.update(frame_start=1, frame_end=first - 1)
        (folder / "timeline.json").write_text(json.dumps(doc))
    return folder


def storyboard_text(extra: str = "", music: str = 'generate = "pad"\nseed = 3') -> str:
    return textwrap.dedent(
        """\
        [film]
        title = "Test film"
        fade_in = 0.25
        fade_out = 0.5

        [output]
        size = [160, 90]
        fps = 24
        crf = 16
        preset = "veryfast"

        [voice]
        speed = 190

        [music]
        {music}

        [[segment]]
        name = "title"
        title = "Galaxies"
        subtitle = "a test"
        duration = 1.5
        transition = "fade"
        transition_duration = 0.25

        [[segment]]
        shot = "spiral_surface"
        transition = "crossfade"
        transition_duration = 0.5
        extend = true

        [[segment]]
        shot = "elliptical_surface"

        [[segment]]
        shot = "tsne"
        transition = "crossfade"
        transition_duration = 0.5
        extend = true

        [[segment]]
        name = "end"
        title = "The end"
        duration = 1.5
        transition = "fade"
        transition_duration = 0.5

        [[narration]]
        segment = "spiral_surface"
        at = 0.2
        text = "Here is a spiral galaxy with two long arms."

        [[narration]]
        segment = "tsne"
        at = 0.6
        text = "Two clusters form. Mistakes glow red."

        [[annotation]]
        segment = "elliptical_surface"
        at = 0.25
        duration = 0.5
        text = "ELLIPTICAL"
        position = "top-left"
        {extra}
        """
    ).format(extra=extra, music=music)


def ffmpeg(*args: str, text: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", *args], capture_output=True, text=text
    )


def frame_at(film: Path, index: int, fps: int, size: tuple[int, int]) -> np.ndarray:
    """The decoded RGB frame number ``index`` (0-based) of the film.

    An input ``-ss t`` starts at the first frame whose timestamp is >= t, so seek half a
    frame early.
    """
    t = max(0.0, (index - 0.5) / fps)
    p = ffmpeg(
        "-ss",
        f"{t:.5f}",
        "-i",
        str(film),
        "-frames:v",
        "1",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-",
        text=False,
    )
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    w, h = size
    return np.frombuffer(p.stdout, np.uint8)[: w * h * 3].reshape(h, w, 3)


def audio(film: Path, rate: int = 48000) -> np.ndarray:
    """Decoded audio, mono float32."""
    p = ffmpeg(
        "-i", str(film), "-map", "0:a", "-ac", "1", "-ar", str(rate), "-f", "f32le", "-", text=False
    )
    assert p.returncode == 0
    return np.frombuffer(p.stdout, np.float32)


def ebur128(film: Path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBFS) from ffmpeg's ebur128 filter."""
    err = ffmpeg(
        "-nostats", "-i", str(film), "-map", "0:a", "-af", "ebur128=peak=true", "-f", "null", "-"
    ).stderr
    summary = err[err.rfind("Summary:") :]
    lufs = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary)[1])
    peak = float(re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)[1])
    return lufs, peak


def subtitles(film: Path) -> str:
    p = ffmpeg("-v", "error", "-i", str(film), "-map", "0:s:0", "-f", "srt", "-")
    assert p.returncode == 0, p.stderr
    return p.stdout


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)
