"""The sidebar panel (3D viewport > N > galaxyreel) and the File > Import menu entry."""

from __future__ import annotations

import bpy

from .operators import GALAXYREEL_OT_import_run
from .settings import COLOR_NAMES, DURATION_NAMES


class _Base:
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "galaxyreel"


class GALAXYREEL_PT_main(_Base, bpy.types.Panel):
    bl_idname = "GALAXYREEL_PT_main"
    bl_label = "galaxyreel"

    def draw(self, context):
        layout = self.layout
        s = context.scene.galaxyreel
        info = s.run_info_dict()
        layout.operator(GALAXYREEL_OT_import_run.bl_idname, text="Import Run...", icon="IMPORT")
        if info is None:
            layout.label(text="No run imported in this scene")
            return
        col = layout.column(align=True)
        col.label(text=bpy.path.basename(info["file"]), icon="FILE")
        col.label(
            text=f"{info['iterations']} iterations, steps {info['steps'][0]}-{info['steps'][1]}"
        )
        col.label(text=f"{info['units']} units, {info['catalog']} galaxies")
        box = layout.box().column(align=True)
        box.label(text="checkpoint  step  accuracy")
        for i, c in enumerate(info["checkpoints"]):
            box.label(text=f"{i:>3}   {c['step']:>6}   {c['accuracy']:.3f}")


class GALAXYREEL_PT_shots(_Base, bpy.types.Panel):
    bl_label = "Shots"
    bl_parent_id = "GALAXYREEL_PT_main"

    @classmethod
    def poll(cls, context):
        return bool(context.scene.galaxyreel.timeline)

    def draw(self, context):
        s = context.scene.galaxyreel
        t = s.timeline_dict()
        now = context.scene.frame_current
        col = self.layout.column(align=True)
        for shot in t["shots"]:
            row = col.row(align=True)
            here = shot["first_frame"] <= now <= shot["last_frame"]
            op = row.operator(
                "galaxyreel.jump_to_shot",
                text=f"{shot['name']}  {shot['first_frame']}-{shot['last_frame']}",
                icon="PLAY" if here else "CAMERA_DATA",
                depress=here,
            )
            op.shot = shot["name"]
            row.operator("galaxyreel.rebuild_shot", text="", icon="FILE_REFRESH").shot = shot[
                "name"
            ]


class GALAXYREEL_PT_look(_Base, bpy.types.Panel):
    bl_label = "Colours and Timing"
    bl_parent_id = "GALAXYREEL_PT_main"
    bl_options = {"DEFAULT_CLOSED"}

    @classmethod
    def poll(cls, context):
        return bool(context.scene.galaxyreel.timeline)

    def draw(self, context):
        s = context.scene.galaxyreel
        layout = self.layout
        col = layout.column(align=True)
        col.label(text="Colours (sRGB)")
        for name in COLOR_NAMES:
            col.prop(s.colors, name)
        col = layout.column(align=True)
        col.label(text="Seconds per shot")
        for name in DURATION_NAMES:
            col.prop(s.durations, name)
        layout.prop(s, "fps")
        layout.operator("galaxyreel.save_look", icon="EXPORT")


class GALAXYREEL_PT_render(_Base, bpy.types.Panel):
    bl_label = "Render"
    bl_parent_id = "GALAXYREEL_PT_main"

    @classmethod
    def poll(cls, context):
        return bool(context.scene.galaxyreel.timeline)

    def draw(self, context):
        s = context.scene.galaxyreel
        layout = self.layout
        layout.prop(s, "quality")
        row = layout.row(align=True)
        row.prop(s, "resolution", text="")
        row.prop(s, "samples")
        box = layout.box()
        box.prop(s, "preview_path")
        row = box.row(align=True)
        row.prop(s, "preview_percent")
        row.prop(s, "preview_samples")
        box.operator("galaxyreel.render_preview", icon="RENDER_STILL")
        box = layout.box()
        box.prop(s, "farm_out")
        box.prop(s, "farm_frames")
        box.operator("galaxyreel.submit_farm", icon="NETWORK_DRIVE")
        row = box.row()
        row.label(text=s.farm_status or "not submitted")
        row.operator("galaxyreel.farm_status", text="", icon="FILE_REFRESH")


CLASSES = (GALAXYREEL_PT_main, GALAXYREEL_PT_shots, GALAXYREEL_PT_look, GALAXYREEL_PT_render)


def menu_import(self, _context):
    self.layout.operator(GALAXYREEL_OT_import_run.bl_idname, text="Galaxy training run (.h5)")
