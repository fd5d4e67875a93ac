"""The panel's look settings as a look TOML, the file ``galaxyreel scene --look`` reads.

The add-on has no look logic of its own: it writes what the panel shows into a TOML file and
hands that file to ``scene_builders.look.load_look``, so the CLI given the same file builds the
same scene. Keys the panel does not show (surface rows, sphere radius, ...) are carried over
from the look file the run was imported with.
"""

from __future__ import annotations

import tomllib
from pathlib import Path


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to a look file")


def _lines(data: dict, prefix: str) -> list[str]:
    lines = [f"{k} = {_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for k, v in data.items():
        if isinstance(v, dict):
            name = f"{prefix}{k}"
            if any(not isinstance(x, dict) for x in v.values()):
                lines += ["", f"[{name}]"]
            lines += _lines(v, name + ".")
    return lines


def dumps(data: dict) -> str:
    """TOML for nested tables of numbers, strings and lists (all a look file holds)."""
    return "\n".join(_lines(data, "")).lstrip("\n") + "\n"


def base_look(path: str | Path | None) -> dict:
    """The raw tables of the look file a run was imported with (empty for the default look)."""
    if not path:
        return {}
    return tomllib.loads(Path(path).read_text(encoding="utf-8"))


def look_toml(
    base: dict,
    *,
    fps: int,
    colors: dict,
    durations: dict,
    quality: str,
    resolution: tuple[int, int],
    samples: int,
) -> str:
    """``base`` overridden by the panel's values; colours are sRGB ``[r, g, b, a]`` lists."""
    data = {k: v for k, v in base.items() if k not in ("fps", "colors", "durations", "quality")}
    data["fps"] = int(fps)
    data["colors"] = {k: [round(float(c), 6) for c in v] for k, v in colors.items()}
    data["durations"] = {k: round(float(v), 6) for k, v in durations.items()}
    qual = {q: dict(v) for q, v in (base.get("quality") or {}).items() if isinstance(v, dict)}
    qual[quality] = {"resolution": [int(x) for x in resolution], "samples": int(samples)}
    data["quality"] = qual
    return dumps(data)
