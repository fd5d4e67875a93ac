"""Add-on figures, measured in one run on this machine (2 shared cores: noisy, so each pair is
run back to back, A-B-A-B, and the best of two is kept).

1. "Rebuild shot" (one shot's collection replaced) vs rebuilding the whole film (what the
   button falls back to when timing changes), per shot, on a demo-size run (1000 galaxies,
   1024 units); and File > Import of the same run.
2. ``galaxyreel addon build`` with a warm wheel cache (the project wheel is rebuilt each time).

usage: .venv/bin/python bench/addon.py [--catalog 1000] [--units 1024]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def best(fn, n=2) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--catalog", type=int, default=1000)
    ap.add_argument("--units", type=int, default=1024)
    ap.add_argument("--iterations", type=int, default=60)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="galaxyreel-bench-addon-"))
    os.environ["BLENDER_USER_RESOURCES"] = str(tmp / "blender-user")

    from blender_addon.build import build_extension

    build_extension(tmp / "dist", progress=lambda m: None)  # fills the wheel cache if cold
    t_zip = best(lambda: build_extension(tmp / "dist", progress=lambda m: None))

    import bpy

    from scene_builders.runfile import write_run
    from scene_builders.sample_run import make_sample_run

    run = make_sample_run(
        iterations=a.iterations, catalog=a.catalog, units=a.units, thumb=32, checkpoints=11
    )
    path = write_run(tmp / "run.h5", run)
    repo = tmp / "repo"
    repo.mkdir()
    (repo / "galaxyreel").symlink_to(ROOT / "blender_addon", target_is_directory=True)
    bpy.ops.preferences.extension_repo_add(
        name="bench", type="LOCAL", custom_directory=str(repo), use_custom_directory=True
    )
    mod = next(r.module for r in bpy.context.preferences.extensions.repos if r.name == "bench")
    bpy.ops.preferences.addon_enable(module=f"bl_ext.{mod}.galaxyreel")

    t_import = best(lambda: bpy.ops.import_scene.galaxyreel_run(filepath=str(path)))
    s = bpy.context.scene.galaxyreel
    print(
        f"run: {a.iterations} iterations, {a.catalog} galaxies, {a.units} units; "
        f"{len(bpy.context.scene.galaxyreel.root.all_objects)} objects"
    )
    print(f"File > Import (read + build IR + build into the open file): {t_import:.2f} s")

    def full():
        # what the button does when timing changes: remove the import, build the whole film
        s.durations.tsne = s.durations.tsne + 0.5
        bpy.ops.galaxyreel.rebuild_shot(shot="tsne")

    print(f"{'shot':<20} {'rebuild shot':>13} {'whole film':>11} {'ratio':>6}")
    for shot in s.shots.split(","):
        one, whole = [], []
        for _ in range(2):
            t = time.perf_counter()
            bpy.ops.galaxyreel.rebuild_shot(shot=shot)
            one.append(time.perf_counter() - t)
            t = time.perf_counter()
            full()
            whole.append(time.perf_counter() - t)
        print(f"{shot:<20} {min(one):>11.2f} s {min(whole):>9.2f} s {min(whole) / min(one):>5.1f}x")
    print(f"addon build, warm wheel cache: {t_zip:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
