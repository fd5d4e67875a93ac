"""The `local` backend: a pool of worker processes on this machine, one process per chunk.

Default shape, measured by ``bench/farm.py`` on this 2-core machine with Cycles: one process
using every core beats one single-thread process per core (each process pays the bpy import
and .blend load, and Cycles scales well across threads within a frame), so ``workers=1,
threads=cpu_count`` unless told otherwise.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from .manifest import farm_dir, read_attempts

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_shape(cpus: int | None = None) -> tuple[int, int]:
    """(workers, threads per worker) for this machine."""
    cpus = cpus or os.cpu_count() or 1
    return 1, cpus


def worker_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(PROJECT_ROOT) + (
        os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""
    )
    return env


def worker_command(out: Path, index: int, threads: int | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "render_farm.worker", str(out), "--chunk", str(index)]
    if threads:
        cmd += ["--threads", str(threads)]
    return cmd


def rendered_since(out: Path, indices, since: float) -> int:
    """Frames rendered by attempts that started at or after ``since``."""
    n = 0
    for i in indices:
        for a in read_attempts(out, i):
            if float(a.get("started", 0)) >= since - 1.0:
                n += len(a.get("frames", {}))
    return n


def run_local(
    out: Path,
    indices: list[int],
    *,
    workers: int,
    threads: int | None,
    retries: int = 0,
    todo_frames: int = 0,
    progress: bool = True,
) -> dict[int, int]:
    """Run the chunks ``indices`` through a pool of ``workers`` processes; chunk -> exit code.

    A chunk whose process fails is run again (up to ``retries`` times); the worker skips the
    frames that already verify, so a retry renders only what the failure left undone.
    """
    from tqdm import tqdm

    logs = farm_dir(out) / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    queue = list(indices)
    tries = {i: 0 for i in indices}
    running: dict[int, tuple[subprocess.Popen, object]] = {}
    codes: dict[int, int] = {}
    start = time.time()
    bar = tqdm(
        total=todo_frames, unit="frame", desc="render", disable=not progress, file=sys.stderr
    )
    env = worker_env()
    try:
        while queue or running:
            while queue and len(running) < workers:
                i = queue.pop(0)
                tries[i] += 1
                log = open(logs / f"chunk-{i:04d}.log", "ab")  # noqa: SIM115 - closed on exit
                p = subprocess.Popen(
                    worker_command(out, i, threads),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    env=env,
                )
                running[i] = (p, log)
            time.sleep(0.1)
            for i, (p, log) in list(running.items()):
                rc = p.poll()
                if rc is None:
                    continue
                log.close()
                del running[i]
                codes[i] = rc
                if rc != 0 and tries[i] <= retries:
                    queue.append(i)
            n = min(todo_frames, rendered_since(out, indices, start))
            if n != bar.n:
                bar.update(n - bar.n)
    except BaseException:
        for p, _log in running.values():
            p.terminate()
        for p, log in running.values():
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            log.close()
        raise
    finally:
        bar.close()
    return codes
