"""Farm figures, measured in one run on this machine (2 cores, shared: figures are noisy, so
each comparison is run back to back, A-B-A-B, and the best of two is kept).

1. local: frames/s with 1 worker x 1 thread vs the local default, and vs 2 workers x 1 thread
   (the choice the default was made against);
2. per-chunk overhead (bpy import + .blend load) vs seconds per frame;
3. Slurm (when the local cluster is up): scheduling overhead per array task = the time from
   "a slot is free" (submission, or the previous task on that node ending) to the task's
   process starting, plus the whole chain's wall time vs the same frames on the local pool.

usage: .venv/bin/python bench/farm.py [--frames-per-shot 4] [--size 160x90] [--samples 4]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import render_farm  # noqa: E402
from render_farm.local import default_shape  # noqa: E402
from render_farm.manifest import read_attempts  # noqa: E402

BUILD = """
import dataclasses, sys
from pathlib import Path
from scene_builders.blender import write_blend
from scene_builders.build import build_scene
from scene_builders.cli import write_timeline
from scene_builders.look import load_look
from scene_builders.sample_run import make_sample_run
out, per_shot, w, h, samples = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
run = make_sample_run(iterations=40, checkpoints=5, catalog=200, units=128, thumb=16)
look = load_look(None, "preview")
look = dataclasses.replace(look, resolution=(w, h), samples=samples,
                           durations={k: per_shot / look.fps for k in look.durations})
scene, _ = build_scene(run, look)
write_blend(scene, out / "film.blend")
write_timeline(scene, out / "timeline.json")
"""


def build_scene(d: Path, per_shot: int, size: tuple[int, int], samples: int) -> Path:
    subprocess.run([sys.executable, "-c", BUILD, str(d), str(per_shot), *map(str, size), str(samples)],
                   check=True, capture_output=True, cwd=ROOT)  # fmt: skip
    return d / "film.blend"


def local_run(blend: Path, work: Path, tag: str, workers: int, threads: int, n: int):
    out = work / f"local-{tag}-{time.time_ns()}"
    chunk = -(-n // workers)  # one chunk per worker: every shape pays the same loads per process
    r = render_farm.render(blend, out, workers=workers, threads=threads, chunk=chunk,
                           probe=False, progress=False)  # fmt: skip
    assert r.complete, r
    # render wall without the planning inspect (same for every shape)
    atts = [a for i in range(r.chunks) for a in read_attempts(out, i)]
    wall = max(a["ended"] for a in atts) - min(a["started"] for a in atts)
    shutil.rmtree(out)
    return n / wall, atts


def slurm_up() -> bool:
    if not shutil.which("sinfo"):
        return False
    p = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True)
    return p.returncode == 0 and bool(p.stdout.strip())


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames-per-shot", type=int, default=4)
    ap.add_argument("--size", default="160x90")
    ap.add_argument("--samples", type=int, default=4)
    a = ap.parse_args()
    size = tuple(int(v) for v in a.size.split("x"))
    work = Path(tempfile.mkdtemp(prefix="bench-farm-"))
    try:
        t = time.time()
        blend = build_scene(work, a.frames_per_shot, size, a.samples)
        n = json.loads((work / "timeline.json").read_text())["frame_end"]
        print(f"scene: the film's 6 shots, {n} frames, {size[0]}x{size[1]}, Cycles {a.samples} "
              f"samples (built in {time.time() - t:.1f} s)")  # fmt: skip
        dw, dt = default_shape()
        shapes = {"1x1": (1, 1), "default": (dw, dt), "2x1": (2, 1)}
        best: dict[str, float] = {}
        loads, frames = [], []
        for _round in range(2):
            for tag, (w, th) in shapes.items():
                fps, atts = local_run(blend, work, tag, w, th, n)
                best[tag] = max(best.get(tag, 0.0), fps)
                loads += [x["load_s"] for x in atts if x.get("load_s")]
                frames += [s for x in atts for s in x["frames"].values()]
        print(f"\n1. local pool, frames/s (best of 2, workers x threads; default = {dw}x{dt}):")
        for tag, (w, th) in shapes.items():
            print(f"   {tag:8s} {w}x{th}: {best[tag]:6.2f} frames/s")
        print(f"   default / 1 worker x 1 thread = {best['default'] / best['1x1']:.2f}x")
        print(f"   default / 2 workers x 1 thread = {best['default'] / best['2x1']:.2f}x")
        lo, fr = sum(loads) / len(loads), sum(frames) / len(frames)
        print("\n2. per chunk: load (bpy import + .blend open) vs frame time")
        print(f"   load {lo:.2f} s/chunk, frame {fr:.3f} s/frame (all shapes): one load = "
              f"{lo / fr:.1f} frames; a chunk of {max(1, round(4 * lo / fr))} frames keeps the "
              "load under 20%")  # fmt: skip

        print("\n3. Slurm (local cluster, job array, collect + retry jobs)")
        if not slurm_up():
            print("   not available (start render_farm/cluster/start-local-slurm.sh as root)")
            return 0
        out = work / "slurm"
        chunk = max(1, n // 8)
        t = time.time()
        r = render_farm.render(blend, out, backend="slurm", chunk=chunk, progress=False)
        wall = time.time() - t
        assert r.complete, r
        m = json.loads((out / "manifest.json").read_text())
        sub = m["submissions"][0]["time"]
        atts = sorted((a for c in m["chunks"] for a in c["attempts"]), key=lambda a: a["started"])
        free: dict[str, float] = {}
        gaps = []
        for x in atts:
            ready = free.get(x["node"], sub)
            gaps.append(x["started"] - ready)
            free[x["node"]] = x["ended"]
        busy = sum(x["ended"] - x["started"] for x in atts)
        nodes = sorted({x["node"] for x in atts})
        print(f"   {len(atts)} tasks of {chunk} frames on nodes {', '.join(nodes)}; "
              f"wall {wall:.1f} s from sbatch to frames.json (in tasks: {busy:.1f} s of work)")  # fmt: skip
        print(f"   scheduling overhead per task: mean {sum(gaps) / len(gaps):.2f} s, "
              f"max {max(gaps):.2f} s (slot free -> task process started)")  # fmt: skip
        last_end = max(x["ended"] for x in atts)
        print(f"   collect job: frames.json written {(out / 'frames.json').stat().st_mtime - last_end:.2f} s "
              "after the last task ended")  # fmt: skip
        t = time.time()
        r2 = render_farm.render(
            blend, work / "local-same", chunk=chunk, probe=False, progress=False
        )
        lw = time.time() - t
        print(f"   same {len(atts)} chunks on the local pool ({dw}x{dt}): {lw:.1f} s; "
              f"slurm / local wall = {wall / lw:.2f}x (1-CPU nodes, 2 at once)")  # fmt: skip
        assert r2.complete
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
