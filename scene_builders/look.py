"""The film's look: colours, timing, resolution and render quality, from an optional TOML file.

A scene is a pure function of (run, look), so everything a director may want to change without
touching code lives here. Defaults are the film we ship; a look file overrides any subset::

    fps = 24
    [colors]
    spiral = "#3d8bff"          # or [0.24, 0.55, 1.0]
    [durations]                 # seconds per shot
    tsne = 20
    [quality.preview]
    resolution = [640, 360]
    samples = 4

Why the preview preset is what it is (measured on 2 cores, bpy 5.0.1, see ``bench/scene.py``):
Workbench needs EGL and runs on llvmpipe here (0.6 s for an empty 640x360 frame), and EEVEE is
10-24 s a frame on llvmpipe, so both lose to Cycles on the CPU with a few samples, no denoiser
(OpenImageDenoise alone costs ~10 s a 640x360 frame on this CPU) and no indirect bounces. The
shots are lit with sharp sun lamps and self-lit (emissive) text and outlines, which stay clean at
2-4 samples.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .ir import SceneError

SHOT_NAMES = (
    "spiral_surface",
    "elliptical_surface",
    "merged_surfaces",
    "profile",
    "catalog_grid",
    "tsne",
)
"""The shots in film order. Names are stable: storyboards and timelines refer to them."""

QUALITIES = ("preview", "final")

_DEFAULT_COLORS = {
    "background": (0.012, 0.016, 0.035, 1.0),
    "spiral": (0.22, 0.52, 1.0, 1.0),
    "elliptical": (1.0, 0.78, 0.18, 1.0),
    "misclassified": (1.0, 0.12, 0.08, 1.0),
    "text": (0.88, 0.91, 0.98, 1.0),
    "axis": (0.45, 0.52, 0.66, 1.0),
    "stage": (0.95, 0.45, 0.85, 1.0),
    "floor": (0.035, 0.042, 0.07, 1.0),
}

_DEFAULT_DURATIONS = {
    "spiral_surface": 12.0,
    "elliptical_surface": 10.0,
    "merged_surfaces": 10.0,
    "profile": 8.0,
    "catalog_grid": 10.0,
    "tsne": 16.0,
}

_DEFAULT_QUALITY = {
    "preview": {"resolution": (640, 360), "samples": 2},
    "final": {"resolution": (1920, 1080), "samples": 64},
}


@dataclass(frozen=True)
class Look:
    """Everything about the film that is a matter of taste rather than data."""

    fps: int = 24
    quality: str = "preview"
    resolution: tuple[int, int] = (640, 360)
    samples: int = 2  # the writer's preset adds the rest (denoiser, bounces) by quality
    colors: dict = field(default_factory=lambda: dict(_DEFAULT_COLORS))
    durations: dict = field(default_factory=lambda: dict(_DEFAULT_DURATIONS))
    surface_rows: int = 40  # at most this many iterations become surface rows
    surface_units: int = 1024  # at most this many units along the surface's width
    profile_units: int = 96  # the magnified window of the profile shot
    tsne_hold: float = 0.35  # share of each checkpoint's time spent still
    sphere_radius: float = 0.055  # metres; the t-SNE cloud spans about 4.4 m

    def color(self, name: str) -> tuple[float, float, float, float]:
        return tuple(self.colors[name])

    def frames(self, shot: str) -> int:
        """Frames a shot lasts (at least 2, so every shot can move)."""
        return max(2, int(round(self.durations[shot] * self.fps)))


def _color(value, where: str):
    if isinstance(value, str):
        s = value.lstrip("#")
        if len(s) not in (6, 8):
            raise ValueError(f"{where}: expected '#rrggbb', got {value!r}")
        try:
            rgba = [int(s[i : i + 2], 16) / 255.0 for i in range(0, len(s), 2)]
        except ValueError:
            raise ValueError(f"{where}: expected '#rrggbb', got {value!r}") from None
    elif isinstance(value, list | tuple) and len(value) in (3, 4):
        rgba = [float(v) for v in value]
    else:
        raise ValueError(f"{where}: expected '#rrggbb' or [r, g, b], got {value!r}")
    if len(rgba) == 3:
        rgba.append(1.0)
    if not all(0.0 <= v <= 1.0 for v in rgba):
        raise ValueError(f"{where}: colour components must be within 0..1, got {value!r}")
    return tuple(rgba)


def _number(value, where: str, kind=float, lo=None, hi=None, lo_open=False):
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where}: expected a number, got {value!r}")
    if kind is int and not float(value).is_integer():
        raise ValueError(f"{where}: expected a whole number, got {value!r}")
    v = kind(value)
    if lo is not None and (v <= lo if lo_open else v < lo):
        raise ValueError(f"{where}: must be {'>' if lo_open else '>='} {lo}, got {value!r}")
    if hi is not None and v > hi:
        raise ValueError(f"{where}: must be <= {hi}, got {value!r}")
    return v


_SCALARS = {
    "fps": (int, 1, 120, False),
    "surface_rows": (int, 2, 4096, False),
    "surface_units": (int, 2, 1 << 16, False),
    "profile_units": (int, 2, 4096, False),
    "tsne_hold": (float, 0.0, 0.9, False),
    "sphere_radius": (float, 0.0, 1.0, True),
}


def _parse(data: dict, quality: str) -> dict:
    """Validated keyword arguments for :class:`Look`; raises ValueError('key: problem')."""
    kw: dict = {}
    colors = dict(_DEFAULT_COLORS)
    durations = dict(_DEFAULT_DURATIONS)
    qual = {q: dict(v) for q, v in _DEFAULT_QUALITY.items()}
    for key, value in data.items():
        if key in _SCALARS:
            kind, lo, hi, lo_open = _SCALARS[key]
            kw[key] = _number(value, key, kind, lo, hi, lo_open)
        elif key == "colors":
            if not isinstance(value, dict):
                raise ValueError("colors: expected a table")
            for name, c in value.items():
                if name not in colors:
                    raise ValueError(f"colors.{name}: unknown colour; known: {', '.join(colors)}")
                colors[name] = _color(c, f"colors.{name}")
        elif key == "durations":
            if not isinstance(value, dict):
                raise ValueError("durations: expected a table")
            for name, d in value.items():
                if name not in durations:
                    raise ValueError(
                        f"durations.{name}: unknown shot; known: {', '.join(SHOT_NAMES)}"
                    )
                durations[name] = _number(d, f"durations.{name}", float, 0.0, 3600.0, True)
        elif key == "quality":
            if not isinstance(value, dict):
                raise ValueError("quality: expected a table")
            for q, settings in value.items():
                if q not in qual or not isinstance(settings, dict):
                    raise ValueError(f"quality.{q}: unknown quality; use one of {QUALITIES}")
                for name, v in settings.items():
                    where = f"quality.{q}.{name}"
                    if name == "resolution":
                        if not (isinstance(v, list) and len(v) == 2):
                            raise ValueError(f"{where}: expected [width, height], got {v!r}")
                        qual[q][name] = tuple(_number(x, where, int, 16, 16384) for x in v)
                    elif name == "samples":
                        qual[q][name] = _number(v, where, int, 1, 1 << 16)
                    else:
                        raise ValueError(f"{where}: unknown setting")
        else:
            raise ValueError(f"{key}: unknown key")
    kw.update(qual[quality])
    kw.update(quality=quality, colors=colors, durations=durations)
    return kw


def load_look(path: Path | None = None, quality: str = "preview") -> Look:
    """The default look, overridden by the TOML file at ``path`` if given.

    Any bad value is one :class:`SceneError` naming the file and the key.
    """
    if quality not in QUALITIES:
        raise SceneError(f"unknown quality {quality!r}; use one of {QUALITIES}")
    data: dict = {}
    where = "the default look"
    if path is not None:
        path = Path(path)
        where = str(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise SceneError(f"{path}: cannot read the look file: {exc.strerror or exc}") from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SceneError(f"{path}: not a valid TOML file: {exc}") from exc
    try:
        return Look(**_parse(data, quality))
    except ValueError as exc:
        raise SceneError(f"{where}: key {exc}") from None
