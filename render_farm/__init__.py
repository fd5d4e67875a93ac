"""render_farm: frames -> chunks -> local pool | Slurm array | PBS array; resumable, verified.

Public API (import-light: nothing here imports bpy; the worker does, in its own process):
``render(blend, out_dir, ...) -> RenderResult``, ``resume(out_dir)``, ``collect(out_dir)``,
``farm_status(out_dir) -> FarmStatus``, ``parse_frames(spec)``, ``png_problem(path, size)``,
``FarmError``.
"""

from __future__ import annotations

from .errors import FarmError
from .framespec import format_frames, parse_frames
from .png import png_problem

__all__ = [
    "FarmError",
    "RenderResult",
    "collect",
    "farm_status",
    "format_frames",
    "parse_frames",
    "png_problem",
    "render",
    "resume",
]


def render(blend, out_dir, **options):
    from .api import render as _render

    return _render(blend, out_dir, **options)


render.__doc__ = "See render_farm.api.render."


def resume(out_dir, **options):
    from .api import resume as _resume

    return _resume(out_dir, **options)


def collect(out_dir):
    from .framelist import collect as _collect

    return _collect(out_dir)


def farm_status(out_dir):
    from .state import farm_status as _status

    return _status(out_dir)


def __getattr__(name):
    if name == "RenderResult":
        from .api import RenderResult

        return RenderResult
    raise AttributeError(name)
