"""What the buttons do, in terms of the functions the CLI calls; operators only report.

* import / rebuild: ``read_run`` -> ``load_look`` -> ``build_scene`` -> ``build_into_current``
  (the same Blender writer as ``galaxyreel scene``); everything that can fail on bad input runs
  before the open file is touched, so a bad run file leaves the scene as it was.
* preview: one frame of the open scene through Blender's renderer, written under a temporary name
  and renamed.
* farm: ``galaxyreel render`` in a child process (``--detach`` for Slurm/PBS), because the farm
  plans and renders with a Python that imports bpy, which Blender's own Python cannot.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import bpy

from .errors import AddonError
from .look_file import base_look, look_toml
from .settings import COLOR_NAMES, DURATION_NAMES

# Data kinds a build creates; what one build made is recorded on its root collection so that a
# rebuild removes exactly that and nothing of the user's.
_KINDS = (
    "objects",
    "meshes",
    "curves",
    "cameras",
    "lights",
    "materials",
    "images",
    "node_groups",
    "actions",
    "collections",
    "worlds",
)
_IDS = "galaxyreel_ids"
_SHOTS = "galaxyreel_shots"
_PRESET = "galaxyreel_preset"  # [quality, samples] the film was built with

# Farm submissions of this session: frames folder -> (process, log path, backend).
JOBS: dict[str, tuple[subprocess.Popen, Path, str]] = {}


# ----------------------------------------------------------------------------- bookkeeping


def _snapshot() -> dict:
    return {k: set(getattr(bpy.data, k)) for k in _KINDS}


def _created(before: dict) -> dict:
    return {k: [i.name for i in getattr(bpy.data, k) if i not in before[k]] for k in _KINDS}


def _ids(record: dict) -> list:
    out = []
    for kind, names in record.items():
        coll = getattr(bpy.data, kind)
        out += [coll[n] for n in names if n in coll]
    return out


def _record(root) -> dict:
    return json.loads(root.get(_IDS, "{}"))


def _save_record(root, record: dict) -> None:
    root[_IDS] = json.dumps({k: sorted(set(v)) for k, v in record.items() if v})


def _purge_orphans(record: dict) -> dict:
    """Remove recorded data nobody uses any more; return the record of what is left."""
    while True:
        dead = [i for i in _ids(record) if i.users == 0]
        if not dead:
            break
        bpy.data.batch_remove(dead)
    return {k: [n for n in names if n in getattr(bpy.data, k)] for k, names in record.items()}


def remove_build(bscene) -> int:
    """Remove a previous import from ``bscene`` (its objects, data, markers); objects removed."""
    s = bscene.galaxyreel
    root = s.root
    if root is None:
        return 0
    objects = set(root.all_objects)
    for m in list(bscene.timeline_markers):
        if m.camera in objects or (m.camera is None and m.name in (s.shots or "").split(",")):
            bscene.timeline_markers.remove(m)
    ids = set(_ids(_record(root))) | objects | set(root.children_recursive) | {root}
    if bscene.camera in objects:
        bscene.camera = None
    bpy.data.batch_remove(list(ids))
    s.root = None
    return len(objects)


# ----------------------------------------------------------------------------- settings


def look_from_settings(s):
    """The panel's look, through a look TOML and ``load_look`` (as ``galaxyreel scene --look``)."""
    from scene_builders.look import load_look

    fd, tmp = tempfile.mkstemp(prefix="galaxyreel-look-", suffix=".toml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(settings_toml(s))
        return load_look(Path(tmp), s.quality)
    finally:
        os.unlink(tmp)


def settings_toml(s) -> str:
    path = bpy.path.abspath(s.look_path) if s.look_path else None
    try:
        base = base_look(path)
    except (OSError, ValueError) as exc:
        raise AddonError(f"{path}: cannot read the look file: {exc}") from exc
    return look_toml(
        base,
        fps=s.fps,
        colors={k: tuple(getattr(s.colors, k)) for k in COLOR_NAMES},
        durations={k: getattr(s.durations, k) for k in DURATION_NAMES},
        quality=s.quality,
        resolution=tuple(s.resolution),
        samples=s.samples,
    )


def _set_look(s, look) -> None:
    s["fps"] = int(look.fps)
    for name, rgba in look.colors.items():
        if hasattr(s.colors, name):
            setattr(s.colors, name, tuple(rgba))
    for name, secs in look.durations.items():
        if hasattr(s.durations, name):
            setattr(s.durations, name, float(secs))
    s["quality"] = ("preview", "final").index(look.quality)
    s["resolution"] = tuple(int(v) for v in look.resolution)
    s["samples"] = int(look.samples)


def load_quality_preset(s) -> None:
    """Resolution and samples of the chosen quality, from the look file (or the defaults)."""
    from scene_builders.look import load_look

    path = bpy.path.abspath(s.look_path) if s.look_path else None
    try:
        look = load_look(Path(path) if path else None, s.quality)
    except Exception:  # noqa: BLE001 - a property update must not raise; keep the values shown
        return
    s["resolution"] = tuple(int(v) for v in look.resolution)
    s["samples"] = int(look.samples)


def run_info(run, path) -> dict:
    k, c = run.snapshots, run.catalog
    acc = k.accuracy(c.labels)
    return {
        "file": str(path),
        "iterations": int(run.surfaces.activations.shape[0]),
        "steps": [int(run.surfaces.step[0]), int(run.surfaces.step[-1])],
        "units": int(run.surfaces.activations.shape[2]),
        "catalog": int(c.thumbnails.shape[0]),
        "tsne": run.projection is not None,
        "checkpoints": [
            {"step": int(k.step[i]), "epoch": float(k.epoch[i]), "accuracy": float(acc[i])}
            for i in range(k.step.shape[0])
        ],
    }


# ----------------------------------------------------------------------------- import / rebuild


def _build(bscene, scene) -> None:
    """``build_into_current`` into the context's scene, recording what it made on the new root."""
    from scene_builders.blender import build_into_current

    before_children = set(bscene.collection.children)
    before = _snapshot()
    build_into_current(scene)
    created = _created(before)
    root = next(c for c in bscene.collection.children if c not in before_children)
    _save_record(root, created)
    root[_SHOTS] = json.dumps(_shot_collections(scene, root))
    root[_PRESET] = json.dumps([scene.quality, int(scene.samples)])
    bscene.galaxyreel.root = root


def _shot_collections(scene, root) -> dict:
    """Shot name -> its collection's name (the writer links them in frame order; a name taken
    by one of the user's collections gets Blender's ".001" suffix, so names alone can't tell)."""
    ordered = sorted(scene.shots, key=lambda sh: sh.first_frame)
    return {sh.name: c.name for sh, c in zip(ordered, root.children, strict=True)}


def import_run(
    context,
    path,
    *,
    shots: list[str] | None = None,
    look_path: str | None = None,
    quality: str = "preview",
) -> list[str]:
    """Build the run at ``path`` into the open scene (replacing an earlier import); skipped shots.

    Reading and building the IR come first: a bad run, look or shot list raises
    (RunFileError / SceneError) before anything in the open file changes.
    """
    from scene_builders.build import build_scene
    from scene_builders.look import load_look
    from scene_builders.runfile import read_run

    path = Path(bpy.path.abspath(str(path))).resolve()
    look_file = Path(bpy.path.abspath(look_path)).resolve() if look_path else None
    run = read_run(path)
    look = load_look(look_file, quality)
    scene, skipped = build_scene(run, look, shots)
    bscene = context.scene
    remove_build(bscene)
    _build(bscene, scene)
    s = bscene.galaxyreel
    s.run_path = str(path)
    s.look_path = str(look_file) if look_file else ""
    s.shots = ",".join(sh.name for sh in scene.shots)
    s.timeline = json.dumps(scene.timeline())
    s.run_info = json.dumps(run_info(run, path))
    _set_look(s, look)
    return skipped


def _same_timing(old: dict, new: dict) -> bool:
    def key(t):
        return (
            t["fps"],
            tuple(t["resolution"]),
            [(x["name"], x["first_frame"], x["last_frame"]) for x in t["shots"]],
        )

    return key(old) == key(new)


def rebuild_shot(context, name: str) -> str:
    """Rebuild one shot with the panel's look; the whole film if timing, fps or preset changed.

    Only that shot's collection is replaced (edits to other shots survive). The writer builds
    the shot inside the full timeline (other shots without their items) in a scratch scene, so
    its visibility keys are the ones a full build makes.
    """
    from scene_builders.build import build_scene
    from scene_builders.runfile import read_run

    bscene = context.scene
    s = bscene.galaxyreel
    old = s.timeline_dict()
    if s.root is None or old is None or not s.run_path:
        raise AddonError("no galaxyreel run in this scene: use File > Import > Galaxy training run")
    names = s.shots.split(",")
    if name not in names:
        raise AddonError(f"shot {name!r} is not in this scene ({', '.join(names)})")
    run = read_run(Path(s.run_path))
    look = look_from_settings(s)
    scene, _ = build_scene(run, look, names)
    new = scene.timeline()
    preset = json.loads(s.root.get(_PRESET, "null"))
    same = _same_timing(old, new) and preset == [scene.quality, int(scene.samples)]
    if not same:
        remove_build(bscene)
        _build(bscene, scene)
        s.timeline = json.dumps(new)
        return f"timing, size or render preset changed: rebuilt all {len(scene.shots)} shots"
    _rebuild_one(context, bscene, scene, name)
    return f"rebuilt shot {name}"


def _rebuild_one(context, bscene, scene, name: str) -> None:
    root = bscene.galaxyreel.root
    colls = json.loads(root.get(_SHOTS, "{}"))
    old_coll = bpy.data.collections.get(colls.get(name, ""))
    shot = next(sh for sh in scene.shots if sh.name == name)
    mats = {i.material for i in shot.items if getattr(i, "material", None)}
    used = {getattr(i, "atlas", None) for i in shot.items}
    used |= {scene.materials[m].texture for m in mats}
    one = dataclasses.replace(
        scene,
        shots=tuple(
            sh if sh.name == name else dataclasses.replace(sh, items=(), markers=())
            for sh in scene.shots
        ),
        materials={k: v for k, v in scene.materials.items() if k in mats},
        images={k: v for k, v in scene.images.items() if k in used},
        lights=(),
    )
    # Old objects go first so the new ones get their names (Blender would suffix ".001").
    record = _record(root)
    if old_coll is not None:
        objs = set(old_coll.all_objects)
        if bscene.camera in objs:
            bscene.camera = None
        bpy.data.batch_remove(list(objs | set(old_coll.children_recursive) | {old_coll}))
    scratch = bpy.data.scenes.new("galaxyreel.rebuild")
    scratch.world = bscene.world  # a changed background colour reaches the real world
    before = _snapshot()
    try:
        with context.temp_override(scene=scratch, view_layer=scratch.view_layers[0]):
            from scene_builders.blender import build_into_current

            build_into_current(one)
        created = _created(before)
        tmp_root = next(iter(scratch.collection.children))
        new_coll = bpy.data.collections[_shot_collections(one, tmp_root)[name]]
        root.children.link(new_coll)
        tmp_root.children.unlink(new_coll)
        keep = set(new_coll.all_objects)
        cam = next(o for o in keep if o.type == "CAMERA")
        drop = [o for o in tmp_root.all_objects if o not in keep]
        drop += list(tmp_root.children_recursive) + [tmp_root]
        bpy.data.batch_remove(drop)
    finally:
        bpy.data.scenes.remove(scratch)
    for m in bscene.timeline_markers:
        if m.name == name:
            m.camera = cam
    for k, names in created.items():
        record.setdefault(k, []).extend(names)
    _save_record(root, _purge_orphans(record))
    colls[name] = new_coll.name
    root[_SHOTS] = json.dumps(colls)
    if bscene.camera is None:
        _camera_at(bscene, bscene.frame_current)


def _camera_at(bscene, frame: int) -> None:
    markers = sorted(
        (m for m in bscene.timeline_markers if m.camera), key=lambda m: m.frame, reverse=True
    )
    for m in markers:
        if m.frame <= frame:
            bscene.camera = m.camera
            return
    if markers:
        bscene.camera = markers[-1].camera


def jump_to_shot(context, name: str) -> int:
    """Go to the shot's first frame, looking through its camera; returns the frame."""
    bscene = context.scene
    t = bscene.galaxyreel.timeline_dict()
    shot = next((x for x in (t or {}).get("shots", []) if x["name"] == name), None)
    if shot is None:
        raise AddonError(f"no shot {name!r} in this scene")
    frame = int(shot["first_frame"])
    bscene.frame_set(frame)
    _camera_at(bscene, frame)
    return frame


# ----------------------------------------------------------------------------- preview


def render_preview(context, path: str, percent: int, samples: int) -> Path:
    """Render the current frame to ``path`` (PNG) at ``percent`` of the film's size."""
    bscene = context.scene
    if bscene.camera is None:
        raise AddonError("the scene has no active camera to render through")
    if path.startswith("//") and not bpy.data.filepath:
        raise AddonError(f"{path} is relative to the .blend, which is not saved yet")
    out = Path(bpy.path.abspath(path)).resolve()
    if out.suffix.lower() != ".png":
        out = out.with_suffix(".png")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.stem}.{os.getpid()}.tmp.png")
    r = bscene.render
    saved = (r.filepath, r.resolution_percentage, r.use_file_extension, bscene.cycles.samples)
    saved_fmt = (r.image_settings.file_format, r.image_settings.color_mode)
    try:
        r.filepath = str(tmp)
        r.use_file_extension = False
        r.resolution_percentage = int(percent)
        r.image_settings.file_format = "PNG"
        r.image_settings.color_mode = "RGB"
        if r.engine == "CYCLES":
            bscene.cycles.samples = int(samples)
        with context.temp_override(scene=bscene):
            bpy.ops.render.render(write_still=True)
        if not tmp.is_file():
            raise AddonError(f"{out}: Blender rendered no image")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
        r.filepath, r.resolution_percentage, r.use_file_extension, bscene.cycles.samples = saved
        r.image_settings.file_format, r.image_settings.color_mode = saved_fmt
    return out


