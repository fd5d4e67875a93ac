"""The `slurm` backend: one array task per chunk, a collect job, and retries inside the cluster.

Submitting a plan makes three jobs, then nothing needs to keep running on the login node:

- the array ``render.sbatch`` (``--array=0-(N-1)%K``, chunk = ``$SLURM_ARRAY_TASK_ID``);
- ``collect.sbatch`` with ``--dependency=afterok:ARRAY --kill-on-invalid-dep=yes`` (without the
  kill flag a collect job waits forever once a task has failed);
- ``retry.sbatch`` with ``afternotok:ARRAY`` (runs only when some task failed): it resubmits
  only the chunks that still miss a frame, with a new collect and retry job, up to ``retries``
  rounds, recording each round in the manifest.

`render(..., wait=True)` follows the chain by polling ``squeue`` itself (``sbatch --wait`` backs
off 2 s, 8 s, 32 s: a 15 s job looks like 42 s).
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
from pathlib import Path

from .errors import FarmError
from .jobscript import array_spec, directive_safe, env_lines, job_name, python_line
from .manifest import farm_dir, load_manifest, save_manifest

POLL_S = 0.5


def _directives(opts: dict, name: str, cpus: int) -> list[str]:
    lines = [f"#SBATCH --job-name={directive_safe(name)}", f"#SBATCH --cpus-per-task={cpus}"]
    if opts.get("partition"):
        lines.append(f"#SBATCH --partition={directive_safe(opts['partition'])}")
    if opts.get("time"):
        lines.append(f"#SBATCH --time={directive_safe(opts['time'])}")
    if opts.get("mem"):
        lines.append(f"#SBATCH --mem={directive_safe(opts['mem'])}")
    return lines


def render_script(out: Path, m: dict, opts: dict, array: str) -> str:
    threads = opts.get("threads") or 1
    body = [
        "#!/bin/bash",
        *_directives(opts, job_name(m), threads),
        f"#SBATCH --array={array}",
        f"# galaxyreel: array task i renders chunk i of {shlex.quote(str(out))}/manifest.json",
        *env_lines(),
        python_line(m, "render_farm.worker", str(out), "--chunk")
        + ' "$SLURM_ARRAY_TASK_ID"'
        + f" --threads {int(threads)}",
        "",
    ]
    return "\n".join(body)


def step_script(out: Path, m: dict, opts: dict, step: str) -> str:
    """``collect`` or ``retry``: a one-CPU job running ``python -m render_farm.slurm STEP OUT``."""
    return "\n".join(
        [
            "#!/bin/bash",
            *_directives({**opts, "mem": None}, f"{job_name(m)}-{step}", 1),
            f"# galaxyreel: {step} for {shlex.quote(str(out))}",
            *env_lines(),
            python_line(m, "render_farm.slurm", step, str(out)),
            "",
        ]
    )


def _sbatch(args: list[str]) -> str:
    try:
        p = subprocess.run(["sbatch", "--parsable", *args], capture_output=True, text=True)
    except FileNotFoundError:
        raise FarmError("sbatch not found: is this a Slurm login node?") from None
    if p.returncode != 0:
        raise FarmError(f"sbatch {' '.join(args)} failed: {p.stderr.strip()}")
    return p.stdout.strip().split(";")[0]


def submit(
    out: Path,
    m: dict,
    indices: list[int],
    *,
    partition=None,
    time_limit=None,
    mem=None,
    max_parallel=None,
    threads=None,
    retries: int = 2,
    dry_run: bool = False,
    round_: int | None = None,
) -> dict:
    """Write the three scripts, submit them (unless ``dry_run``), record the round."""
    opts = dict(m.get("slurm") or {})
    for k, v in (
        ("partition", partition),
        ("time", time_limit),
        ("mem", mem),
        ("max_parallel", max_parallel),
        ("threads", threads),
        ("retries", retries),
    ):
        if v is not None:
            opts[k] = v
    opts.setdefault("threads", 1)
    m["slurm"] = opts
    d = farm_dir(out) / "slurm"
    (d).mkdir(parents=True, exist_ok=True)
    (farm_dir(out) / "logs").mkdir(parents=True, exist_ok=True)
    array = array_spec(indices, opts.get("max_parallel"))
    scripts = {
        "render": render_script(out, m, opts, array),
        "collect": step_script(out, m, opts, "collect"),
        "retry": step_script(out, m, opts, "retry"),
    }
    for k, text in scripts.items():
        (d / f"{k}.sbatch").write_text(text)
    name = job_name(m)
    logs = farm_dir(out) / "logs"
    render_args = [f"--job-name={name}", f"--array={array}",
                   f"--output={logs}/render_%A_%a.log", str(d / "render.sbatch")]  # fmt: skip

    def dep_args(kind: str, jid: str, step: str) -> list[str]:
        return [f"--job-name={name}-{step}", f"--dependency={kind}:{jid}", "--kill-on-invalid-dep=yes",
                f"--output={logs}/{step}_%j.log", str(d / f"{step}.sbatch")]  # fmt: skip

    round_ = len(m.get("submissions", [])) if round_ is None else round_
    rec = {"backend": "slurm", "round": round_, "time": time.time(), "chunks": sorted(indices)}
    if dry_run:
        rec["commands"] = [
            "sbatch --parsable " + " ".join(shlex.quote(a) for a in render_args),
            "sbatch --parsable " + " ".join(shlex.quote(a) for a in dep_args("afterok", "$ARRAY", "collect")),
            "sbatch --parsable " + " ".join(shlex.quote(a) for a in dep_args("afternotok", "$ARRAY", "retry")),
        ]  # fmt: skip
        print("\n".join(rec["commands"]))
        save_manifest(out, m)
        return rec
    jid = _sbatch(render_args)
    rec["job"] = jid
    rec["collect_job"] = _sbatch(dep_args("afterok", jid, "collect"))
    rec["retry_job"] = _sbatch(dep_args("afternotok", jid, "retry"))
    m.setdefault("submissions", []).append(rec)
    save_manifest(out, m)
    return rec


def queued() -> set[str]:
    """Job ids (array ids for array tasks) that are pending, running or completing."""
    p = subprocess.run(["squeue", "-h", "-o", "%F %i"], capture_output=True, text=True)
    if p.returncode != 0:
        raise FarmError(f"squeue failed: {p.stderr.strip()}")
    ids: set[str] = set()
    for line in p.stdout.split():
        ids.add(line.split("_")[0])
    return ids


def queue_states(job_ids) -> dict[str, str]:
    """Queue entry (``123_4``, ``124``) -> state, for entries belonging to ``job_ids``."""
    p = subprocess.run(["squeue", "-h", "-o", "%F %i %T"], capture_output=True, text=True)
    wanted = {str(j) for j in job_ids}
    out: dict[str, str] = {}
    for line in p.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] in wanted:
            out[parts[1]] = parts[2]
    return out


def follow(out: Path, *, todo_frames: int = 0, progress: bool = True, timeout: float | None = None):
    """Poll until the latest round's jobs have left the queue and no newer round appeared."""
    from tqdm import tqdm

    from .local import rendered_since

    t0 = time.time()
    m = load_manifest(out)
    since = float(m["submissions"][-1]["time"]) if m.get("submissions") else t0
    indices = [int(c["index"]) for c in m["chunks"]]
    bar = tqdm(total=todo_frames, unit="frame", desc="slurm", disable=not progress, file=sys.stderr)
    try:
        while True:
            m = load_manifest(out)
            sub = m["submissions"][-1]
            mine = {sub.get("job"), sub.get("collect_job"), sub.get("retry_job")} - {None}
            n = min(todo_frames, rendered_since(out, indices, since))
            if n != bar.n:
                bar.update(n - bar.n)
            if not (mine & queued()):
                again = load_manifest(out)
                if len(again.get("submissions", [])) == len(m["submissions"]):
                    return again
            if timeout is not None and time.time() - t0 > timeout:
                raise FarmError(
                    f"{out}: Slurm jobs {sorted(mine)} still queued after {timeout:.0f} s"
                )
            time.sleep(POLL_S)
    finally:
        bar.close()


