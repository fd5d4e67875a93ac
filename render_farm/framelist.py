"""`farm collect`: check every planned frame, then write ``OUT/frames.json`` for compositing.

frames.json: ``{"fps", "resolution": [w, h], "frames": [{"frame", "file", "shot"}...],
"shots": [{"name", "title", "first_frame", "last_frame"}...]}``, in frame order. Shots come
from ``timeline.json`` beside the .blend (`Scene.timeline()`); without one, ``shot`` is null.
The attempts of every chunk are folded into the manifest at the same time.
"""

from __future__ import annotations

import json
from pathlib import Path

from .errors import FarmError
from .framespec import format_frames, frame_file
from .manifest import load_manifest, read_attempts, save_manifest, write_json
from .plan import shot_of
from .state import farm_status


def read_timeline(blend: Path) -> dict | None:
    path = Path(blend).parent / "timeline.json"
    if not path.exists():
        return None
    try:
        t = json.loads(path.read_text())
        for s in t["shots"]:
            int(s["first_frame"]), int(s["last_frame"]), s["name"]
        return t
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise FarmError(f"{path}: not a shot timeline ({exc})") from exc


def fold_attempts(out: Path, m: dict) -> dict:
    for c in m["chunks"]:
        c["attempts"] = read_attempts(out, int(c["index"]))
    return m


def collect(out_dir: Path) -> Path:
    """Write ``out_dir/frames.json`` when every planned frame verifies; else FarmError."""
    out = Path(out_dir)
    m = load_manifest(out)
    st = farm_status(out, m)
    if not st.complete:
        bad = sorted(set(st.missing) | set(st.running))
        raise FarmError(
            f"{out}: {len(bad)} of {st.total} frames missing or corrupt "
            f"({format_frames(bad)}); run `galaxyreel farm resume {out}`"
        )
    timeline = read_timeline(Path(m["blend"]))
    shots = timeline["shots"] if timeline else []
    frames = [
        {"frame": f, "file": frame_file(f), "shot": shot_of(f, shots) if shots else None}
        for f in st.done
    ]
    doc = {
        "fps": (timeline or {}).get("fps") or m.get("fps"),
        "resolution": list(m["resolution"]),
        "frames": frames,
        "shots": [
            {
                "name": s["name"],
                "title": s.get("title", s["name"]),
                "first_frame": int(s["first_frame"]),
                "last_frame": int(s["last_frame"]),
            }
            for s in shots
        ],
    }
    write_json(out / "frames.json", doc)
    save_manifest(out, fold_attempts(out, m))
    return out / "frames.json"