# ----------------------------------------------------------------------------- farm


def farm_python(prefs) -> str:
    """The Python that runs ``galaxyreel render``: it must import bpy (the farm's venv)."""
    chosen = getattr(prefs, "farm_python", "") if prefs else ""
    if chosen:
        p = Path(bpy.path.abspath(chosen))
        if not p.is_file():
            raise AddonError(f"{p}: the farm Python (add-on preferences) does not exist")
        return str(p)
    if not bpy.app.binary_path:  # Blender as a Python module: this Python imports bpy
        return sys.executable
    raise AddonError(
        "set the farm Python in the add-on preferences: the python of a galaxyreel venv with "
        "bpy (on a filesystem the farm nodes share), e.g. /shared/galaxyreel/.venv/bin/python"
    )


def farm_command(python: str, blend: Path, out: Path, frames: str, prefs) -> list[str]:
    """``galaxyreel render BLEND --out OUT ...`` as an argument list (no shell)."""
    backend = getattr(prefs, "backend", "local") if prefs else "local"
    cmd = [python, "-m", "galaxyreel.cli", "render", str(blend), "--out", str(out)]
    cmd += ["--backend", backend]
    if frames:
        cmd += ["--frames", frames]

    def opt(flag, attr):
        v = getattr(prefs, attr, None) if prefs else None
        if v:
            cmd.extend([flag, str(v)])

    opt("--resolution", "resolution")
    opt("--samples", "samples")
    opt("--threads", "threads")
    if backend == "local":
        opt("--workers", "workers")
    else:
        opt("--partition", "partition")
        opt("--time", "time_limit")
        opt("--mem", "mem")
        opt("--max-parallel", "max_parallel")
        cmd.append("--detach")
    return cmd


