"""The frame manifest (``OUT/manifest.json``) and the per-chunk attempt records.

The manifest holds the plan (scene, frames, chunks, settings) and the submissions; it is
written by whoever plans or submits (the login node, a Slurm retry job, `farm collect`). Each
chunk's attempts (node, pid, job id, load time, per-frame seconds, outcome) are written by the
one worker running that chunk, to ``OUT/.farm/chunks/NNNN.json``: workers on many nodes never
write the same file, so no locking across nodes is needed. `farm collect` folds the attempts
back into the manifest. Every write is temp file + rename.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

from .errors import FarmError
from .plan import Chunk

FORMAT = "galaxyreel-frames"
VERSION = 1
LIVE_HEARTBEAT_S = 600.0  # an attempt on another host that has not written for this long is dead


def manifest_path(out: Path) -> Path:
    return Path(out) / "manifest.json"


def farm_dir(out: Path) -> Path:
    return Path(out) / ".farm"


def attempts_path(out: Path, index: int) -> Path:
    return farm_dir(out) / "chunks" / f"{index:04d}.json"


def write_json(path: Path, data) -> None:
    """Atomic: readers on other nodes see the old file or the new one, never half of one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{socket.gethostname()}.{os.getpid()}.tmp")
    with open(tmp, "w") as fh:
        json.dump(data, fh, indent=1)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def read_json(path: Path):
    try:
        with open(path) as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as exc:
        raise FarmError(f"{path}: unreadable JSON ({exc})") from exc


def load_manifest(out: Path) -> dict:
    path = manifest_path(out)
    try:
        m = read_json(path)
    except FileNotFoundError:
        raise FarmError(
            f"{path}: no manifest; is {out} a frames folder made by `galaxyreel render`?"
        ) from None
    if not isinstance(m, dict) or m.get("format") != FORMAT:
        raise FarmError(f"{path}: not a galaxyreel frame manifest (format {m.get('format')!r})")
    if m.get("version") != VERSION:
        raise FarmError(f"{path}: manifest version {m.get('version')}, this build reads {VERSION}")
    for key in ("blend", "frames", "chunks", "resolution"):
        if key not in m:
            raise FarmError(f"{path}: manifest has no {key!r}")
    return m


def save_manifest(out: Path, m: dict) -> None:
    write_json(manifest_path(out), m)


def chunks_of(m: dict) -> list[Chunk]:
    return [Chunk(int(c["index"]), tuple(c["frames"]), float(c["cost"])) for c in m["chunks"]]


def read_attempts(out: Path, index: int) -> list[dict]:
    try:
        return read_json(attempts_path(out, index)).get("attempts", [])
    except FileNotFoundError:
        return []
    except FarmError:
        return []  # a record cut short by a crash: the frames on disk are the truth


def write_attempts(out: Path, index: int, attempts: list[dict]) -> None:
    write_json(attempts_path(out, index), {"chunk": index, "attempts": attempts})


def node_name() -> str:
    """The scheduler's node name (several slurmd "nodes" may share one host), else the host."""
    return (
        os.environ.get("SLURMD_NODENAME")
        or os.environ.get("PBS_NODENAME")
        or socket.gethostname().split(".")[0]
    )


def job_id() -> str | None:
    if os.environ.get("SLURM_ARRAY_JOB_ID"):
        return f"{os.environ['SLURM_ARRAY_JOB_ID']}_{os.environ.get('SLURM_ARRAY_TASK_ID', '')}"
    return os.environ.get("SLURM_JOB_ID") or os.environ.get("PBS_JOBID")


def attempt_live(a: dict, now: float | None = None) -> bool:
    """Is this attempt still rendering? Same host: its pid is alive. Elsewhere: it wrote lately."""
    if a.get("status") != "running":
        return False
    now = time.time() if now is None else now
    if a.get("host") == socket.gethostname():
        pid = int(a.get("pid", 0))
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        # a recycled pid: the process must have started no later than the attempt
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            start_ticks = int(fields[19])
            with open("/proc/uptime") as fh:
                uptime = float(fh.read().split()[0])
            started = now - uptime + start_ticks / os.sysconf("SC_CLK_TCK")
            return started <= float(a.get("started", now)) + 5.0
        except (OSError, ValueError, IndexError):
            return True
    return now - float(a.get("heartbeat", 0)) < LIVE_HEARTBEAT_S
