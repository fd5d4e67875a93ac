"""`render`, `resume`: plan a frames folder, then hand its chunks to a backend.

A frames folder is planned once (manifest.json); running `render` again on the same folder
with the same scene and settings resumes it, rendering only chunks that still miss a frame.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import FarmError
from .framelist import collect, read_timeline
from .framespec import parse_frames
from .manifest import (
    FORMAT,
    VERSION,
    load_manifest,
    manifest_path,
    read_attempts,
    read_json,
    save_manifest,
)
from .plan import frame_costs, make_chunks, probe_frames
from .state import farm_status

BACKENDS = ("local", "slurm", "pbs", "torque", "dask")
RENDERERS = ("bpy", "blender", "maya")
UNPROBED_LOAD = 8.0  # in frame units: without a probe, a chunk is at least ~32 frames (or 1/slot)


@dataclass(frozen=True)
class RenderResult:
    out_dir: Path
    backend: str
    frames_total: int
    frames_rendered: int  # by this call
    frames_skipped: int  # already done and verified before this call
    frames_missing: int  # still missing or corrupt afterwards (0 when complete)
    chunks: int
    chunks_run: int
    wall_s: float
    load_s: float | None  # mean per-chunk load (bpy import + .blend open)
    frame_s: float | None  # mean seconds per rendered frame
    jobs: tuple[str, ...] = ()
    frames_json: Path | None = None

    @property
    def complete(self) -> bool:
        return self.frames_missing == 0


def parse_resolution(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise FarmError(f"bad resolution {text!r}; write WxH, e.g. 320x180") from None
    if w < 1 or h < 1:
        raise FarmError(f"bad resolution {text!r}: width and height must be >= 1")
    return w, h


def inspect_scene(
    blend: Path, *, resolution=None, samples=None, threads=None, probe=(), out=None
) -> dict:
    """Scene facts (and probe timings) from a bpy subprocess: this process never imports bpy."""
    from .local import worker_env

    with tempfile.TemporaryDirectory() as td:
        js = Path(td) / "inspect.json"
        cmd = [
            sys.executable,
            "-m",
            "render_farm.worker",
            "--inspect",
            str(blend),
            "--json",
            str(js),
        ]
        if resolution:
            cmd += ["--resolution", f"{resolution[0]}x{resolution[1]}"]
        if samples:
            cmd += ["--samples", str(samples)]
        if threads:
            cmd += ["--threads", str(threads)]
        if probe:
            cmd += ["--probe", ",".join(map(str, probe)), str(out)]
        p = subprocess.run(cmd, capture_output=True, text=True, env=worker_env())
        if p.returncode != 0 or not js.exists():
            tail = (p.stderr or p.stdout).strip().splitlines()[-3:]
            raise FarmError(f"{blend}: Blender could not open or render it: {' | '.join(tail)}")
        return read_json(js)


def plan(
    blend: Path,
    out: Path,
    *,
    frames: str | None,
    backend: str,
    renderer: str,
    resolution,
    samples,
    chunk,
    slots: int,
    threads,
    probe: bool | None,
    progress: bool,
) -> dict:
    """Inspect (and maybe probe) the scene, cut the frames into chunks, write the manifest."""
    timeline = read_timeline(blend)
    shots = timeline["shots"] if timeline else []
    if renderer == "maya":
        # Maya scenes cannot be opened here: the plan comes from the options and the timeline.
        size = resolution or (
            tuple(timeline["resolution"]) if timeline and "resolution" in timeline else None
        )
        if size is None or (frames is None and not timeline):
            raise FarmError(
                f"{blend}: for the Maya renderer give --resolution and --frames (or a timeline.json beside it)"
            )
        info = {
            "fps": (timeline or {}).get("fps"),
            "resolution": list(size),
            "load_s": None,
            "probe": {},
        }
        if frames is None:
            info["frame_start"], info["frame_end"], info["frame_step"] = (
                timeline["frame_start"],
                timeline["frame_end"],
                1,
            )
    else:
        info = inspect_scene(blend, resolution=resolution, samples=samples, threads=threads)
    wanted = (
        parse_frames(frames)
        if frames
        else list(
            range(
                int(info["frame_start"]),
                int(info["frame_end"]) + 1,
                int(info.get("frame_step", 1) or 1),
            )
        )
    )
    if probe is None:
        probe = (
            backend == "local"
            and renderer == "bpy"
            and len(shots) >= 2
            and len(wanted) >= 12 * len(shots)
        )
    out.mkdir(parents=True, exist_ok=True)
    source = "uniform"
    per_shot: dict[str, float] = {}
    load = UNPROBED_LOAD
    if probe and renderer != "maya":
        picks = probe_frames(wanted, shots) if shots else [wanted[len(wanted) // 2]]
        if progress:
            print(f"render: probing {len(picks)} frame(s), one per shot", file=sys.stderr)
        pinfo = inspect_scene(
            blend, resolution=resolution, samples=samples, threads=threads, probe=picks, out=out
        )
        from .plan import shot_of

        for f, secs in pinfo["probe"].items():
            per_shot[shot_of(int(f), shots) or "-"] = float(secs)
        load = float(pinfo["load_s"])
        source = "probe"
    costs = frame_costs(wanted, shots, per_shot)
    chunks = make_chunks(wanted, costs, slots=slots, load=load, chunk=chunk, shots=shots)
    m = {
        "format": FORMAT,
        "version": VERSION,
        "blend": str(blend),
        "blend_sha256": scene_digest(blend),
        "renderer": renderer,
        "blender_binary": os.environ.get("GALAXYREEL_BLENDER")
        or (shutil.which("blender") if renderer == "blender" else None),
        "maya_render": shutil.which("Render") if renderer == "maya" else None,
        "backend": backend,
        "frames": wanted,
        "resolution": list(info["resolution"]),
        "resolution_override": list(resolution) if resolution else None,
        "samples": samples,
        "threads": threads,
        "fps": info.get("fps"),
        "engine": info.get("engine"),
        "python": sys.executable,
        "created": time.time(),
        "estimate": {"source": source, "load_s": info.get("load_s"), "per_shot_s": per_shot},
        "chunks": [
            {"index": c.index, "frames": list(c.frames), "cost": round(c.cost, 4)} for c in chunks
        ],
        "submissions": [],
    }
    save_manifest(out, m)
    return m


def scene_digest(path: Path) -> str:
    """sha256 of the scene file: a rebuilt scene makes the folder's frames stale."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _set_aside_stale(out: Path, blend: Path, progress: bool) -> None:
    """The scene changed since this folder was planned: move its frames and manifest to
    ``.farm/stale/<time>/`` (kept, not deleted) so the folder is planned afresh."""
    st = farm_status(out)
    if st.live_chunks:
        raise FarmError(
            f"{out}: {blend.name} changed since this folder was planned, but chunks "
            f"{', '.join(map(str, st.live_chunks))} of the old plan are still rendering; "
            "wait for them (or cancel them) and run again"
        )
    dest = out / ".farm" / "stale" / time.strftime("%Y%m%d-%H%M%S")
    dest.mkdir(parents=True, exist_ok=True)
    moved = 0
    for f in list(out.glob("[0-9]*.png")) + [out / "frames.json", out / "manifest.json"]:
        if f.exists():
            os.replace(f, dest / f.name)
            moved += 1
    chunks = out / ".farm" / "chunks"
    if chunks.exists():
        os.replace(chunks, dest / "chunks")
    if progress:
        print(f"render: {blend.name} changed since {out} was planned; moved its {moved} files "
              f"to {dest} and planning afresh", file=sys.stderr)  # fmt: skip


