"""Run in a fresh Python: drive the add-on in real bpy and report what happened as JSON.

``python [-S] blender_session.py SPEC.json OUT.json``. The spec says how to enable the add-on
(``"zip"``: install the built extension; ``"source"``: a local repository whose folder links to
``blender_addon/``) and where the inputs are. With ``-S`` the project's editable install is not
on the path, so everything the add-on imports must come from the installed zip; ``site`` in the
spec is then the venv's site-packages, added by hand for bpy and numpy only.

Each step records its result or its traceback, so one failure does not hide the others.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
import traceback
from pathlib import Path

SPEC = json.loads(Path(sys.argv[1]).read_text())
if SPEC.get("site"):
    sys.path.append(SPEC["site"])  # plain append: its .pth files (the editable install) stay unread
os.environ["BLENDER_USER_RESOURCES"] = SPEC["user_resources"]

import bpy  # noqa: E402
import numpy as np  # noqa: E402

RESULTS: dict = {"errors": {}}


def step(name):
    def wrap(fn):
        t = time.time()
        try:
            RESULTS[name] = fn()
        except Exception:  # noqa: BLE001 - reported to the test, which fails on it
            RESULTS["errors"][name] = traceback.format_exc()
        RESULTS.setdefault("seconds", {})[name] = round(time.time() - t, 2)
        return fn

    return wrap


# ----------------------------------------------------------------------------- dumps


def _sha(a) -> str:
    return hashlib.sha1(np.ascontiguousarray(a, np.float32).tobytes()).hexdigest()


def _curves(id_block):
    ad = getattr(id_block, "animation_data", None)
    if ad is None or ad.action is None:
        return None
    out = []
    for layer in ad.action.layers:
        for strip in layer.strips:
            bag = strip.channelbag(ad.action_slot)
            if bag is None:
                continue
            for fc in bag.fcurves:
                kp = fc.keyframe_points
                n = len(kp)
                co = np.empty(2 * n, np.float32)
                kp.foreach_get("co", co)
                left = np.empty(2 * n, np.float32)
                kp.foreach_get("handle_left", left)
                ipo = [k.interpolation for k in kp]
                out.append([fc.data_path, fc.array_index, co.tolist(), left.tolist(), ipo])
    return sorted(out, key=lambda c: (c[0], c[1]))


def _rgb(mat):
    if mat is None or mat.node_tree is None:
        return None
    node = next((n for n in mat.node_tree.nodes if n.type == "RGB"), None)
    return list(node.outputs[0].default_value) if node else None


def dump_objects(objects) -> dict:
    """Objects as comparable values, at frame 1 (animated transforms are evaluated values)."""
    bpy.context.scene.frame_set(1)
    out = {}
    for o in sorted(objects, key=lambda x: x.name):
        d = {
            "type": o.type,
            "collections": sorted(c.name for c in o.users_collection),
            "location": list(o.location),
            "rotation": list(o.rotation_euler),
            "scale": list(o.scale),
            "anim": _curves(o),
        }
        data = o.data
        if data is not None:
            d["data_anim"] = _curves(data)
        if o.type == "MESH":
            co = np.empty(len(data.vertices) * 3, np.float32)
            data.vertices.foreach_get("co", co)
            d["vertices"] = len(data.vertices)
            d["co"] = _sha(co)
            d["polygons"] = len(data.polygons)
            d["materials"] = [[m.name, _rgb(m)] if m else None for m in data.materials]
            d["attributes"] = sorted(a.name for a in data.attributes)
            if data.shape_keys is not None:
                blocks = []
                for kb in data.shape_keys.key_blocks:
                    kco = np.empty(len(kb.data) * 3, np.float32)
                    kb.data.foreach_get("co", kco)
                    blocks.append([kb.name, round(kb.frame, 4), _sha(kco)])
                d["shape_keys"] = blocks
                d["shape_anim"] = _curves(data.shape_keys)
            d["modifiers"] = [
                [m.name, m.type, m.node_group.name if getattr(m, "node_group", None) else None]
                for m in o.modifiers
            ]
        elif o.type == "CAMERA":
            d["camera"] = [data.lens, data.sensor_width, data.clip_start, data.clip_end]
        elif o.type == "LIGHT":
            d["light"] = [data.type, data.energy, list(data.color)]
        out[o.name] = d
    return out


def dump_scene(root) -> dict:
    sc = bpy.context.scene
    return {
        "frame_start": sc.frame_start,
        "frame_end": sc.frame_end,
        "fps": sc.render.fps,
        "resolution": [sc.render.resolution_x, sc.render.resolution_y],
        "samples": sc.cycles.samples,
        "engine": sc.render.engine,
        "markers": sorted(
            [m.frame, m.name, m.camera.name if m.camera else None] for m in sc.timeline_markers
        ),
        "camera": sc.camera.name if sc.camera else None,
        "root_children": sorted(c.name for c in root.children),
        "objects": dump_objects(root.all_objects),
    }


def counts() -> dict:
    kinds = ("objects", "meshes", "materials", "images", "node_groups", "actions", "cameras")
    return {k: len(getattr(bpy.data, k)) for k in kinds}


def scene_objects() -> list:
    return sorted(o.name for o in bpy.context.scene.objects)


# ----------------------------------------------------------------------------- panels


class Layout:
    """Stands in for ``UILayout`` (module bpy has no windows to draw in): records every widget
    the panel's real ``draw`` asks for and checks each names a real property or operator."""

    def __init__(self, lines, depth=0):
        self.lines, self.depth = lines, depth

    def _nest(self, *_a, **_k):
        return Layout(self.lines, self.depth + 1)

    column = row = box = _nest

    def label(self, text="", icon="NONE"):
        self.lines.append("  " * self.depth + f"label: {text}")

    def prop(self, data, name, text=None, **_k):
        assert name in data.bl_rna.properties, f"no property {name!r} on {data}"
        label = data.bl_rna.properties[name].name if text is None else text
        self.lines.append("  " * self.depth + f"prop: {label} = {_show(getattr(data, name))}")

    def operator(self, idname, text=None, **_k):
        mod, name = idname.split(".")
        assert name in dir(getattr(bpy.ops, mod)), f"no operator {idname}"
        rna = getattr(getattr(bpy.ops, mod), name).get_rna_type()
        self.lines.append("  " * self.depth + f"button: {text or rna.name} ({idname})")
        lines = self.lines

        class Props:
            def __setattr__(self, key, value):
                assert key in rna.properties, f"{idname} has no property {key!r}"
                lines[-1] += f" {key}={value}"

        return Props()


