"""galaxyreel's Blender extension (Blender 4.2+): File > Import of a training run, a sidebar
panel for shots, look and render preset, and farm submission.

Thin UI: every button calls a function the CLI also uses (``scene_builders.read_run``,
``load_look``, ``build_scene``, ``build_into_current``; ``galaxyreel render``). Installed, this
package is ``bl_ext.<repo>.galaxyreel``, so its modules import each other relatively; from the
project it is ``blender_addon`` and importing it loads no bpy (``galaxyreel addon build`` uses
``blender_addon.build``).
"""

from __future__ import annotations


def register() -> None:
    from . import ui

    ui.register()


def unregister() -> None:
    from . import ui

    ui.unregister()


def __getattr__(name: str):
    """``build_extension`` and ``AddonError`` for the project (no bpy needed for either)."""
    if name == "build_extension":
        from .build import build_extension

        return build_extension
    if name == "AddonError":
        from .errors import AddonError

        return AddonError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
