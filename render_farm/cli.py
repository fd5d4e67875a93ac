"""`galaxyreel render` and `galaxyreel farm status|resume|collect`: argument plumbing only."""

from __future__ import annotations

import sys

from .errors import FarmError


def _summary(r) -> str:
    parts = [
        f"{r.out_dir}: {r.frames_total - r.frames_missing}/{r.frames_total} frames",
        f"rendered {r.frames_rendered}, already done {r.frames_skipped}",
        f"{r.chunks_run}/{r.chunks} chunks run on {r.backend} in {r.wall_s:.1f} s",
    ]
    if r.frame_s is not None:
        parts.append(f"{r.frame_s:.2f} s/frame, load {r.load_s or 0:.2f} s/chunk")
    if r.jobs:
        parts.append(f"jobs {', '.join(r.jobs)}")
    return "; ".join(parts)


def render_cli(args) -> int:
    from .api import parse_resolution, render

    r = render(
        args.scene,
        args.out,
        frames=args.frames,
        backend=args.backend,
        renderer=args.renderer,
        resolution=parse_resolution(args.resolution),
        samples=args.samples,
        chunk=args.chunk,
        workers=args.workers,
        threads=args.threads,
        retries=args.retries,
        wait=not args.detach,
        dry_run=args.dry_run,
        partition=args.partition,
        time_limit=args.time,
        mem=args.mem,
        max_parallel=args.max_parallel,
        probe=args.probe,
    )
    if args.dry_run:
        print(f"{r.out_dir}: planned {r.chunks} chunks of {r.frames_total} frames; job scripts in "
              f"{r.out_dir}/.farm/{args.backend if args.backend != 'torque' else 'pbs'}/, "
              "submit them with the commands above")  # fmt: skip
        return 0
    print(_summary(r))
    if args.detach:
        return 0
    if not r.complete:
        raise FarmError(
            f"{r.out_dir}: {r.frames_missing} frames missing after the retries; "
            f"`galaxyreel farm status {r.out_dir}` says which"
        )
    return 0


def farm_cli(args) -> int:
    if args.action == "status":
        from .state import farm_status

        st = farm_status(args.frames)
        print(st.report())
        queue = _queue_line(args.frames)
        if queue:
            print(queue)
        return 0 if st.complete else 1
    if args.action == "collect":
        from .framelist import collect

        print(collect(args.frames))
        return 0
    from .api import resume

    r = resume(
        args.frames,
        backend=args.backend,
        workers=args.workers,
        threads=args.threads,
        wait=not args.detach,
    )
    print(_summary(r))
    if not r.complete and not args.detach:
        print("some frames are still missing; see `galaxyreel farm status`", file=sys.stderr)
        return 1
    return 0


def _queue_line(out) -> str | None:
    """For a Slurm folder: the latest round's jobs still in the queue, by state."""
    import shutil

    from .manifest import load_manifest

    subs = load_manifest(out).get("submissions") or []
    if not subs or subs[-1].get("backend") != "slurm" or not shutil.which("squeue"):
        return None
    from .slurm import queue_states

    sub = subs[-1]
    mine = [sub.get(k) for k in ("job", "collect_job", "retry_job") if sub.get(k)]
    states = queue_states(mine)
    if not states:
        return f"  slurm: round {sub.get('round', 0)} (jobs {', '.join(mine)}) has left the queue"
    counts: dict[str, int] = {}
    for st in states.values():
        counts[st] = counts.get(st, 0) + 1
    shown = ", ".join(f"{n} {st.lower()}" for st, n in sorted(counts.items()))
    return f"  slurm: round {sub.get('round', 0)}, jobs {', '.join(mine)}: {shown}"
