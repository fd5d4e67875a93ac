"""Frames -> chunks of similar cost. One process loads the .blend once per chunk, so a chunk must
be long enough to pay for that load, and there must be enough chunks to keep every slot busy.

Costs come from, best first: a probe render of one frame per shot (seconds), else uniform per
frame. Chunks do not straddle a shot boundary when the shots are known (unless a shot is too
short to fill half a chunk), so a shot that is slow to render gets chunks of fewer frames.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .errors import FarmError


@dataclass(frozen=True)
class Chunk:
    """One unit of work: an array task, a pool job. ``index`` is the Slurm/PBS array index."""

    index: int
    frames: tuple[int, ...]
    cost: float  # estimated seconds (or relative units when nothing was probed)


def shot_of(frame: int, shots: list[dict]) -> str | None:
    for s in shots:
        if int(s["first_frame"]) <= frame <= int(s["last_frame"]):
            return s["name"]
    return None


def frame_costs(frames: list[int], shots: list[dict], per_shot: dict[str, float]) -> list[float]:
    """Cost of each frame: its shot's probed seconds, else the mean probe, else 1."""
    default = sum(per_shot.values()) / len(per_shot) if per_shot else 1.0
    return [per_shot.get(shot_of(f, shots), default) for f in frames]


def target_cost(total: float, slots: int, load: float) -> float:
    """Aim for ~3 chunks per slot (load balance, resume granularity), but never a chunk whose
    frames take less than 4x the .blend load, and never fewer chunks than slots."""
    slots = max(1, slots)
    t = max(total / (3 * slots), 4.0 * load)
    return max(min(t, total / slots), 1e-9)


def make_chunks(
    frames: list[int],
    costs: list[float] | None = None,
    *,
    slots: int = 1,
    load: float = 0.0,
    chunk: int | None = None,
    shots: list[dict] | None = None,
) -> list[Chunk]:
    """Contiguous, cost-balanced chunks over ``frames`` (sorted). ``chunk`` forces frames/chunk."""
    frames = sorted(set(int(f) for f in frames))
    if not frames:
        raise FarmError("no frames to render")
    costs = list(costs) if costs is not None else [1.0] * len(frames)
    if len(costs) != len(frames):
        raise ValueError("one cost per frame")
    shots = shots or []
    # Split first at shot boundaries, then each group by cost.
    groups: list[list[int]] = []
    last = object()
    for i, f in enumerate(frames):
        s = shot_of(f, shots) if shots else None
        if not groups or s != last:
            groups.append([])
            last = s
        groups[-1].append(i)
    out: list[Chunk] = []

    def emit(idx: list[int]) -> None:
        out.append(Chunk(len(out), tuple(frames[i] for i in idx), sum(costs[i] for i in idx)))

    if chunk is not None:
        if chunk < 1:
            raise FarmError(f"chunk size must be >= 1 (got {chunk})")
        for a in range(0, len(frames), chunk):
            emit(list(range(a, min(a + chunk, len(frames)))))
        return out
    total = sum(costs)
    target = target_cost(total, slots, load)
    # A shot too short to fill half a chunk rides with its neighbour: loading the .blend
    # once per tiny shot would cost more than the shot.
    merged: list[list[int]] = []
    for g in groups:
        gcost = sum(costs[i] for i in g)
        if merged and (gcost < target / 2 or sum(costs[i] for i in merged[-1]) < target / 2):
            merged[-1] += g
        else:
            merged.append(list(g))
    for g in merged:
        gcost = sum(costs[i] for i in g)
        n = min(len(g), max(1, round(gcost / target)))
        # Cut where the cumulative cost crosses k * gcost / n.
        cum = 0.0
        k = 1
        cur: list[int] = []
        for j, i in enumerate(g):
            cur.append(i)
            cum += costs[i]
            if k < n and (cum >= k * gcost / n - 1e-12 or len(g) - j - 1 == n - k):
                emit(cur)
                cur = []
                k += 1
        if cur:
            emit(cur)
    return out


def probe_frames(frames: list[int], shots: list[dict]) -> list[int]:
    """The middle requested frame of each shot (one probe per shot)."""
    picks = []
    for s in shots:
        inside = [f for f in frames if int(s["first_frame"]) <= f <= int(s["last_frame"])]
        if inside:
            picks.append(inside[len(inside) // 2])
    return picks


def balance(chunks: list[Chunk]) -> float:
    """max/mean chunk cost: 1.0 is perfect."""
    costs = [c.cost for c in chunks]
    return max(costs) / (sum(costs) / len(costs)) if costs else math.nan
