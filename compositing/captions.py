"""Captions from the narration: SubRip cues that never overlap, at most two lines of 42
characters each (the usual broadcast limits), long lines split at sentence or clause breaks
with time shared by length."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

LINE_CHARS = 42
MAX_LINES = 2
HOLD = 0.3  # seconds a cue stays up after the voice stops, if the next cue allows
GAP = 0.04  # minimum gap between cues


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str  # lines joined by "\n"


def _chunks(text: str) -> list[str]:
    """Pieces of ``text`` that each fit in one cue, split at sentence, then clause, breaks."""
    limit = LINE_CHARS * MAX_LINES
    words = " ".join(text.split())
    if _fits(words):
        return [words]
    parts = re.split(r"(?<=[.!?])\s+", words)
    if len(parts) == 1:
        parts = re.split(r"(?<=[,;:])\s+", words)
    out: list[str] = []
    for p in parts:
        if out and _fits(out[-1] + " " + p):
            out[-1] += " " + p
        elif _fits(p):
            out.append(p)
        else:  # no break fits: by words
            out.extend(textwrap.wrap(p, limit - 4, break_long_words=True))
    return out


def _balanced(text: str) -> list[str]:
    """Wrapped to LINE_CHARS, with the lines as even as the words allow."""
    lines = textwrap.wrap(text, LINE_CHARS)
    for width in range(max(1, len(text) // len(lines)), LINE_CHARS):
        even = textwrap.wrap(text, width)
        if len(even) == len(lines):
            return even
    return lines


def _fits(text: str) -> bool:
    return len(textwrap.wrap(text, LINE_CHARS)) <= MAX_LINES


def cues(lines: list[tuple[float, float, str]]) -> list[Cue]:
    """``(start, end, text)`` narration spans -> non-overlapping, readable cues."""
    raw: list[Cue] = []
    for start, end, text in sorted(lines):
        if not text.strip():
            continue
        pieces = _chunks(text)
        total = sum(len(p) for p in pieces)
        t = start
        for p in pieces:
            d = (end - start) * len(p) / total
            raw.append(Cue(t, t + d, "\n".join(_balanced(p))))
            t += d
    out: list[Cue] = []
    for i, c in enumerate(raw):
        nxt = raw[i + 1].start if i + 1 < len(raw) else float("inf")
        end = min(c.end + HOLD, nxt - GAP)
        if out and c.start < out[-1].end + GAP:
            c = Cue(out[-1].end + GAP, c.end, c.text)
        out.append(Cue(c.start, max(end, c.start + 0.1), c.text))
    return out


def _stamp(t: float) -> str:
    ms = int(round(max(0.0, t) * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def to_srt(items: list[Cue]) -> str:
    blocks = [
        f"{i}\n{_stamp(c.start)} --> {_stamp(c.end)}\n{c.text}\n" for i, c in enumerate(items, 1)
    ]
    return "\n".join(blocks)


def parse_srt(text: str) -> list[Cue]:
    """Read SubRip text back (the film's soft subtitle track, extracted by ffmpeg)."""
    out = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()):
        rows = block.strip().split("\n")
        m = next(
            (
                re.match(r"(\d+):(\d+):(\d+)[,.](\d+) --> (\d+):(\d+):(\d+)[,.](\d+)", r)
                for r in rows
                if "-->" in r
            ),
            None,
        )
        if not m:
            continue
        g = [int(x) for x in m.groups()]
        start = (g[0] * 3_600_000 + g[1] * 60_000 + g[2] * 1000 + g[3]) / 1000
        end = (g[4] * 3_600_000 + g[5] * 60_000 + g[6] * 1000 + g[7]) / 1000
        idx = next(i for i, r in enumerate(rows) if "-->" in r)
        out.append(Cue(start, end, "\n".join(rows[idx + 1 :]).strip()))
    return out