def _check_same_plan(
    m: dict, blend: Path, out: Path, *, renderer, resolution, samples, frames
) -> None:
    def differ(what, old, new):
        raise FarmError(
            f"{manifest_path(out)}: this folder was planned with {what} {old!r}, not {new!r}; "
            "use another --out (nothing was changed)"
        )

    if Path(m["blend"]) != blend:
        differ("scene", m["blend"], str(blend))
    if m.get("renderer", "bpy") != renderer:
        differ("renderer", m.get("renderer"), renderer)
    if resolution and list(resolution) != m.get("resolution_override"):
        differ("resolution", m.get("resolution_override"), list(resolution))
    if samples and samples != m.get("samples"):
        differ("samples", m.get("samples"), samples)
    if frames and parse_frames(frames) != m["frames"]:
        differ("frames", m["frames"], frames)


def render(
    blend: Path,
    out_dir: Path,
    *,
    frames: str | None = None,
    backend: str = "local",
    resolution: tuple[int, int] | None = None,
    samples: int | None = None,
    chunk: int | None = None,
    workers: int | None = None,
    progress: bool = True,
    threads: int | None = None,
    renderer: str = "bpy",
    probe: bool | None = None,
    retries: int = 2,
    wait: bool = True,
    dry_run: bool = False,
    partition: str | None = None,
    time_limit: str | None = None,
    mem: str | None = None,
    max_parallel: int | None = None,
) -> RenderResult:
    """Render ``blend``'s frames into ``out_dir/####.png`` (resuming a folder planned before).

    ``backend``: local (a process pool here), slurm (job array + collect job, retried in the
    cluster), pbs / torque (job array scripts + qsub). With ``wait`` (the default) the call
    returns when the frames are complete or the retries are spent; Slurm and PBS work needs no
    process on the login node otherwise (`galaxyreel farm status` follows it).
    """
    t0 = time.time()
    if backend not in BACKENDS:
        raise FarmError(f"unknown backend {backend!r}; choose from {', '.join(BACKENDS)}")
    if renderer not in RENDERERS:
        raise FarmError(f"unknown renderer {renderer!r}; choose from {', '.join(RENDERERS)}")
    if backend == "dask":
        raise FarmError("the dask backend is not built yet; use local, slurm or pbs")
    blend = Path(blend).resolve()
    out = Path(out_dir).resolve()
    if not blend.is_file():
        raise FarmError(f"{blend}: no such scene file")
    if out.exists() and not out.is_dir():
        raise FarmError(f"{out}: exists and is not a folder")
    if "#" in str(out) and renderer == "bpy":
        raise FarmError(
            f"{out}: Blender replaces '#' in output paths with the frame number; choose a folder without '#'"
        )
    if backend == "local":
        w0, t_ = _local_shape(workers, threads)
        slots, threads = w0, t_
    else:
        slots = max_parallel or 4
    if manifest_path(out).exists() and load_manifest(out).get("blend_sha256") not in (
        None,
        scene_digest(blend),
    ):
        _set_aside_stale(out, blend, progress)
    if manifest_path(out).exists():
        m = load_manifest(out)
        _check_same_plan(
            m, blend, out, renderer=renderer, resolution=resolution, samples=samples, frames=frames
        )
        if threads and threads != m.get("threads"):
            m["threads"] = threads
            save_manifest(out, m)
    else:
        m = plan(blend, out, frames=frames, backend=backend, renderer=renderer, resolution=resolution, samples=samples,
                 chunk=chunk, slots=slots, threads=threads, probe=probe, progress=progress)  # fmt: skip
    return run_plan(out, m, backend=backend, workers=workers, threads=threads, progress=progress, retries=retries,
                    wait=wait, dry_run=dry_run, partition=partition, time_limit=time_limit, mem=mem,
                    max_parallel=max_parallel, t0=t0)  # fmt: skip


