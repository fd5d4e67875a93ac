"""Compositing: storyboard + rendered frames + narration + music -> the captioned film.

Public API (import-light; heavy modules load on first use)::

    compose(storyboard, frames_dir, out, *, preview=False, burn_captions=False,
            progress=True, timeline=None) -> ComposeResult
    load_storyboard(path) -> Storyboard        # validates; StoryboardError lists problems
    StoryboardError                            # the package's one error (user_facing)
    DEMO_STORYBOARD                            # the demo film's storyboard (package data)
"""

from __future__ import annotations

from pathlib import Path

from .errors import StoryboardError

DEMO_STORYBOARD = Path(__file__).parent / "storyboards" / "demo.toml"

__all__ = [
    "DEMO_STORYBOARD",
    "ComposeResult",
    "Storyboard",
    "StoryboardError",
    "compose",
    "load_storyboard",
]


def __getattr__(name: str):
    if name in ("compose", "ComposeResult"):
        from . import film

        return getattr(film, name)
    if name in ("load_storyboard", "Storyboard"):
        from . import storyboard

        return getattr(storyboard, name)
    raise AttributeError(name)
