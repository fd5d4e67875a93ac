"""Frame ranges as people type them (``1-240``, ``1-30,61-90``, ``1-240x2``) and back."""

from __future__ import annotations

import re

from .errors import FarmError

_PART = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*(?:[x:]\s*(\d+))?)?\s*$")


def parse_frames(spec: str) -> list[int]:
    """Sorted unique frame numbers of ``spec``; a step is written ``1-240x2`` (or ``1-240:2``)."""
    if not spec or not spec.strip():
        raise FarmError("empty frame range; write e.g. 1-240, 1-30,61-90 or 1-240x2")
    frames: set[int] = set()
    for part in spec.split(","):
        m = _PART.match(part)
        if not m:
            raise FarmError(
                f"bad frame range {part.strip()!r} in {spec!r}; write e.g. 1-240, 1-30,61-90 or 1-240x2"
            )
        a = int(m.group(1))
        b = int(m.group(2)) if m.group(2) is not None else a
        step = int(m.group(3)) if m.group(3) is not None else 1
        if b < a or step < 1:
            raise FarmError(
                f"bad frame range {part.strip()!r} in {spec!r}: end before start or step < 1"
            )
        frames.update(range(a, b + 1, step))
    return sorted(frames)


def format_frames(frames) -> str:
    """The shortest ``a-b,c`` text for a set of frames (used in logs, status and job names)."""
    out: list[str] = []
    fs = sorted(set(int(f) for f in frames))
    i = 0
    while i < len(fs):
        j = i
        while j + 1 < len(fs) and fs[j + 1] == fs[j] + 1:
            j += 1
        out.append(str(fs[i]) if i == j else f"{fs[i]}-{fs[j]}")
        i = j + 1
    return ",".join(out)


def runs(frames) -> list[tuple[int, int]]:
    """Contiguous (first, last) runs: a ``blender -s S -e E -a`` command renders one run."""
    fs = sorted(set(int(f) for f in frames))
    result: list[tuple[int, int]] = []
    for f in fs:
        if result and f == result[-1][1] + 1:
            result[-1] = (result[-1][0], f)
        else:
            result.append((f, f))
    return result


def frame_file(frame: int) -> str:
    """``0001.png``: Blender's ``####`` padding, numbered by the global frame number."""
    return f"{frame:04d}.png"
