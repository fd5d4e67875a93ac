"""``python -m render_farm.worker OUT --chunk I``: render one chunk of the plan in OUT.

One process per chunk loads the scene once and renders the chunk's frames, each to a temporary
name, verified, then renamed to ``OUT/####.png``; a frame that already exists and verifies is
skipped, so a re-run (or a retried array task) renders only what is missing. The attempt
record (node, pid, load time, seconds per frame) is rewritten after every frame, which is also
the heartbeat `farm status` reads.

``--inspect BLEND --json FILE`` reads a scene's frame range, fps, engine and output size (with
overrides applied), and optionally probe-renders one frame per shot into OUT for the cost
estimate. Both modes import bpy inside functions: the rest of render_farm never does.

Testing hook (documented in docs/cluster.md): ``GALAXYREEL_FARM_FAILPOINT`` holds
comma-separated ``fail:CHUNK:ATTEMPT`` (exit 3 after that attempt's first frame, like a node
dying mid-chunk) and ``delay:SECONDS`` (sleep after each frame).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

T0 = time.time()

from .commands import blender_command, maya_command  # noqa: E402
from .errors import FarmError  # noqa: E402
from .framespec import frame_file, runs  # noqa: E402
from .manifest import (  # noqa: E402
    attempt_live,
    farm_dir,
    job_id,
    load_manifest,
    node_name,
    read_attempts,
    write_attempts,
    write_json,
)
from .png import png_problem  # noqa: E402


def _failpoints() -> dict:
    out: dict = {"fail": set(), "delay": 0.0}
    for item in filter(None, os.environ.get("GALAXYREEL_FARM_FAILPOINT", "").split(",")):
        parts = item.strip().split(":")
        if parts[0] == "fail" and len(parts) == 3:
            out["fail"].add((int(parts[1]), int(parts[2])))
        elif parts[0] == "delay" and len(parts) == 2:
            out["delay"] = float(parts[1])
    return out


def _tmp_name(out: Path, frame: int) -> Path:
    return out / f".tmp-{frame:04d}-{socket.gethostname()}-{os.getpid()}.png"


def _commit(tmp: Path, final: Path, size) -> None:
    """Verify the temporary file, then rename it over the final name (atomic on one filesystem)."""
    problem = png_problem(tmp, size)
    if problem:
        raise FarmError(f"{tmp}: rendered frame does not verify: {problem}")
    os.replace(tmp, final)


# ------------------------------------------------------------------------------------ bpy --
class BpyScene:
    """The .blend opened once in this process, with the plan's overrides applied."""

    def __init__(self, blend: Path, *, resolution=None, samples=None, threads=None):
        import bpy

        self.bpy = bpy
        bpy.ops.wm.open_mainfile(filepath=str(blend), load_ui=False)
        scene = bpy.context.scene
        r = scene.render
        if resolution:
            r.resolution_x, r.resolution_y = int(resolution[0]), int(resolution[1])
            r.resolution_percentage = 100
        if samples:
            if r.engine == "CYCLES":
                scene.cycles.samples = int(samples)
            elif hasattr(scene, "eevee"):
                scene.eevee.taa_render_samples = int(samples)
        if r.engine == "CYCLES":
            scene.cycles.device = "CPU"
        if threads:
            r.threads_mode = "FIXED"
            r.threads = int(threads)
        r.image_settings.file_format = "PNG"
        r.use_file_extension = False
        self.scene = scene

    def info(self) -> dict:
        s = self.scene
        r = s.render
        pct = r.resolution_percentage / 100.0
        return {
            "frame_start": s.frame_start,
            "frame_end": s.frame_end,
            "frame_step": s.frame_step,
            "fps": round(r.fps / r.fps_base, 6),
            "resolution": [int(r.resolution_x * pct), int(r.resolution_y * pct)],
            "engine": r.engine,
            "samples": int(s.cycles.samples) if r.engine == "CYCLES" else None,
        }

    def render(self, frame: int, path: Path) -> None:
        if "#" in str(path):
            raise FarmError(
                f"{path}: Blender would replace '#' in an output path; rename the folder"
            )
        self.scene.frame_set(frame)
        self.scene.render.filepath = str(path)
        self.bpy.ops.render.render(write_still=True)


