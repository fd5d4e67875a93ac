"""Run + look -> Scene: the shots, placed end to end on one timeline.

A pure function: no clock, no randomness, no file access, so two builds of the same inputs are
identical (tests compare them array by array) and the writers can be re-run at will.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .atlas import pack_atlas
from .ir import Keys, Light, Scene, SceneError, Shot, Transform, check_scene
from .look import SHOT_NAMES, Look
from .runfile import Run
from .shots import SHOTS, ShotSkipped
from .shots.common import ATLAS, SPHERE_ATLAS, materials


def _shift(obj, offset: float):
    """A copy of ``obj`` (any IR dataclass, tuple or Keys) with every frame moved by ``offset``."""
    if isinstance(obj, Keys):
        if not obj.animated:
            return obj
        return Keys(obj.frames + offset, obj.values, obj.interpolation)
    if isinstance(obj, tuple):
        return tuple(_shift(x, offset) for x in obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {}
        for f in dataclasses.fields(obj):
            v = getattr(obj, f.name)
            if isinstance(v, Keys | tuple) or (
                dataclasses.is_dataclass(v) and not isinstance(v, type)
            ):
                changes[f.name] = _shift(v, offset)
        return dataclasses.replace(obj, **changes)
    return obj


def place(shot: Shot, first_frame: int) -> Shot:
    """Move a shot built in local frames (starting at 1) to start at ``first_frame``."""
    offset = first_frame - shot.first_frame
    if offset == 0:
        return shot
    moved = _shift(dataclasses.replace(shot, markers=()), float(offset))
    return dataclasses.replace(
        moved,
        first_frame=shot.first_frame + offset,
        last_frame=shot.last_frame + offset,
        markers=tuple((int(f) + offset, t) for f, t in shot.markers),
    )


def lights() -> tuple[Light, ...]:
    """Two sharp suns (clean at 2-4 samples): a warm key and a cool rim from behind.

    Fill comes from the materials' own emission: a third lamp costs render time and noise.
    """

    def sun(name, rot, energy, color):
        return Light(
            name,
            "sun",
            color=color,
            energy=energy,
            size=0.02,
            transform=Transform(rotation=Keys.static(np.radians(rot))),
        )

    return (
        sun("key_light", (50.0, 10.0, 30.0), 3.0, (1.0, 0.96, 0.9)),
        sun("rim_light", (-60.0, 0.0, 10.0), 1.2, (0.8, 0.87, 1.0)),
    )


def build_scene(run: Run, look: Look, shots: list[str] | None = None) -> tuple[Scene, list[str]]:
    """The scene of ``shots`` (default: all six, film order) and the names of shots skipped.

    A shot is skipped, not failed, when the run lacks what it shows (no t-SNE tracks yet, no
    probe of a class); the caller says so. Unknown names are a :class:`SceneError`.
    """
    names = list(SHOT_NAMES if shots is None else shots)
    unknown = [n for n in names if n not in SHOTS]
    if unknown:
        raise SceneError(f"unknown shot(s) {', '.join(unknown)}; known: {', '.join(SHOT_NAMES)}")
    if len(set(names)) != len(names):
        raise SceneError(f"a shot is listed twice in {names}")
    placed, skipped = [], []
    frame = 1
    for name in names:
        try:
            shot = SHOTS[name](run, look)
        except ShotSkipped as exc:
            skipped.append(f"{name}: {exc}")
            continue
        shot = place(shot, frame)
        placed.append(shot)
        frame = shot.last_frame + 1
    if not placed:
        raise SceneError("no shot can be built from this run: " + "; ".join(skipped))
    used = {getattr(i, "atlas", None) for s in placed for i in s.items}
    used_materials = {getattr(i, "material", None) for s in placed for i in s.items}
    images = {}
    if ATLAS in used:
        images[ATLAS] = pack_atlas(run.catalog.thumbnails, name=ATLAS)
    if SPHERE_ATLAS in used:
        lifted = 64 + (np.asarray(run.catalog.thumbnails, np.uint16) * 191) // 255
        images[SPHERE_ATLAS] = pack_atlas(lifted.astype(np.uint8), name=SPHERE_ATLAS)
    scene = Scene(
        shots=tuple(placed),
        materials={k: m for k, m in materials(look).items() if k in used_materials},
        images=images,
        lights=lights(),
        fps=look.fps,
        resolution=tuple(look.resolution),
        background=look.color("background"),
        quality=look.quality,
        samples=look.samples,
    )
    check_scene(scene)
    return scene, skipped
