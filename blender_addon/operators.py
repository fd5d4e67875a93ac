"""Operators: each calls one function of :mod:`.actions` and turns errors into reports.

A user error (any exception with ``user_facing = True``: RunFileError, SceneError, FarmError,
AddonError) becomes an ERROR report with the library's own message and CANCELLED; anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations

import bpy
from bpy.props import EnumProperty, StringProperty
from bpy_extras.io_utils import ImportHelper

from . import actions
from .settings import QUALITY_ITEMS, SHOT_NAMES, preferences

SHOT_ITEMS = [(n, n.replace("_", " "), f"build the {n} shot") for n in SHOT_NAMES]


def _guard(op, fn):
    """Run ``fn()``; a user-facing error becomes an ERROR report and CANCELLED."""
    try:
        msg = fn()
    except Exception as exc:
        if not getattr(type(exc), "user_facing", False):
            raise
        op.report({"ERROR"}, str(exc))
        return {"CANCELLED"}
    if msg:
        op.report({"INFO"}, msg)
    return {"FINISHED"}


class GALAXYREEL_OT_import_run(bpy.types.Operator, ImportHelper):
    """Build a galaxyreel training run (run.h5) into the open file as the film's scene"""

    bl_idname = "import_scene.galaxyreel_run"
    bl_label = "Import Galaxy Training Run"
    bl_options = {"REGISTER", "UNDO"}

    filename_ext = ".h5"
    filter_glob: StringProperty(default="*.h5;*.hdf5", options={"HIDDEN"})
    shots: EnumProperty(
        name="Shots",
        items=SHOT_ITEMS,
        options={"ENUM_FLAG"},
        default=set(SHOT_NAMES),
        description="shots to build (film order is kept)",
    )
    look_path: StringProperty(
        name="Look",
        subtype="FILE_PATH",
        description="a look TOML (colours, timing, resolution); empty: the default look",
    )
    quality: EnumProperty(name="Quality", items=QUALITY_ITEMS, default="preview")

    def execute(self, context):
        def run():
            chosen = [n for n in SHOT_NAMES if n in self.shots]
            skipped = actions.import_run(
                context,
                self.filepath,
                shots=chosen,
                look_path=self.look_path or None,
                quality=self.quality,
            )
            n = len(context.scene.galaxyreel.shots.split(","))
            msg = f"{self.filepath}: built {n} shot(s)"
            return msg + (f"; skipped {'; '.join(skipped)}" if skipped else "")

        return _guard(self, run)


class GALAXYREEL_OT_jump_to_shot(bpy.types.Operator):
    """Go to the shot's first frame and look through its camera"""

    bl_idname = "galaxyreel.jump_to_shot"
    bl_label = "Jump to Shot"
    bl_options = {"REGISTER", "UNDO"}

    shot: StringProperty(name="Shot")

    def execute(self, context):
        return _guard(self, lambda: actions.jump_to_shot(context, self.shot) and None)


class GALAXYREEL_OT_rebuild_shot(bpy.types.Operator):
    """Rebuild this shot with the panel's colours, timing and render preset"""

    bl_idname = "galaxyreel.rebuild_shot"
    bl_label = "Rebuild Shot"
    bl_options = {"REGISTER", "UNDO"}

    shot: StringProperty(name="Shot")

    def execute(self, context):
        return _guard(self, lambda: actions.rebuild_shot(context, self.shot))


class GALAXYREEL_OT_save_look(bpy.types.Operator):
    """Write the panel's look as a look TOML, for `galaxyreel scene --look`"""

    bl_idname = "galaxyreel.save_look"
    bl_label = "Save Look"

    filepath: StringProperty(subtype="FILE_PATH", default="//look.toml")

    def invoke(self, context, _event):
        context.window_manager.fileselect_add(self)
        return {"RUNNING_MODAL"}

    def execute(self, context):
        def run():
            from pathlib import Path

            path = Path(bpy.path.abspath(self.filepath))
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_text(actions.settings_toml(context.scene.galaxyreel), encoding="utf-8")
            tmp.replace(path)
            return f"look written to {path}"

        return _guard(self, run)


class GALAXYREEL_OT_render_preview(bpy.types.Operator):
    """Render the current frame, small, to the preview PNG"""

    bl_idname = "galaxyreel.render_preview"
    bl_label = "Render Preview Frame"

    def execute(self, context):
        s = context.scene.galaxyreel

        def run():
            out = actions.render_preview(
                context, s.preview_path, s.preview_percent, s.preview_samples
            )
            return f"frame {context.scene.frame_current} rendered to {out}"

        return _guard(self, run)


class GALAXYREEL_OT_submit_farm(bpy.types.Operator):
    """Save the .blend and render it on the farm set in the add-on preferences"""

    bl_idname = "galaxyreel.submit_farm"
    bl_label = "Send to Render Farm"

    def execute(self, context):
        def run():
            actions.submit_farm(context, preferences(context))
            if not bpy.app.timers.is_registered(actions.poll_jobs):
                bpy.app.timers.register(actions.poll_jobs, first_interval=2.0)
            return context.scene.galaxyreel.farm_status

        return _guard(self, run)


class GALAXYREEL_OT_farm_status(bpy.types.Operator):
    """Refresh the farm status line from the frames folder"""

    bl_idname = "galaxyreel.farm_status"
    bl_label = "Refresh Farm Status"

    def execute(self, context):
        return _guard(self, lambda: actions.farm_status_line(context))


CLASSES = (
    GALAXYREEL_OT_import_run,
    GALAXYREEL_OT_jump_to_shot,
    GALAXYREEL_OT_rebuild_shot,
    GALAXYREEL_OT_save_look,
    GALAXYREEL_OT_render_preview,
    GALAXYREEL_OT_submit_farm,
    GALAXYREEL_OT_farm_status,
)
