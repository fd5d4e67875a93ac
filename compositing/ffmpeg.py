"""The bundled ffmpeg (imageio-ffmpeg): locating it, probing files without ffprobe, escaping.

imageio-ffmpeg ships a static ffmpeg with libx264, aac, libass, drawtext, loudnorm and ebur128
but no ffprobe, so stream facts are parsed from ``ffmpeg -i`` banners and filter logs.
"""

from __future__ import annotations

import functools
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path


@functools.cache
def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


@dataclass(frozen=True)
class Stream:
    index: int
    kind: str  # video | audio | subtitle | data
    codec: str
    width: int = 0
    height: int = 0
    fps: float = 0.0
    sample_rate: int = 0


@dataclass(frozen=True)
class Probe:
    duration: float
    streams: tuple[Stream, ...]

    def first(self, kind: str) -> Stream | None:
        return next((s for s in self.streams if s.kind == kind), None)


_STREAM = re.compile(r"Stream #0:(\d+)[^:]*: (Video|Audio|Subtitle|Data): (\w+)(.*)")


def probe(path: Path) -> Probe:
    """Duration and streams of a media file, from the ``ffmpeg -i`` banner."""
    out = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True
    ).stderr
    m = re.search(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)", out)
    duration = int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3]) if m else 0.0
    streams = []
    for line in out.splitlines():
        sm = _STREAM.search(line)
        if not sm:
            continue
        rest = sm[4]
        size = re.search(r", (\d{2,5})x(\d{2,5})", rest)
        fps = re.search(r", ([\d.]+) fps", rest)
        rate = re.search(r", (\d+) Hz", rest)
        streams.append(
            Stream(
                index=int(sm[1]),
                kind=sm[2].lower(),
                codec=sm[3],
                width=int(size[1]) if size else 0,
                height=int(size[2]) if size else 0,
                fps=float(fps[1]) if fps else 0.0,
                sample_rate=int(rate[1]) if rate else 0,
            )
        )
    return Probe(duration, tuple(streams))
