"""Write a tiny animated .blend (run in a subprocess: the test process never imports bpy).

usage: python make_blend.py OUT.blend FRAMES [ENGINE]
A keyed cube in front of a camera, a sun, 32x18 px, Cycles 1 sample (or Workbench).
"""

import sys

import bpy

path, frames = sys.argv[1], int(sys.argv[2])
engine = sys.argv[3] if len(sys.argv) > 3 else "CYCLES"
bpy.ops.wm.read_factory_settings(use_empty=True)
scene = bpy.context.scene
scene.frame_start, scene.frame_end = 1, frames
r = scene.render
r.engine = engine
r.resolution_x, r.resolution_y, r.resolution_percentage = 32, 18, 100
r.fps = 24
if engine == "CYCLES":
    scene.cycles.samples = 1
    scene.cycles.use_denoising = False
    scene.cycles.device = "CPU"
mesh = bpy.data.meshes.new("cube")
v = [(x, y, z) for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)]
f = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
mesh.from_pydata(v, [], f)
cube = bpy.data.objects.new("cube", mesh)
scene.collection.objects.link(cube)
for fr, x in ((1, -2.0), (frames, 2.0)):
    cube.location = (x, 0.0, 0.0)
    cube.keyframe_insert("location", frame=fr)
cam = bpy.data.objects.new("cam", bpy.data.cameras.new("cam"))
cam.location = (0.0, -10.0, 0.0)
cam.rotation_euler = (1.5708, 0.0, 0.0)
scene.collection.objects.link(cam)
scene.camera = cam
sun = bpy.data.objects.new("sun", bpy.data.lights.new("sun", "SUN"))
sun.rotation_euler = (0.6, 0.2, 0.0)
scene.collection.objects.link(sun)
world = bpy.data.worlds.new("w")
world.color = (0.05, 0.05, 0.08)
scene.world = world
bpy.ops.wm.save_as_mainfile(filepath=path)
