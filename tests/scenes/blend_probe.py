"""Run in a fresh Python (subprocess): open a .blend and report evaluated values as JSON.

``python blend_probe.py SCENE.blend REQUEST.json OUT.json``; the request lists
``{"object": name, "frame": f, "what": "vertices" | "points" | "visible" | "camera"}``.
Point sets are read by switching their ``Realize`` input on, so the numbers come out of the
same Geometry Nodes evaluation a render uses.
"""

from __future__ import annotations

import json
import sys

import numpy as np


def main(blend: str, request: str, out: str) -> int:
    import bpy

    from scene_builders.blender import set_realize

    bpy.ops.wm.open_mainfile(filepath=blend)
    set_realize(True)
    sc = bpy.context.scene
    results = []
    with open(request) as f:
        requests = json.load(f)
    for req in requests:
        frame = float(req["frame"])
        sc.frame_set(int(np.floor(frame)), subframe=frame - np.floor(frame))
        dg = bpy.context.evaluated_depsgraph_get()
        what = req["what"]
        obj = bpy.data.objects[req["object"]] if "object" in req else None
        if what == "visible":
            results.append(not obj.evaluated_get(dg).hide_render)
            continue
        if what == "camera":
            results.append(sc.camera.name)
            continue
        if what == "scene":
            results.append(
                {
                    "frame_start": sc.frame_start,
                    "frame_end": sc.frame_end,
                    "fps": sc.render.fps,
                    "filepath": sc.render.filepath,
                    "engine": sc.render.engine,
                    "markers": sorted(
                        [m.frame, m.name, m.camera.name] for m in sc.timeline_markers
                    ),
                    "objects": sorted(o.name for o in bpy.data.objects),
                    "images": {i.name: bool(i.packed_file) for i in bpy.data.images},
                }
            )
            continue
        ev = obj.evaluated_get(dg)
        me = ev.to_mesh()
        co = np.empty(len(me.vertices) * 3, np.float32)
        me.vertices.foreach_get("co", co)
        co = co.reshape(-1, 3)
        if what == "vertices":
            results.append(co.tolist())
        elif what == "points":
            n = int(req["count"])
            per = co.shape[0] // n
            centres = co.reshape(n, per, 3).mean(axis=1)
            col = np.empty(len(me.vertices) * 4, np.float32)
            me.attributes["gr_color"].data.foreach_get("color", col)
            col = col.reshape(n, per, 4)[:, 0]
            results.append({"centres": centres.tolist(), "colors": col.tolist()})
        ev.to_mesh_clear()
    with open(out, "w") as f:
        json.dump(results, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
