"""The rendered frames a film is cut from: the farm's ``frames.json`` or a plain PNG folder.

Frame numbers are scene frames at the scene's fps: frame ``n`` of a shot is shown at
``(n - first_frame) / fps`` seconds into it. A preview rendered on every 2nd frame
(``--frames 1-240x2``) or at a lower rate therefore plays at the right speed: each available
frame is held until the next one is due. A gap wider than the shot's usual step is a missing
frame range and an error, found before any encode starts.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .errors import StoryboardError

_NUMBERED = re.compile(r"(\d+)\.png$", re.IGNORECASE)


@dataclass(frozen=True)
class ShotFrames:
    name: str
    title: str
    first_frame: int
    last_frame: int
    frames: tuple[int, ...]  # available frame numbers, increasing
    files: tuple[Path, ...]  # one per available frame

    @property
    def length(self) -> int:
        """Frames the shot spans in the scene (rendered or not)."""
        return self.last_frame - self.first_frame + 1

    @property
    def step(self) -> int:
        """The usual distance between rendered frames (2 for an every-other-frame preview)."""
        if len(self.frames) < 2:
            return 1
        diffs = Counter(b - a for a, b in zip(self.frames, self.frames[1:], strict=False))
        return diffs.most_common(1)[0][0]

    def gaps(self) -> list[tuple[int, int]]:
        """Frame ranges with nothing rendered, wider than the usual step."""
        step = self.step
        if not self.frames:
            return [(self.first_frame, self.last_frame)]
        out = []
        if self.frames[0] - self.first_frame >= step:
            out.append((self.first_frame, self.frames[0] - 1))
        for a, b in zip(self.frames, self.frames[1:], strict=False):
            if b - a > step:
                out.append((a + 1, b - 1))
        if self.last_frame - self.frames[-1] >= step:
            out.append((self.frames[-1] + 1, self.last_frame))
        return out

    def file_at(self, seconds: float, fps: float) -> Path:
        """The frame on screen ``seconds`` into the shot (held after the last one)."""
        n = self.first_frame + math.floor(seconds * fps + 1e-6)
        i = max(0, _bisect_right(self.frames, n) - 1)
        return self.files[i]


def _bisect_right(seq, x) -> int:
    import bisect

    return bisect.bisect_right(seq, x)


@dataclass(frozen=True)
class FrameSource:
    folder: Path
    origin: Path  # frames.json or timeline.json
    fps: float
    resolution: tuple[int, int] | None
    shots: dict  # name -> ShotFrames

    def describe(self, name: str) -> str:
        return f"{self.origin}: shot {name!r}"


def load_frames(folder: Path, timeline: Path | None = None) -> FrameSource:
    """Read ``folder/frames.json`` if present, else numbered PNGs plus a ``timeline.json``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise StoryboardError(f"{folder}: the frames folder does not exist")
    manifest = folder / "frames.json"
    if manifest.is_file() and timeline is None:
        return _from_manifest(manifest)
    if timeline is None:
        timeline = folder / "timeline.json"
        if not timeline.is_file():
            raise StoryboardError(
                f"{folder}: neither frames.json (from `galaxyreel farm collect`) nor "
                "timeline.json (from `galaxyreel scene`) found; pass --timeline FILE"
            )
    return _from_folder(folder, Path(timeline))


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise StoryboardError(f"{path}: cannot read: {exc.strerror}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise StoryboardError(f"{path}: not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise StoryboardError(f"{path}: expected a JSON object")
    return data


def _shot_table(path: Path, data: dict) -> list[dict]:
    shots = data.get("shots")
    if not isinstance(shots, list) or not shots:
        raise StoryboardError(
            f'{path}: no "shots" list (collect the farm with timeline.json beside the .blend, '
            "or pass --timeline FILE)"
        )
    out = []
    for i, s in enumerate(shots):
        try:
            name, first, last = str(s["name"]), int(s["first_frame"]), int(s["last_frame"])
        except (KeyError, TypeError, ValueError) as exc:
            raise StoryboardError(
                f"{path}: shots[{i}] needs name, first_frame and last_frame"
            ) from exc
        if last < first:
            raise StoryboardError(f"{path}: shot {name!r} ends (frame {last}) before it starts")
        out.append({"name": name, "title": str(s.get("title", name)), "first": first, "last": last})
    return out


def _fps(path: Path, data: dict) -> float:
    fps = data.get("fps", 24)
    if not isinstance(fps, int | float) or isinstance(fps, bool) or fps <= 0:
        raise StoryboardError(f'{path}: "fps" must be a positive number, got {fps!r}')
    return float(fps)


def _resolution(data: dict):
    res = data.get("resolution")
    if isinstance(res, list) and len(res) == 2 and all(isinstance(x, int) for x in res):
        return (int(res[0]), int(res[1]))
    return None


def _assemble(folder, origin, data, shots, numbered: dict[str, dict[int, Path]]) -> FrameSource:
    out = {}
    for s in shots:
        have = numbered.get(s["name"], {})
        frames = tuple(sorted(n for n in have if s["first"] <= n <= s["last"]))
        out[s["name"]] = ShotFrames(
            name=s["name"],
            title=s["title"],
            first_frame=s["first"],
            last_frame=s["last"],
            frames=frames,
            files=tuple(have[n] for n in frames),
        )
    return FrameSource(folder, origin, _fps(origin, data), _resolution(data), out)


def _from_manifest(path: Path) -> FrameSource:
    data = _read_json(path)
    shots = _shot_table(path, data)
    entries = data.get("frames")
    if not isinstance(entries, list):
        raise StoryboardError(f'{path}: no "frames" list')
    numbered: dict[str, dict[int, Path]] = {}
    for i, e in enumerate(entries):
        try:
            n, file = int(e["frame"]), str(e["file"])
        except (KeyError, TypeError, ValueError) as exc:
            raise StoryboardError(f'{path}: frames[{i}] needs "frame" and "file"') from exc
        shot = e.get("shot") or next(
            (s["name"] for s in shots if s["first"] <= n <= s["last"]), None
        )
        if shot is None:
            continue
        f = Path(file)
        f = f if f.is_absolute() else path.parent / f
        if f.is_file():  # listed but absent: reported as a missing range
            numbered.setdefault(shot, {})[n] = f
    return _assemble(path.parent, path, data, shots, numbered)


def _from_folder(folder: Path, timeline: Path) -> FrameSource:
    data = _read_json(timeline)
    shots = _shot_table(timeline, data)
    top = _scan(folder)
    numbered: dict[str, dict[int, Path]] = {}
    for s in shots:
        sub = folder / s["name"]
        found = _scan(sub) if sub.is_dir() else {}
        if found and not any(s["first"] <= n <= s["last"] for n in found):
            # per-shot folders numbered from 1: shift onto the scene's frame numbers
            lo = min(found)
            found = {s["first"] + n - lo: p for n, p in found.items()}
        numbered[s["name"]] = found or {
            n: p for n, p in top.items() if s["first"] <= n <= s["last"]
        }
    return _assemble(folder, timeline, data, shots, numbered)


def _scan(folder: Path) -> dict[int, Path]:
    out = {}
    for p in folder.iterdir():
        m = _NUMBERED.search(p.name)
        if m and p.is_file():
            out[int(m[1])] = p
    return out