def _show(v):
    if hasattr(v, "__len__") and not isinstance(v, str):
        return "(" + ", ".join(f"{x:.3g}" if isinstance(x, float) else str(x) for x in v) + ")"
    return f"{v:.3g}" if isinstance(v, float) else repr(v)


def draw_panels() -> list[str]:
    lines: list[str] = []
    for name in (
        "GALAXYREEL_PT_main",
        "GALAXYREEL_PT_shots",
        "GALAXYREEL_PT_look",
        "GALAXYREEL_PT_render",
    ):
        cls = getattr(bpy.types, name)
        lines.append(f"[{cls.bl_label}]")
        if hasattr(cls, "poll") and not cls.poll(bpy.context):
            lines.append("  (hidden)")
            continue
        panel = type("P", (), {"layout": Layout(lines, 1)})()
        cls.draw(panel, bpy.context)
    return lines


# ----------------------------------------------------------------------------- enabling


def enable_zip() -> str:
    r = bpy.ops.extensions.package_install_files(
        filepath=SPEC["zip"], repo="user_default", enable_on_install=True
    )
    assert r == {"FINISHED"}, r
    return "bl_ext.user_default.galaxyreel"


def enable_source() -> str:
    repo_dir = Path(SPEC["work"]) / "dev-repo"
    repo_dir.mkdir(parents=True, exist_ok=True)
    link = repo_dir / "galaxyreel"
    if not link.exists():
        link.symlink_to(SPEC["source"], target_is_directory=True)
    bpy.ops.preferences.extension_repo_add(
        name="galaxyreel-dev",
        type="LOCAL",
        custom_directory=str(repo_dir),
        use_custom_directory=True,
    )
    repo = next(r for r in bpy.context.preferences.extensions.repos if r.name == "galaxyreel-dev")
    module = f"bl_ext.{repo.module}.galaxyreel"
    r = bpy.ops.preferences.addon_enable(module=module)
    assert r == {"FINISHED"}, r
    return module


