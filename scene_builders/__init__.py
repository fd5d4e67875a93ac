"""Scene builders: run file -> Scene IR (numpy only) -> Blender, Maya, USD and VTK writers.

The public surface other packages use. Import-light on purpose: nothing here imports bpy or
pxr, and the heavier modules load on first use (``scene_builders.build_scene`` etc.)::

    from scene_builders import build_scene, load_look, write_blend
    scene, skipped = build_scene(read_run("run.h5"), load_look(None, "preview"))
    write_blend(scene, Path("out/scene.blend"))
"""

from __future__ import annotations

from importlib import import_module

_LAZY = {
    "SHOT_NAMES": "look",
    "Look": "look",
    "load_look": "look",
    "build_scene": "build",
    "pack_atlas": "atlas",
    "Scene": "ir",
    "SceneError": "ir",
    "check_scene": "ir",
    "write_blend": "blender",
    "build_into_current": "blender",
    "render_still": "blender",
    "render_stills": "blender",
    "set_realize": "blender",
    "write_timeline": "cli",
    "write_scene": "cli",
    "write_ma": "maya_ascii",
    "write_usd": "usd",
    "export_for_maya": "maya_export",
    "write_vtk": "vtk_export",
    "write_vtk_run": "vtk_export",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
