"""Build the film's real scene (scene_builders, write_blend) tiny: 2 frames a shot, 32x18.

usage: python make_real_scene.py OUT_DIR   -> OUT_DIR/film.blend + OUT_DIR/timeline.json
Run in a subprocess: write_blend resets the process's Blender.
"""

import dataclasses
import sys
from pathlib import Path

from scene_builders.blender import write_blend
from scene_builders.build import build_scene
from scene_builders.cli import write_timeline
from scene_builders.look import load_look
from scene_builders.sample_run import make_sample_run

out = Path(sys.argv[1])
run = make_sample_run(iterations=12, checkpoints=3, catalog=24, units=32, thumb=8)
look = load_look(None, "preview")
look = dataclasses.replace(
    look,
    resolution=(32, 18),
    samples=1,
    durations={k: 2.0 / look.fps for k in look.durations},
)
scene, skipped = build_scene(run, look)
write_blend(scene, out / "film.blend")
write_timeline(scene, out / "timeline.json")
print(len(scene.shots), scene.frame_start, scene.frame_end, skipped)
