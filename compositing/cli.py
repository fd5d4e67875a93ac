"""``galaxyreel compose STORYBOARD --frames DIR --out FILM.mp4``."""

from __future__ import annotations

from pathlib import Path


def demo_storyboard() -> Path:
    """The demo's storyboard, shipped as package data."""
    from . import DEMO_STORYBOARD

    return DEMO_STORYBOARD


def compose_cli(args) -> int:
    from .film import compose

    storyboard = args.storyboard
    if str(storyboard) == "demo" and not Path(storyboard).exists():
        storyboard = demo_storyboard()
    result = compose(
        storyboard,
        args.frames,
        args.out,
        preview=args.preview,
        burn_captions=args.burn_captions,
        progress=True,
        timeline=getattr(args, "timeline", None),
    )
    print(
        f"{result.film}: {result.duration:.2f} s, {result.size[0]}x{result.size[1]} "
        f"@ {result.fps} fps, {result.loudness:.1f} LUFS, true peak {result.true_peak:.1f} dBTP; "
        f"captions {result.captions.name}, audio {result.audio.name}"
    )
    return 0
