"""``galaxyreel project RUN.h5``: t-SNE tracks into the run file (options in galaxyreel/cli.py)."""

from __future__ import annotations


def project_cli(args) -> int:
    from .projection import describe, project_run

    result = project_run(
        args.run,
        method=args.method,
        independent=args.independent,
        perplexity=args.perplexity,
        seed=args.seed,
        progress=True,
        force=getattr(args, "force", False),
    )
    print(
        f"{args.run}: t-SNE tracks stored ({result.positions.shape[0]} checkpoints x "
        f"{result.positions.shape[1]} galaxies)"
    )
    print(describe(result))
    return 0
