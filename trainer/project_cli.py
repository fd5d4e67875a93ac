"""``galaxyreel project RUN.h5``: t-SNE tracks into the run file (options in galaxyreel/cli.py)."""

from __future__ import annotations


def project_cli(args) -> int:
    from .projection import describe, project_run

    before = args.run.stat().st_mtime_ns if args.run.is_file() else None
    result = project_run(
        args.run,
        method=args.method,
        independent=args.independent,
        perplexity=args.perplexity,
        seed=args.seed,
        progress=True,
        force=getattr(args, "force", False),
    )
    k, n = result.positions.shape[:2]
    if before is not None and args.run.stat().st_mtime_ns == before:
        print(f"{args.run}: t-SNE tracks already up to date (--force recomputes)")
    else:
        print(f"{args.run}: t-SNE tracks stored ({k} checkpoints x {n} galaxies)")
    print(describe(result))
    return 0
