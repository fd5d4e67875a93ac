"""Pieces shared by the Slurm and PBS job scripts: names, the python line, quoting.

Every path in a script body goes through ``shlex.quote``; directive lines (``#SBATCH``,
``#PBS``) are not parsed by a shell, so only sanitised tokens go there and the real job name
and log paths are passed as separate arguments on the submit command line.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

from .local import PROJECT_ROOT


def job_name(m: dict) -> str:
    return "galaxyreel-" + Path(m["blend"]).stem


def directive_safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.+:,=@-]", "_", text)[:64] or "galaxyreel"


def python_line(m: dict, *args: str) -> str:
    """``exec PYTHON -m render_farm.<mod> ARGS`` with the venv python that planned the folder."""
    py = m.get("python") or sys.executable
    return "exec " + " ".join(shlex.quote(a) for a in [py, "-m", *args])


def env_lines() -> list[str]:
    root = shlex.quote(str(PROJECT_ROOT))
    return [
        "set -euo pipefail",
        f'export PYTHONPATH={root}"${{PYTHONPATH:+:$PYTHONPATH}}"',
    ]


def array_spec(indices: list[int], max_parallel: int | None) -> str:
    """``0-9`` for a whole plan, ``3,5,8`` for a retry, ``%K`` to cap tasks running at once."""
    idx = sorted(set(indices))
    if idx == list(range(idx[0], idx[-1] + 1)):
        spec = f"{idx[0]}-{idx[-1]}" if len(idx) > 1 else str(idx[0])
    else:
        spec = ",".join(map(str, idx))
    return spec + (f"%{max_parallel}" if max_parallel else "")
