"""Fixtures for the compositing tests: tiny generated frames (160x90), storyboards."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest

SHOTS = (
    "spiral_surface",
    "elliptical_surface",
    "merged_surfaces",
    "profile",
    "catalog_grid",
    "tsne",
)
SIZE = (160, 90)


def frame_pixels(shot_index: int, k: int, size=SIZE) -> np.ndarray:
    """A smooth, frame-unique picture (video codecs keep smooth content near-lossless)."""
    w, h = size
    x = np.linspace(0, 1, w)[None, :]
    y = np.linspace(0, 1, h)[:, None]
    r = 128 + 90 * np.sin(2 * np.pi * (x + 0.04 * k))
    g = 40 + 170 * y + 0 * x
    b = 30 + 35 * shot_index + 40 * np.cos(2 * np.pi * (y + 0.5 * x - 0.03 * k))
    return np.clip(np.stack(np.broadcast_arrays(r, g, b), axis=-1), 0, 255).astype(np.uint8)


def make_frames(
    folder: Path,
    frames_per_shot: int = 36,
    fps: int = 24,
    step: int = 1,
    manifest: bool = True,
    shots=SHOTS,
    size=SIZE,
) -> Path:
    """Frames as the farm collects them: ``folder/<shot>/####.png`` + ``frames.json``
    (or, with ``manifest=False``, a flat folder of numbered PNGs + ``timeline.json``)."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    entries, table = [], []
    first = 1
    for si, name in enumerate(shots):
        last = first + frames_per_shot - 1
        table.append(
            {
                "name": name,
                "title": name.replace("_", " "),
                "first_frame": first,
                "last_frame": last,
            }
        )
        for n in range(first, last + 1, step):
            rel = f"{name}/{n:04d}.png" if manifest else f"{n:04d}.png"
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(frame_pixels(si, n - first, size)).save(folder / rel)
            entries.append({"frame": n, "file": rel, "shot": name})
        first = last + 1
    doc = {"fps": fps, "resolution": list(size), "shots": table}
    if manifest:
        doc["frames"] = entries
        (folder / "frames.json").write_text(json.dumps(doc))
    else:
        doc.update(frame_start=1, frame_end=first - 1)
        (folder / "timeline.json").write_text(json.dumps(doc))
    return folder


def storyboard_text(extra: str = "", music: str = 'generate = "pad"\nseed = 3') -> str:
    return textwrap.dedent(
        """\
        [film]
        title = "Test film"
        fade_in = 0.25
        fade_out = 0.5

        [output]
        size = [160, 90]
        fps = 24
        crf = 16
        preset = "veryfast"

        [voice]
        speed = 190

        [music]
        {music}

        [[segment]]
        name = "title"
        title = "Galaxies"
        subtitle = "a test"
        duration = 1.5
        transition = "fade"
        transition_duration = 0.25

        [[segment]]
        shot = "spiral_surface"
        transition = "crossfade"
        transition_duration = 0.5
        extend = true

        [[segment]]
        shot = "elliptical_surface"

        [[segment]]
        shot = "tsne"
        transition = "fade"
        transition_duration = 0.5
        extend = true

        [[segment]]
        name = "end"
        title = "The end"
        duration = 1.5
        transition = "crossfade"
        transition_duration = 0.5

        [[narration]]
        segment = "spiral_surface"
        at = 0.2
        text = "A spiral galaxy."

        [[narration]]
        segment = "tsne"
        at = 0.6
        text = "Two clusters form. Mistakes glow red."

        [[annotation]]
        segment = "elliptical_surface"
        at = 0.25
        duration = 1.0
        text = "ELLIPTICAL"
        position = "top-left"
        {extra}
        """
    ).format(extra=extra, music=music)


@pytest.fixture(scope="session")
def frames_dir(tmp_path_factory) -> Path:
    return make_frames(tmp_path_factory.mktemp("frames"))


@pytest.fixture
def write_storyboard(tmp_path):
    def write(text: str, name: str = "story.toml") -> Path:
        p = tmp_path / name
        p.write_text(text)
        return p

    return write