def _local_shape(workers, threads) -> tuple[int, int]:
    from .local import default_shape

    dw, dt = default_shape()
    cpus = os.cpu_count() or 1
    if workers and not threads:
        return workers, max(1, cpus // workers)
    if threads and not workers:
        return max(1, cpus // threads), threads
    return workers or dw, threads or dt


def resume(
    out_dir: Path, *, backend: str | None = None, progress: bool = True, **options
) -> RenderResult:
    """Render only what is missing or corrupt in a planned folder (on its backend by default)."""
    out = Path(out_dir).resolve()
    m = load_manifest(out)
    backend = backend or m.get("backend", "local")
    workers, threads = options.pop("workers", None), options.pop("threads", None)
    if backend == "local":
        workers, threads = _local_shape(workers, threads)
    return run_plan(
        out,
        m,
        backend=backend,
        workers=workers,
        threads=threads,
        progress=progress,
        t0=time.time(),
        **options,
    )


def run_plan(out: Path, m: dict, *, backend: str, workers, threads, progress, retries=2, wait=True, dry_run=False,
             partition=None, time_limit=None, mem=None, max_parallel=None, t0: float) -> RenderResult:  # fmt: skip
    if not Path(m["blend"]).is_file():
        raise FarmError(
            f"{manifest_path(out)}: its scene {m['blend']} is gone; nothing to render from"
        )
    st = farm_status(out, m)
    todo = list(st.incomplete_chunks)
    skipped = len(st.done)
    if st.running:
        print(
            f"render: chunks {', '.join(map(str, st.live_chunks))} are being rendered by live workers; leaving them",
            file=sys.stderr,
        )
    jobs: tuple[str, ...] = ()
    # This call's attempts are the ones recorded after these (counted by position, not by
    # start time: a worker killed a second ago started within any clock slop we could allow).
    seen = {i: len(read_attempts(out, i)) for i in todo}
    if todo:
        if backend == "local":
            from .local import run_local

            if dry_run:
                raise FarmError("--dry-run writes job scripts; it applies to slurm and pbs only")
            run_local(out, todo, workers=workers or 1, threads=threads, retries=retries,
                      todo_frames=len(st.missing), progress=progress)  # fmt: skip
        elif backend == "slurm":
            from .slurm import follow, submit

            sub = submit(out, m, todo, partition=partition, time_limit=time_limit, mem=mem,
                         max_parallel=max_parallel, threads=threads, retries=retries, dry_run=dry_run, round_=0)  # fmt: skip
            jobs = tuple(
                j for j in (sub.get("job"), sub.get("collect_job"), sub.get("retry_job")) if j
            )
            if wait and not dry_run:
                follow(out, todo_frames=len(st.missing), progress=progress)
        elif backend in ("pbs", "torque"):
            from .pbs import submit_pbs

            sub = submit_pbs(out, m, todo, flavour=backend, partition=partition, time_limit=time_limit, mem=mem,
                             max_parallel=max_parallel, threads=threads, dry_run=dry_run)  # fmt: skip
            jobs = tuple(j for j in (sub.get("job"), sub.get("collect_job")) if j)
        else:
            raise FarmError(f"unknown backend {backend!r}")
    after = farm_status(out)
    frames_json = None
    if after.complete and backend == "local":
        frames_json = collect(out)
    elif after.complete and (out / "frames.json").exists():
        frames_json = out / "frames.json"
    rendered, loads, ftimes = 0, [], []
    for i in todo:
        for a in read_attempts(out, i)[seen[i] :]:
            rendered += len(a.get("frames", {}))
            ftimes += list(a.get("frames", {}).values())
            if a.get("load_s") is not None:
                loads.append(float(a["load_s"]))
    return RenderResult(
        out_dir=out,
        backend=backend,
        frames_total=after.total,
        frames_rendered=rendered,
        frames_skipped=skipped,
        frames_missing=after.total - len(after.done),
        chunks=len(m["chunks"]),
        chunks_run=len(todo),
        wall_s=round(time.time() - t0, 3),
        load_s=round(sum(loads) / len(loads), 4) if loads else None,
        frame_s=round(sum(ftimes) / len(ftimes), 4) if ftimes else None,
        jobs=jobs,
        frames_json=frames_json,
    )
