"""Scene build and render costs, and the t-SNE shot's design choices, measured in one run.

    .venv/bin/python bench/scene.py [--iterations 120] [--catalog 1000] [--final-shots 2]

Prints: IR build and .blend write times and size for a demo-sized run; seconds per frame of
each shot at the preview preset (640x360, Cycles, few samples) and at the final preset
(1920x1080, denoised) for ``--final-shots`` shots; and for 1000 t-SNE spheres, side by side:
GN instances + one atlas material (what we write) vs 1000 objects + 1000 materials/images
(the naive port of the paper's "1000 individual textures") vs 1000 objects sharing the atlas.
Other work may share the CPUs: every comparison is measured back to back and reported as a
ratio as well as in seconds.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _render_times(bpy, frames, repeat=2):
    """(wall, cpu) seconds per frame at each frame: the mean of ``repeat`` consecutive frames.

    CPU seconds (all render threads) are reported beside wall seconds because other jobs may
    share the two cores: cpu / cores estimates the wall time on an idle machine. Render
    settings must be final before the first render: with persistent data on, Cycles keeps
    the sample count of the first render of the process.
    """
    sc = bpy.context.scene
    out = []
    for f in frames:
        ts, cs = [], []
        for k in range(repeat):
            sc.frame_set(f + k)
            t, c = time.perf_counter(), _cpu()
            bpy.ops.render.render(write_still=False)
            ts.append(time.perf_counter() - t)
            cs.append(_cpu() - c)
        out.append((float(np.mean(ts)), float(np.mean(cs))))
    return out


def _size(path: Path) -> float:
    return path.stat().st_size / 1e6


def _naive_objects(bpy, run, scene_ir, per_object_materials: bool, path: Path):
    """1000 sphere objects keyed one by one: own material+image each, or one shared atlas."""
    from scene_builders.blender import _channels, _Materials, animate
    from scene_builders.ir import srgb_to_linear

    bpy.ops.wm.read_factory_settings(use_empty=True)
    from scene_builders.blender import _render_settings, _world

    sc = bpy.context.scene
    _render_settings(sc, scene_ir)
    _world(sc, scene_ir)
    shot = scene_ir.shots[0]
    spheres = shot.items[0]
    cam_ir = shot.camera
    from scene_builders.blender import _camera, _light

    coll = sc.collection
    sc.camera = _camera(cam_ir, coll)
    for light in scene_ir.lights:
        _light(light, coll)
    bpy.ops.mesh.primitive_uv_sphere_add(segments=20, ring_count=10, radius=spheres.radius)
    proto = bpy.context.object
    mesh = proto.data
    bpy.data.objects.remove(proto)
    thumbs = scene_ir.images["sphere_atlas"]
    mats = _Materials(scene_ir, {})
    atlas_img = None
    if not per_object_materials:
        from scene_builders.blender import _image

        atlas_img = _image(thumbs)
        mats.images = {"sphere_atlas": atlas_img}
        shared = mats.get("sphere")
    tiles = thumbs.tile_uv(spheres.tiles)
    colors = srgb_to_linear(spheres.colors.values[-1])
    t0 = time.perf_counter()
    for i in range(spheres.count):
        obj = bpy.data.objects.new(f"sphere_{i:04d}", mesh)
        coll.objects.link(obj)
        if per_object_materials:
            u0, v0, u1, v1 = tiles[i]
            h, w = thumbs.pixels.shape[:2]
            px = thumbs.pixels[
                round((1 - v1) * h) : round((1 - v0) * h), round(u0 * w) : round(u1 * w)
            ]
            img = bpy.data.images.new(f"galaxy_{i:04d}", px.shape[1], px.shape[0], alpha=True)
            img.pixels.foreach_set(np.ascontiguousarray(px[::-1], np.float32).ravel() / 255)
            img.pack()
            mat = bpy.data.materials.new(f"galaxy_{i:04d}")
            mat.cycles.emission_sampling = "NONE"
            nt = mat.node_tree
            bsdf = nt.nodes["Principled BSDF"]
            tex = nt.nodes.new("ShaderNodeTexImage")
            tex.image = img
            mix = nt.nodes.new("ShaderNodeMix")
            mix.data_type, mix.blend_type = "RGBA", "MULTIPLY"
            mix.inputs["Factor"].default_value = 1.0
            mix.inputs["B"].default_value = tuple(colors[i])
            nt.links.new(tex.outputs["Color"], mix.inputs["A"])
            nt.links.new(mix.outputs["Result"], bsdf.inputs["Base Color"])
            nt.links.new(mix.outputs["Result"], bsdf.inputs["Emission Color"])
            bsdf.inputs["Emission Strength"].default_value = 0.5
            slot_mat = mat
        else:
            slot_mat = shared
            obj["gr_tile_lo"] = [float(tiles[i, 0]), float(tiles[i, 1]), 0.0]
            obj["gr_tile_hi"] = [float(tiles[i, 2]), float(tiles[i, 3]), 0.0]
            obj["gr_color"] = [float(x) for x in colors[i]]
        if not mesh.materials:
            mesh.materials.append(None)
        obj.material_slots[0].link = "OBJECT"
        obj.material_slots[0].material = slot_mat
        from scene_builders.ir import Keys

        pos = spheres.positions
        animate(obj, _channels("location", Keys(pos.frames, pos.values[:, i], pos.interpolation)))
    if not per_object_materials:
        # The shared atlas material reads per-object custom properties, not instancer ones.
        for nd in shared.node_tree.nodes:
            if nd.type == "ATTRIBUTE":
                nd.attribute_type = "OBJECT"
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    bpy.ops.wm.save_as_mainfile(filepath=str(path), compress=True)
    save = time.perf_counter() - t0
    return build + save


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=120)
    ap.add_argument("--catalog", type=int, default=1000)
    ap.add_argument("--final-shots", type=int, default=1, help="shots rendered at final (slow)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="galaxyreel-bench-"))
    os.environ.setdefault("BLENDER_USER_RESOURCES", str(tmp / "blender-user"))

    from scene_builders.build import build_scene
    from scene_builders.look import load_look
    from scene_builders.sample_run import make_sample_run

    run = make_sample_run(
        iterations=args.iterations, checkpoints=11, catalog=args.catalog, units=1024, thumb=64
    )
    print(
        f"run: {args.iterations} iterations x 1024 units, {args.catalog} galaxies, 11 checkpoints"
    )
    print(f"cpus: {os.cpu_count()}  load average before: {os.getloadavg()[0]:.1f}")
    t = time.perf_counter()
    scene, _ = build_scene(run, load_look(None, "preview"))
    print(f"build IR (6 shots, {scene.frame_end} frames): {time.perf_counter() - t:.2f} s")

    import bpy

    from scene_builders.blender import write_blend

    blend = tmp / "preview.blend"
    t = time.perf_counter()
    write_blend(scene, blend)
    print(f"write_blend: {time.perf_counter() - t:.2f} s, {_size(blend):.1f} MB")

    ncpu = os.cpu_count() or 1
    mids = [(s.first_frame + s.last_frame) // 2 for s in scene.shots]
    # A throw-away render first: it pays the one-off kernel and scene set-up.
    bpy.ops.wm.open_mainfile(filepath=str(blend))
    _render_times(bpy, [1], repeat=1)
    pre = _render_times(bpy, mids)
    print(
        f"\npreview (Cycles, 640x360, {scene.samples} samples, no denoiser, 0 bounces), "
        f"s/frame wall | cpu | idle estimate (cpu/{ncpu}):"
    )
    for s, (w, c) in zip(scene.shots, pre, strict=True):
        print(f"  {s.name:<20} {w:6.2f} | {c:5.2f} | {c / ncpu:5.2f}")
    weights = np.array([s.frames for s in scene.shots], float)
    wall = float(np.dot(weights, [w for w, _ in pre]) / weights.sum())
    idle = float(np.dot(weights, [c for _, c in pre]) / weights.sum()) / ncpu
    print(
        f"  film-weighted mean   {wall:6.2f} |       | {idle:5.2f}  -> {scene.frame_end} frames: "
        f"{wall * scene.frame_end / 60:.1f} min here now, ~{idle * scene.frame_end / 60:.1f} min idle"
    )

    if args.final_shots:
        fscene, _ = build_scene(run, load_look(None, "final"))
        fblend = tmp / "final.blend"
        write_blend(fscene, fblend)
        bpy.ops.wm.open_mainfile(filepath=str(fblend))
        picks = [len(fscene.shots) - 1, 0, 4, 3, 2, 1][: args.final_shots]
        fin = _render_times(bpy, [mids[i] for i in picks], repeat=1)
        print(
            f"\nfinal (Cycles, 1920x1080, {fscene.samples} samples, OpenImageDenoise, "
            "4 bounces), s/frame wall | cpu | idle estimate:"
        )
        for i, (w, c) in zip(picks, fin, strict=True):
            print(
                f"  {fscene.shots[i].name:<20} {w:6.1f} | {c:5.1f} | {c / ncpu:5.1f}"
                f"   ({c / pre[i][1]:.0f}x preview cpu)"
            )

    # ---- the t-SNE shot: instances + atlas vs 1000 objects (own materials / shared atlas)
    print(f"\nt-SNE shot, {args.catalog} spheres, preview preset, measured back to back:")
    tscene, _ = build_scene(run, load_look(None, "preview"), ["tsne"])
    frame = int(tscene.shots[0].items[0].positions.frames[-1])
    rows = []
    a = tmp / "tsne_instances.blend"
    t = time.perf_counter()
    write_blend(tscene, a)
    rows.append(("GN instances + 1 atlas material", time.perf_counter() - t, a))
    b = tmp / "tsne_objects_materials.blend"
    rows.append(("1000 objects + 1000 materials", _naive_objects(bpy, run, tscene, True, b), b))
    c = tmp / "tsne_objects_atlas.blend"
    rows.append(("1000 objects + 1 atlas material", _naive_objects(bpy, run, tscene, False, c), c))
    results = []
    for label, write_s, path in rows:
        bpy.ops.wm.open_mainfile(filepath=str(path))
        _render_times(bpy, [frame - 4], repeat=1)  # set-up, not counted
        wall, cpu = _render_times(bpy, [frame - 2], repeat=2)[0]
        results.append((label, write_s, _size(path), wall, cpu))
    base = results[0]
    print(
        f"  {'variant':<34} {'write s':>8} {'MB':>7} {'wall s/f':>8} {'cpu s/f':>8}   ratios vs ours"
    )
    for label, w, mb, sec, cpu in results:
        print(
            f"  {label:<34} {w:8.2f} {mb:7.2f} {sec:8.2f} {cpu:8.2f}   "
            f"write x{w / base[1]:.1f}  size x{mb / base[2]:.1f}  render cpu x{cpu / base[4]:.1f}"
        )
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
