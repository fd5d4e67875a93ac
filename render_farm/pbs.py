"""The `pbs` (PBS Pro / OpenPBS) and `torque` backends: the same plan as a qsub job array.

PBS Pro: ``#PBS -J 0-(N-1)`` and ``$PBS_ARRAY_INDEX``; Torque: ``#PBS -t 0-(N-1)%K`` and
``$PBS_ARRAYID``. The collect job waits with ``-W depend=afterok:ID[]`` (Torque:
``afterokarray:ID[]``). No PBS server can run on this machine (Debian packages none), so these
scripts and command lines are tested as text; retries are `galaxyreel farm resume DIR`.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import time
from pathlib import Path

from .errors import FarmError
from .jobscript import array_spec, directive_safe, env_lines, job_name, python_line
from .manifest import farm_dir, save_manifest


def pbs_script(out: Path, m: dict, opts: dict, indices: list[int], flavour: str = "pbs") -> str:
    threads = int(opts.get("threads") or 1)
    name = directive_safe(job_name(m))
    logs = farm_dir(out) / "logs"
    lines = ["#!/bin/bash", f"#PBS -N {name}", "#PBS -j oe"]
    if flavour == "torque":
        lines.append(f"#PBS -t {array_spec(indices, opts.get('max_parallel'))}")
        res = f"nodes=1:ppn={threads}" + (
            f",mem={directive_safe(opts['mem'])}" if opts.get("mem") else ""
        )
        var = "PBS_ARRAYID"
    else:
        # PBS Pro's -J takes a range (with an optional :step), not a list: a retry of chunks
        # 3 and 8 submits -J 3-8 and the other chunks' tasks skip their verified frames.
        idx = sorted(indices)
        # A single task is written i-(i+1):2 (PBS Pro wants start < end).
        lines.append(
            f"#PBS -J {idx[0]}-{idx[-1]}" if len(idx) > 1 else f"#PBS -J {idx[0]}-{idx[0] + 1}:2"
        )
        res = f"select=1:ncpus={threads}" + (
            f":mem={directive_safe(opts['mem'])}" if opts.get("mem") else ""
        )
        var = "PBS_ARRAY_INDEX"
    lines.append(f"#PBS -l {res}")
    if opts.get("time"):
        lines.append(f"#PBS -l walltime={directive_safe(opts['time'])}")
    if opts.get("partition"):
        lines.append(f"#PBS -q {directive_safe(opts['partition'])}")
    lines += [
        f"# galaxyreel: array task i renders chunk i of {shlex.quote(str(out))}/manifest.json",
        f"# logs: {shlex.quote(str(logs))} (passed as qsub -o)",
        *env_lines(),
        python_line(m, "render_farm.worker", str(out), "--chunk")
        + f' "${var}" --threads {threads}',
        "",
    ]
    return "\n".join(lines)


def pbs_collect_script(out: Path, m: dict) -> str:
    return "\n".join(
        [
            "#!/bin/bash",
            f"#PBS -N {directive_safe(job_name(m) + '-collect')}",
            "#PBS -j oe",
            "#PBS -l select=1:ncpus=1",
            *env_lines(),
            python_line(m, "render_farm.slurm", "collect", str(out)),
            "",
        ]
    )


def qsub_commands(out: Path, array_id: str, flavour: str = "pbs") -> tuple[list[str], list[str]]:
    """(array submit, collect submit) argument lists; ``array_id`` as qsub printed it."""
    d = farm_dir(out) / "pbs"
    logs = str(farm_dir(out) / "logs") + "/"
    first = ["qsub", "-o", logs, str(d / "render.pbs")]
    aid = array_id if "[]" in array_id else array_id.split(".")[0] + "[]"
    dep = f"afterokarray:{aid}" if flavour == "torque" else f"afterok:{aid}"
    second = ["qsub", "-W", f"depend={dep}", "-o", logs, str(d / "collect.pbs")]
    return first, second


def submit_pbs(out: Path, m: dict, indices: list[int], *, flavour="pbs", partition=None, time_limit=None,
               mem=None, max_parallel=None, threads=None, dry_run=False) -> dict:  # fmt: skip
    opts = {"partition": partition, "time": time_limit, "mem": mem, "max_parallel": max_parallel,
            "threads": threads or 1}  # fmt: skip
    d = farm_dir(out) / "pbs"
    d.mkdir(parents=True, exist_ok=True)
    (farm_dir(out) / "logs").mkdir(parents=True, exist_ok=True)
    (d / "render.pbs").write_text(pbs_script(out, m, opts, indices, flavour))
    (d / "collect.pbs").write_text(pbs_collect_script(out, m))
    rec = {"backend": flavour, "time": time.time(), "chunks": sorted(indices)}
    qsub = shutil.which("qsub")
    if dry_run or not qsub:
        first, second = qsub_commands(out, "$ARRAY", flavour)
        rec["commands"] = [" ".join(map(shlex.quote, first)), " ".join(map(shlex.quote, second))]
        print("\n".join(rec["commands"]))
        if not dry_run:
            raise FarmError(
                f"qsub not found; the job scripts are in {d} (submit them from a PBS login node)"
            )
        return rec
    first, _ = qsub_commands(out, "X", flavour)
    p = subprocess.run(first, capture_output=True, text=True)
    if p.returncode != 0:
        raise FarmError(f"qsub failed: {p.stderr.strip()}")
    rec["job"] = p.stdout.strip()
    _, second = qsub_commands(out, rec["job"], flavour)
    p = subprocess.run(second, capture_output=True, text=True)
    if p.returncode != 0:
        raise FarmError(f"qsub (collect) failed: {p.stderr.strip()}")
    rec["collect_job"] = p.stdout.strip()
    m.setdefault("submissions", []).append(rec)
    save_manifest(out, m)
    return rec
