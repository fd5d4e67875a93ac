"""The six shots, each a function ``(run, look) -> Shot`` in local frames starting at 1.

``build.build_scene`` places them one after another on the film's timeline.
"""

from __future__ import annotations

from .catalog import catalog_grid
from .profile import profile
from .surfaces import ShotSkipped, elliptical_surface, merged_surfaces, spiral_surface
from .tsne import tsne

SHOTS = {
    "spiral_surface": spiral_surface,
    "elliptical_surface": elliptical_surface,
    "merged_surfaces": merged_surfaces,
    "profile": profile,
    "catalog_grid": catalog_grid,
    "tsne": tsne,
}

__all__ = ["SHOTS", "ShotSkipped"]