# ----------------------------------------------------------------------------- steps


def main() -> None:
    work = Path(SPEC["work"])

    @step("reference")
    def _():
        bpy.ops.wm.open_mainfile(filepath=SPEC["reference_blend"])
        return dump_scene(bpy.data.collections["galaxyreel"])

    bpy.ops.wm.read_factory_settings()  # the default startup scene (Cube, Camera, Light)

    module = None

    @step("enable")
    def _():
        nonlocal module
        module = enable_zip() if SPEC["mode"] == "zip" else enable_source()
        pkg = sys.modules[module]
        import scene_builders

        return {
            "module": module,
            "addon_file": str(Path(pkg.__file__).resolve()),
            "enabled": module in bpy.context.preferences.addons,
            "ops": sorted(dir(bpy.ops.galaxyreel)),
            "import_op": "galaxyreel_run" in dir(bpy.ops.import_scene),
            "panels": sorted(c for c in dir(bpy.types) if c.startswith("GALAXYREEL_PT")),
            "scene_builders": str(Path(scene_builders.__file__).resolve()),
            "ext_site": [p for p in sys.path if "extensions" in p and "site-packages" in p],
        }

    if module is None:
        return
    actions = sys.modules[module + ".actions"]
    ops = sys.modules[module + ".operators"]

    @step("malformed")
    def _():
        before = scene_objects()
        data_before = counts()
        message = None
        try:
            bpy.ops.import_scene.galaxyreel_run(filepath=SPEC["bad_run"])
        except RuntimeError as exc:
            message = str(exc)
        # The operator's own return value: call its execute with the properties it reads.
        reports = []

        class Fake:
            filepath = SPEC["bad_run"]
            shots = set(SPEC["shot_names"])
            look_path = ""
            quality = "preview"

            def report(self, kind, text):
                reports.append([sorted(kind), text])

        ret = ops.GALAXYREEL_OT_import_run.execute(Fake(), bpy.context)
        return {
            "message": message,
            "returned": sorted(ret),
            "reports": reports,
            "objects_before": before,
            "objects_after": scene_objects(),
            "data_same": counts() == data_before,
            "imported": bool(bpy.context.scene.galaxyreel.timeline),
        }

    @step("import")
    def _():
        t = time.time()
        r = bpy.ops.import_scene.galaxyreel_run(filepath=SPEC["run"], quality="preview")
        s = bpy.context.scene.galaxyreel
        return {
            "returned": sorted(r),
            "seconds": time.time() - t,
            "dump": dump_scene(s.root),
            "startup_objects_kept": all(n in scene_objects() for n in ("Cube", "Camera", "Light")),
            "shots": s.shots.split(","),
            "run_info": json.loads(s.run_info),
            "timeline": json.loads(s.timeline),
            "counts": counts(),
        }

    if "import" not in RESULTS:
        return

    @step("jump")
    def _():
        out = {}
        for name in ("tsne", "profile"):
            bpy.ops.galaxyreel.jump_to_shot(shot=name)
            sc = bpy.context.scene
            out[name] = [sc.frame_current, sc.camera.name]
        try:
            bpy.ops.galaxyreel.jump_to_shot(shot="nonexistent")
            out["unknown"] = None
        except RuntimeError as exc:
            out["unknown"] = str(exc)
        return out

    @step("rebuild_shot")
    def _():
        s = bpy.context.scene.galaxyreel
        root = s.root
        shot = SPEC["rebuild_shot"]
        others = {o.name: o.as_pointer() for o in root.all_objects if not o.name.startswith(shot)}
        before = dump_objects([o for o in root.all_objects if o.name.startswith(shot)])
        s.colors.text = tuple(SPEC["new_text_color"])
        r = bpy.ops.galaxyreel.rebuild_shot(shot=shot)
        after = dump_objects([o for o in root.all_objects if o.name.startswith(shot)])
        return {
            "returned": sorted(r),
            "before": before,
            "after": after,
            "others_untouched": all(
                o.as_pointer() == others[o.name] for o in root.all_objects if o.name in others
            )
            and len([o for o in root.all_objects if o.name in others]) == len(others),
            "other_text": dump_objects([bpy.data.objects[SPEC["other_text_object"]]]),
            "markers": dump_scene(root)["markers"],
            "counts": counts(),
        }

    @step("rebuild_timing")
    def _():
        s = bpy.context.scene.galaxyreel
        s.durations.tsne = SPEC["new_tsne_seconds"]
        bpy.ops.galaxyreel.rebuild_shot(shot="tsne")
        t = json.loads(s.timeline)
        # back to the imported look: the rebuilt film must equal a fresh import, no leftovers
        s.durations.tsne = SPEC["old_tsne_seconds"]
        s.colors.text = tuple(SPEC["old_text_color"])
        bpy.ops.galaxyreel.rebuild_shot(shot="tsne")
        return {
            "frame_end": t["frame_end"],
            "tsne": t["shots"][-1],
            "dump": dump_scene(s.root),
            "counts": counts(),
        }

    @step("panel_draw")
    def _():
        return draw_panels()

    @step("save_look")
    def _():
        path = work / "look.toml"
        bpy.ops.galaxyreel.save_look(filepath=str(path))
        return path.read_text()

    @step("preview")
    def _():
        s = bpy.context.scene.galaxyreel
        s.preview_path = str(work / "preview" / "frame.png")
        s.preview_percent = 10
        s.preview_samples = 1
        bpy.ops.galaxyreel.jump_to_shot(shot="tsne")
        r = bpy.ops.galaxyreel.render_preview()
        sc = bpy.context.scene
        return {
            "returned": sorted(r),
            "path": s.preview_path,
            "frame": sc.frame_current,
            "restored": [sc.render.resolution_percentage, sc.cycles.samples, sc.render.filepath],
            "leftovers": sorted(p.name for p in (work / "preview").iterdir()),
        }

    @step("farm_command")
    def _():
        class Prefs:
            backend = "slurm"
            partition = "render"
            time_limit = "00:10:00"
            mem = "2G"
            max_parallel = 4
            resolution = "32x18"
            samples = 1
            threads = 0
            workers = 0

        return actions.farm_command("py", Path("/a b/s.blend"), Path("/f"), "1-4", Prefs())

    if SPEC.get("farm"):

        @step("farm")
        def _():
            sc = bpy.context.scene
            blend = work / "film" / "scene.blend"
            blend.parent.mkdir(parents=True, exist_ok=True)
            bpy.ops.wm.save_as_mainfile(filepath=str(blend))
            prefs = bpy.context.preferences.addons[module].preferences
            prefs.backend = "local"
            prefs.resolution = "32x18"
            prefs.samples = 1
            prefs.threads = 2
            sc.galaxyreel.farm_out = str(work / "frames")
            sc.galaxyreel.farm_frames = "1-2"
            r = bpy.ops.galaxyreel.submit_farm()
            first = sc.galaxyreel.farm_status
            key = str((work / "frames").resolve())
            proc = actions.JOBS[key][0]
            rc = proc.wait(timeout=180)
            bpy.ops.galaxyreel.farm_status()
            return {
                "returned": sorted(r),
                "first_status": first,
                "exit": rc,
                "status": sc.galaxyreel.farm_status,
                "log": actions.JOBS[key][1].read_text(errors="replace")[-2000:],
                "timeline_written": (blend.parent / "timeline.json").is_file(),
                "out": key,
                "frames": sorted(p.name for p in Path(key).glob("*.png")),
                "frames_json": (Path(key) / "frames.json").is_file(),
            }


main()
Path(sys.argv[2]).write_text(json.dumps(RESULTS, indent=1))
