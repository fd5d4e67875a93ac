"""Font lookup by file path or by name ("DejaVu Sans Bold"), without fontconfig.

Names are matched against font file names in the usual font folders, ignoring case, spaces
and dashes: "DejaVu Sans Bold" finds ``DejaVuSans-Bold.ttf`` (Debian's fonts-dejavu-core).
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

FONT_DIRS = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local/share/fonts",
    Path.home() / ".fonts",
)
SUFFIXES = (".ttf", ".otf", ".ttc")
DEFAULT_FONT = "DejaVu Sans"


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name).lower()


@functools.cache
def installed_fonts() -> dict[str, Path]:
    """Normalised file stem -> path, for every font file found (first one wins)."""
    found: dict[str, Path] = {}
    extra = os.environ.get("GALAXYREEL_FONT_DIRS", "")
    dirs = [Path(d) for d in extra.split(os.pathsep) if d] + list(FONT_DIRS)
    for d in dirs:
        if not d.is_dir():
            continue
        for p in sorted(d.rglob("*")):
            if p.suffix.lower() in SUFFIXES:
                found.setdefault(_norm(p.stem), p)
    return found


def resolve_font(spec: str, base: Path | None = None) -> Path | None:
    """The font file for a path (absolute or relative to ``base``) or a name; None if absent."""
    p = Path(spec).expanduser()
    if p.suffix.lower() in SUFFIXES:
        if not p.is_absolute() and base is not None:
            p = base / p
        return p if p.is_file() else None
    fonts = installed_fonts()
    key = _norm(spec)
    for candidate in (key, key + "book", key + "regular"):
        if candidate in fonts:
            return fonts[candidate]
    return None


def close_fonts(spec: str, n: int = 3) -> list[str]:
    import difflib

    names = {p.stem: p for p in installed_fonts().values()}
    return difflib.get_close_matches(spec.replace(" ", ""), list(names), n=n, cutoff=0.4)
