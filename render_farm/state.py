"""What is on disk, frame by frame: done / missing / corrupt / running, with an ETA.

Frames are the truth (each is verified); attempt records only say who is working on what and
how fast. A chunk killed mid-way leaves temporary names and a "running" record whose process is
gone: its frames count as missing, never as done.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from .framespec import format_frames, frame_file
from .manifest import attempt_live, chunks_of, load_manifest, read_attempts
from .png import png_problem


@dataclass(frozen=True)
class FarmStatus:
    out: Path
    total: int
    done: tuple[int, ...]
    missing: tuple[int, ...]  # missing or corrupt, and no live worker on them
    corrupt: dict = field(default_factory=dict)  # frame -> problem
    running: tuple[int, ...] = ()  # not done yet, and a live worker holds their chunk
    live_chunks: tuple[int, ...] = ()
    incomplete_chunks: tuple[int, ...] = ()  # chunks with a frame not done and not running
    frame_s: float | None = None  # mean seconds per rendered frame so far
    eta_s: float | None = None

    @property
    def complete(self) -> bool:
        return len(self.done) == self.total

    def report(self) -> str:
        lines = [
            f"{self.out}: {len(self.done)}/{self.total} frames done, {len(self.missing)} missing, "
            f"{len(self.corrupt)} corrupt, {len(self.running)} running"
        ]
        if self.missing:
            lines.append(f"  missing: {format_frames(self.missing)}")
        for f, why in sorted(self.corrupt.items())[:10]:
            lines.append(f"  corrupt: {frame_file(f)} ({why})")
        if len(self.corrupt) > 10:
            lines.append(f"  ... and {len(self.corrupt) - 10} more corrupt")
        if self.running:
            lines.append(
                f"  running: {format_frames(self.running)} "
                f"(chunks {', '.join(map(str, self.live_chunks))})"
            )
        if self.frame_s is not None:
            lines.append(f"  {self.frame_s:.2f} s/frame so far")
        if self.eta_s is not None and not self.complete:
            lines.append(f"  ETA ~{_fmt_s(self.eta_s)} at the current parallelism")
        return "\n".join(lines)


def _fmt_s(s: float) -> str:
    s = int(round(s))
    return f"{s // 3600}h{s // 60 % 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


def farm_status(
    out: Path, manifest: dict | None = None, *, assume_dead: bool = False
) -> FarmStatus:
    """``assume_dead``: no worker is running (a finished array's retry job knows this)."""
    out = Path(out)
    m = manifest or load_manifest(out)
    size = tuple(m["resolution"])
    now = time.time()
    done, missing, running, live, incomplete = [], [], [], [], []
    corrupt: dict[int, str] = {}
    times: list[float] = []
    loads: list[float] = []
    for c in chunks_of(m):
        attempts = read_attempts(out, c.index)
        for a in attempts:
            times += [float(t) for t in a.get("frames", {}).values()]
            if a.get("load_s"):
                loads.append(float(a["load_s"]))
        is_live = not assume_dead and any(attempt_live(a, now) for a in attempts)
        pending = False
        for f in c.frames:
            problem = png_problem(out / frame_file(f), size)
            if problem is None:
                done.append(f)
                continue
            if problem != "missing":
                corrupt[f] = problem
            if is_live:
                running.append(f)
            else:
                missing.append(f)
                pending = True
        if is_live:
            live.append(c.index)
        if pending:
            incomplete.append(c.index)
    frame_s = sum(times) / len(times) if times else None
    left = len(missing) + len(running)
    # frames left at the measured pace, plus one .blend load per chunk not started yet
    load_s = sum(loads) / len(loads) if loads else 0.0
    eta = (
        (frame_s * left + load_s * len(incomplete)) / max(1, len(live))
        if frame_s is not None
        else None
    )
    return FarmStatus(
        out=out,
        total=len(done) + len(missing) + len(running),
        done=tuple(sorted(done)),
        missing=tuple(sorted(missing)),
        corrupt=corrupt,
        running=tuple(sorted(running)),
        live_chunks=tuple(live),
        incomplete_chunks=tuple(incomplete),
        frame_s=frame_s,
        eta_s=eta,
    )