def _write_timeline(bscene, blend: Path) -> None:
    """``timeline.json`` beside the .blend: the farm names shots and compositing cuts by it."""
    t = bscene.galaxyreel.timeline
    if not t:
        return
    from scene_builders.atomic import atomic_output

    with atomic_output(blend.parent / "timeline.json") as tmp:
        tmp.write_text(json.dumps(json.loads(t), indent=2) + "\n", encoding="utf-8")


def submit_farm(context, prefs=None) -> list[str]:
    """Save the .blend and start ``galaxyreel render`` on it; returns the command line."""
    bscene = context.scene
    s = bscene.galaxyreel
    if not bpy.data.filepath:
        raise AddonError("save the .blend first (File > Save As): the farm renders the saved file")
    key = str(Path(bpy.path.abspath(s.farm_out)).resolve())
    job = JOBS.get(key)
    if job is not None and job[0].poll() is None:
        raise AddonError(f"{key}: a submission from this session is still running")
    python = farm_python(prefs)
    bpy.ops.wm.save_mainfile()
    blend = Path(bpy.data.filepath).resolve()
    _write_timeline(bscene, blend)
    out = Path(key)
    cmd = farm_command(python, blend, out, s.farm_frames.strip(), prefs)
    logs = out / ".farm" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / "addon-submit.log"
    env = dict(os.environ)
    import render_farm

    # The child finds this project's packages where this Blender found them.
    here = str(Path(render_farm.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = here + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    with open(log, "ab") as fh:
        proc = subprocess.Popen(
            cmd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
        )
    backend = getattr(prefs, "backend", "local") if prefs else "local"
    JOBS[key] = (proc, log, backend)
    s.farm_status = f"submitted to {backend} (pid {proc.pid}); log {log}"
    return cmd


def farm_status_line(context) -> str:
    """One line for the panel: the submission's state and the frames folder's counts."""
    from render_farm import FarmError, farm_status

    s = context.scene.galaxyreel
    key = str(Path(bpy.path.abspath(s.farm_out)).resolve())
    job = JOBS.get(key)
    head = ""
    if job is not None:
        proc, log, backend = job
        rc = proc.poll()
        if rc is None:
            head = f"{backend}: running (pid {proc.pid})"
        elif rc != 0:
            tail = log.read_text(errors="replace").strip().splitlines()[-1:] if log.exists() else []
            head = f"{backend}: failed (exit {rc}): {tail[0] if tail else 'see ' + str(log)}"
        else:
            head = f"{backend}: submitted" if backend != "local" else "local: finished"
    try:
        st = farm_status(Path(key))
        counts = (
            f"{len(st.done)}/{st.total} frames done, {len(st.missing)} missing, "
            f"{len(st.running)} running"
        )
    except (FarmError, OSError, ValueError, KeyError):
        counts = "no plan yet" if not head else ""
    line = "; ".join(x for x in (head, counts) if x)
    s.farm_status = line
    return line


def poll_jobs() -> float | None:
    """A ``bpy.app.timers`` callback: refresh the status line while a submission runs."""
    live = False
    for bscene in bpy.data.scenes:
        s = getattr(bscene, "galaxyreel", None)
        if s is None or not s.farm_out:
            continue
        key = str(Path(bpy.path.abspath(s.farm_out)).resolve())
        if key in JOBS:
            with bpy.context.temp_override(scene=bscene):
                farm_status_line(bpy.context)
            live = live or JOBS[key][0].poll() is None
    for win in getattr(bpy.context.window_manager, "windows", []):
        for area in win.screen.areas:
            if area.type == "VIEW_3D":
                area.tag_redraw()
    return 2.0 if live else None