# --------------------------------------------------------------------------------- worker --
def run_chunk(out: Path, index: int, *, threads: int | None = None) -> int:
    """Render chunk ``index`` of the plan in ``out``; 0 when every frame of it verifies."""
    out = Path(out).resolve()
    m = load_manifest(out)
    chunks = {int(c["index"]): c for c in m["chunks"]}
    if index not in chunks:
        raise FarmError(f"{out}/manifest.json: no chunk {index} (the plan has {len(chunks)})")
    frames = [int(f) for f in chunks[index]["frames"]]
    size = tuple(m["resolution"])
    lock_dir = farm_dir(out) / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    lock = open(lock_dir / f"{index:04d}.lock", "w")  # noqa: SIM115 - held for the whole chunk
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        print(f"chunk {index} is being rendered by another worker; leaving it", file=sys.stderr)
        return 0

    attempts = read_attempts(out, index)
    for a in attempts:
        if a.get("status") == "running" and not attempt_live(a):
            a["status"] = "interrupted"
    threads = threads or m.get("threads") or _scheduler_cpus()
    att = {
        "attempt": len(attempts) + 1,
        "node": node_name(),
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "job": job_id(),
        "started": T0,
        "heartbeat": time.time(),
        "status": "running",
        "renderer": m.get("renderer", "bpy"),
        "threads": threads,
        "load_s": None,
        "frames": {},
        "skipped": [],
    }
    attempts.append(att)

    def save():
        att["heartbeat"] = time.time()
        write_attempts(out, index, attempts)

    # Leftovers of a killed attempt: temporary names only, never counted as frames.
    for f in frames:
        for stale in glob.glob(str(out / f".tmp-{f:04d}-*.png")):
            with contextlib.suppress(OSError):
                os.unlink(stale)
    todo = [f for f in frames if png_problem(out / frame_file(f), size) is not None]
    att["skipped"] = [f for f in frames if f not in todo]
    save()
    fp = _failpoints()

    def on_term(signum, _frame):  # scancel, a time limit: record the attempt as failed
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    try:
        if todo:
            renderer = m.get("renderer", "bpy")
            if renderer == "bpy":
                _render_bpy(m, out, todo, size, threads, att, save, index, fp)
            elif renderer == "blender":
                _render_blender_binary(m, out, todo, size, threads, att, save)
            elif renderer == "maya":
                _render_maya(m, out, todo, size, att, save)
            else:
                raise FarmError(f"{out}/manifest.json: unknown renderer {renderer!r}")
        bad = [f for f in frames if png_problem(out / frame_file(f), size) is not None]
        att["status"] = "done" if not bad else "failed"
        if bad:
            att["error"] = f"{len(bad)} frame(s) do not verify after rendering"
    except BaseException as exc:
        att["status"] = "failed"
        att["error"] = f"{type(exc).__name__}: {exc}"
        att["ended"] = time.time()
        save()
        raise
    att["ended"] = time.time()
    save()
    return 0 if att["status"] == "done" else 1


def _scheduler_cpus() -> int | None:
    for var in ("SLURM_CPUS_PER_TASK", "NCPUS", "PBS_NUM_PPN"):
        if os.environ.get(var, "").isdigit():
            return int(os.environ[var])
    return None


def _render_bpy(m, out, todo, size, threads, att, save, index, fp) -> None:
    scene = BpyScene(
        Path(m["blend"]),
        resolution=m.get("resolution_override"),
        samples=m.get("samples"),
        threads=threads,
    )
    att["load_s"] = round(time.time() - T0, 4)
    save()
    for k, f in enumerate(todo):
        t = time.time()
        tmp = _tmp_name(out, f)
        scene.render(f, tmp)
        _commit(tmp, out / frame_file(f), size)
        att["frames"][str(f)] = round(time.time() - t, 4)
        save()
        if fp["delay"]:
            time.sleep(fp["delay"])
        if k == 0 and (index, att["attempt"]) in fp["fail"]:
            print(f"failpoint: chunk {index} attempt {att['attempt']} fails", file=sys.stderr)
            sys.stdout.flush()
            os._exit(3)


