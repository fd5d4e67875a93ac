"""Registration of the add-on's classes, menu entry and timer (Blender calls ``register``)."""

from __future__ import annotations

import bpy

from . import actions, operators, panel, settings


def register() -> None:
    settings.register()
    for cls in operators.CLASSES + panel.CLASSES:
        bpy.utils.register_class(cls)
    bpy.types.TOPBAR_MT_file_import.append(panel.menu_import)


def unregister() -> None:
    if bpy.app.timers.is_registered(actions.poll_jobs):
        bpy.app.timers.unregister(actions.poll_jobs)
    bpy.types.TOPBAR_MT_file_import.remove(panel.menu_import)
    for cls in reversed(operators.CLASSES + panel.CLASSES):
        bpy.utils.unregister_class(cls)
    settings.unregister()
