"""Run in a subprocess: import a USD file with bpy and print evaluated positions as JSON.

argv: USD path, JSON request {"frames": [...], "meshes": [...], "objects": [...],
"instancers": [...]}; instances are [point index, prototype object, x, y, z]. Blender brings USD animation in as cache modifiers/constraints, so
everything is read from the evaluated depsgraph, never from keys.
"""

import json
import sys

import bpy

path, request = sys.argv[1], json.loads(sys.argv[2])
bpy.ops.wm.read_factory_settings(use_empty=True)
bpy.ops.wm.usd_import(filepath=path)
scene = bpy.context.scene
out = {
    "frame_start": scene.frame_start,
    "frame_end": scene.frame_end,
    "fps": scene.render.fps,
    "objects": sorted(o.name for o in bpy.data.objects),
    "frames": {},
}
for frame in request["frames"]:
    scene.frame_set(frame)
    dg = bpy.context.evaluated_depsgraph_get()
    got = {"meshes": {}, "objects": {}, "instancers": {}}
    for name in request["meshes"]:
        ev = bpy.data.objects[name].evaluated_get(dg)
        me = ev.to_mesh()
        got["meshes"][name] = [list(ev.matrix_world @ v.co) for v in me.vertices]
        ev.to_mesh_clear()
    for name in request["objects"]:
        ev = bpy.data.objects[name].evaluated_get(dg)
        got["objects"][name] = [list(row) for row in ev.matrix_world]
    for inst in dg.object_instances:
        if inst.is_instance and inst.parent and inst.parent.name in request["instancers"]:
            got["instancers"].setdefault(inst.parent.name, []).append(
                [inst.persistent_id[1], inst.instance_object.name, *inst.matrix_world.translation]
            )
    out["frames"][str(frame)] = got
print("PROBE" + json.dumps(out))