def _render_blender_binary(m, out, todo, size, threads, att, save) -> None:
    """One ``blender`` run per contiguous run of frames, into a temporary folder beside OUT."""
    blender = m.get("blender_binary") or shutil.which("blender")
    if not blender:
        raise FarmError(
            "renderer 'blender' chosen but no blender binary found (set GALAXYREEL_BLENDER)"
        )
    att["load_s"] = None  # included in each run's time
    for first, last in runs(todo):
        with tempfile.TemporaryDirectory(prefix=".tmp-blender-", dir=out) as tmpd:
            cmd = blender_command(
                blender,
                Path(m["blend"]),
                os.path.join(tmpd, "####"),
                first,
                last,
                threads=threads,
                resolution=m.get("resolution_override"),
                samples=m.get("samples"),
            )
            t = time.time()
            subprocess.run(cmd, check=True)
            per = (time.time() - t) / (last - first + 1)
            for f in range(first, last + 1):
                _commit(Path(tmpd) / frame_file(f), out / frame_file(f), size)
                att["frames"][str(f)] = round(per, 4)
            save()


def _render_maya(m, out, todo, size, att, save) -> None:
    render = m.get("maya_render") or shutil.which("Render")
    if not render:
        raise FarmError("renderer 'maya' chosen but Maya's Render command is not on PATH")
    for first, last in runs(todo):
        with tempfile.TemporaryDirectory(prefix=".tmp-maya-", dir=out) as tmpd:
            cmd = maya_command(
                render, Path(m["blend"]), Path(tmpd), first, last,
                resolution=m.get("resolution_override"),
            )  # fmt: skip
            t = time.time()
            subprocess.run(cmd, check=True)
            per = (time.time() - t) / (last - first + 1)
            for f in range(first, last + 1):
                found = glob.glob(
                    os.path.join(glob.escape(tmpd), "**", f"*.{f:04d}.png"), recursive=True
                )
                if not found:
                    raise FarmError(f"Maya wrote no image for frame {f} in {tmpd}")
                _commit(Path(found[0]), out / frame_file(f), size)
                att["frames"][str(f)] = round(per, 4)
            save()


# -------------------------------------------------------------------------------- inspect --
def inspect(
    blend: Path, *, resolution=None, samples=None, threads=None, probe=(), out=None
) -> dict:
    """Scene facts for planning, and (``probe``) seconds per probed frame, rendered into ``out``."""
    scene = BpyScene(blend, resolution=resolution, samples=samples, threads=threads)
    info = scene.info()
    info["load_s"] = round(time.time() - T0, 4)
    info["probe"] = {}
    if probe:
        out = Path(out)
        size = tuple(info["resolution"])
        for f in probe:
            t = time.time()
            final = out / frame_file(f)
            if png_problem(final, size) is not None:
                tmp = _tmp_name(out, f)
                scene.render(f, tmp)
                _commit(tmp, final, size)
            info["probe"][str(f)] = round(time.time() - t, 4)
    return info


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m render_farm.worker", description=__doc__.split("\n")[0]
    )
    p.add_argument("out", type=Path, nargs="?", help="the frames folder (holds manifest.json)")
    p.add_argument("--chunk", type=int, help="chunk index (= array task index)")
    p.add_argument("--threads", type=int)
    p.add_argument("--inspect", type=Path, metavar="BLEND")
    p.add_argument("--json", type=Path, help="--inspect: write the facts here")
    p.add_argument("--resolution", help="--inspect: WxH override")
    p.add_argument("--samples", type=int)
    p.add_argument(
        "--probe", default="", help="--inspect: comma-separated frames to probe into OUT"
    )
    a = p.parse_args(argv)
    try:
        if a.inspect:
            res = tuple(int(v) for v in a.resolution.split("x")) if a.resolution else None
            probe = [int(f) for f in a.probe.split(",") if f]
            info = inspect(
                a.inspect,
                resolution=res,
                samples=a.samples,
                threads=a.threads,
                probe=probe,
                out=a.out,
            )
            write_json(a.json, info)
            return 0
        if a.out is None or a.chunk is None:
            p.error("give OUT and --chunk I (or --inspect BLEND --json FILE)")
        return run_chunk(a.out, a.chunk, threads=a.threads)
    except FarmError as exc:
        print(f"render_farm.worker: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
