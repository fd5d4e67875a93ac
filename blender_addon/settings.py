"""What the add-on keeps: per-scene settings (saved in the .blend) and add-on preferences (farm).

The colour and duration properties are generated from ``scene_builders.look``'s defaults, so a
colour or shot added there appears in the panel without an edit here.
"""

from __future__ import annotations

import json

import bpy
from bpy.props import (
    EnumProperty,
    FloatProperty,
    FloatVectorProperty,
    IntProperty,
    IntVectorProperty,
    PointerProperty,
    StringProperty,
)

from scene_builders.look import QUALITIES, SHOT_NAMES, Look

QUALITY_ITEMS = [(q, q.title(), f"the look's {q} render preset") for q in QUALITIES]
COLOR_NAMES = tuple(Look().colors)
DURATION_NAMES = tuple(Look().durations)
BACKEND_ITEMS = [
    ("local", "Local", "a pool of worker processes on this machine"),
    ("slurm", "Slurm", "a Slurm job array (submitted and left to run)"),
    ("pbs", "PBS", "a PBS Pro job array (submitted and left to run)"),
    ("torque", "Torque", "a Torque job array (submitted and left to run)"),
]


def _look_colors_class():
    ann = {
        name: FloatVectorProperty(
            name=name.replace("_", " ").title(),
            subtype="COLOR_GAMMA",  # the look's colours are sRGB
            size=4,
            min=0.0,
            max=1.0,
            default=tuple(rgba),
        )
        for name, rgba in Look().colors.items()
    }
    return type("GALAXYREEL_PG_colors", (bpy.types.PropertyGroup,), {"__annotations__": ann})


def _look_durations_class():
    ann = {
        name: FloatProperty(
            name=name.replace("_", " ").title(),
            description="seconds this shot lasts",
            min=0.1,
            max=3600.0,
            default=float(secs),
            unit="TIME_ABSOLUTE",
        )
        for name, secs in Look().durations.items()
    }
    return type("GALAXYREEL_PG_durations", (bpy.types.PropertyGroup,), {"__annotations__": ann})


ColorSettings = _look_colors_class()
DurationSettings = _look_durations_class()


def _quality_changed(self, _context):
    """Switching quality shows that preset's resolution and samples from the look file."""
    from .actions import load_quality_preset

    load_quality_preset(self)


class SceneSettings(bpy.types.PropertyGroup):
    run_path: StringProperty(name="Run file", subtype="FILE_PATH")
    look_path: StringProperty(
        name="Look file", subtype="FILE_PATH", description="the look TOML imported with"
    )
    shots: StringProperty(name="Shots", description="comma-separated shots in the scene")
    root: PointerProperty(type=bpy.types.Collection, name="Root collection")
    timeline: StringProperty(name="Timeline", description="the scene's timeline.json")
    run_info: StringProperty(name="Run info", description="steps and accuracy, JSON")
    quality: EnumProperty(
        name="Quality", items=QUALITY_ITEMS, default="preview", update=_quality_changed
    )
    fps: IntProperty(name="FPS", min=1, max=120, default=Look().fps)
    resolution: IntVectorProperty(
        name="Resolution", size=2, min=16, max=16384, default=Look().resolution
    )
    samples: IntProperty(name="Samples", min=1, max=1 << 16, default=Look().samples)
    colors: PointerProperty(type=ColorSettings)
    durations: PointerProperty(type=DurationSettings)
    preview_path: StringProperty(
        name="Preview PNG", subtype="FILE_PATH", default="//galaxyreel_preview.png"
    )
    preview_percent: IntProperty(name="Size %", min=1, max=100, default=10, subtype="PERCENTAGE")
    preview_samples: IntProperty(name="Samples", min=1, max=4096, default=2)
    farm_out: StringProperty(name="Frames folder", subtype="DIR_PATH", default="//frames")
    farm_frames: StringProperty(
        name="Frames", description="e.g. 1-240, 1-30,61-90 (empty: the whole film)"
    )
    farm_status: StringProperty(name="Farm status")

    def timeline_dict(self) -> dict | None:
        return json.loads(self.timeline) if self.timeline else None

    def run_info_dict(self) -> dict | None:
        return json.loads(self.run_info) if self.run_info else None


class Preferences(bpy.types.AddonPreferences):
    bl_idname = __package__

    backend: EnumProperty(name="Backend", items=BACKEND_ITEMS, default="local")
    farm_python: StringProperty(
        name="Farm Python",
        subtype="FILE_PATH",
        description="python of the galaxyreel venv (with bpy) that plans and renders; "
        "empty: this Python when Blender runs as the bpy module",
    )
    workers: IntProperty(name="Workers", min=0, default=0, description="local: 0 = default")
    threads: IntProperty(name="Threads", min=0, default=0, description="0 = default")
    partition: StringProperty(name="Partition / queue")
    time_limit: StringProperty(name="Time per task", description="e.g. 00:30:00")
    mem: StringProperty(name="Memory per task", description="e.g. 4G")
    max_parallel: IntProperty(name="Max parallel tasks", min=0, default=0)
    resolution: StringProperty(name="Resolution override", description="WxH, e.g. 320x180")
    samples: IntProperty(name="Samples override", min=0, default=0)

    def draw(self, _context):
        col = self.layout.column()
        col.prop(self, "backend")
        col.prop(self, "farm_python")
        row = col.row()
        row.prop(self, "workers")
        row.prop(self, "threads")
        col.prop(self, "partition")
        row = col.row()
        row.prop(self, "time_limit")
        row.prop(self, "mem")
        col.prop(self, "max_parallel")
        row = col.row()
        row.prop(self, "resolution")
        row.prop(self, "samples")


CLASSES = (ColorSettings, DurationSettings, SceneSettings, Preferences)


def register() -> None:
    for cls in CLASSES:
        bpy.utils.register_class(cls)
    bpy.types.Scene.galaxyreel = PointerProperty(type=SceneSettings)


def unregister() -> None:
    del bpy.types.Scene.galaxyreel
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)


def preferences(context=None):
    """The add-on's preferences (defaults if the add-on is not registered under its name)."""
    context = context or bpy.context
    addon = context.preferences.addons.get(__package__)
    return addon.preferences if addon else None


__all__ = [
    "COLOR_NAMES",
    "DURATION_NAMES",
    "SHOT_NAMES",
    "Preferences",
    "SceneSettings",
    "preferences",
]