def task_states(job: str) -> dict[int, str]:
    """Array task index -> JobState, from ``scontrol show job`` (no slurmdbd needed)."""
    p = subprocess.run(["scontrol", "-o", "show", "job", str(job)], capture_output=True, text=True)
    states: dict[int, str] = {}
    for line in p.stdout.splitlines():
        fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
        if fields.get("ArrayTaskId", "").isdigit():
            states[int(fields["ArrayTaskId"])] = fields.get("JobState", "?")
    return states


# --------------------------------------------------------------------- in-cluster steps --
def collect_step(out: Path) -> int:
    from .framelist import collect

    path = collect(out)
    print(f"collected {path}")
    return 0


def retry_step(out: Path) -> int:
    """Some task of the last round failed: resubmit the chunks that still miss a frame."""
    from .state import farm_status

    m = load_manifest(out)
    st = farm_status(out, m, assume_dead=True)
    if st.complete:
        return collect_step(out)
    last = int(m["submissions"][-1].get("round", 0)) if m.get("submissions") else 0
    retries = int((m.get("slurm") or {}).get("retries", 2))
    if last >= retries:
        m["submissions"][-1]["gave_up"] = True
        save_manifest(out, m)
        print(f"{out}: {len(st.missing)} frames still missing after {last + 1} rounds; giving up "
              f"(run `galaxyreel farm resume {out}`)", file=sys.stderr)  # fmt: skip
        return 1
    rec = submit(out, m, list(st.incomplete_chunks), round_=last + 1)
    print(f"round {rec['round']}: resubmitted chunks {rec['chunks']} as job {rec['job']}")
    return 0


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) != 2 or argv[0] not in ("collect", "retry"):
        print("usage: python -m render_farm.slurm collect|retry OUT", file=sys.stderr)
        return 2
    try:
        return collect_step(Path(argv[1])) if argv[0] == "collect" else retry_step(Path(argv[1]))
    except FarmError as exc:
        print(f"render_farm.slurm: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
