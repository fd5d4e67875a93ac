"""The pvpython script shipped as package data, and a way to run it from the project's Python.

``galaxyreel_pv.py`` runs inside ParaView's own interpreter (``pvpython``), never in the venv:
ParaView bundles its own VTK, which must not meet the venv's ``vtk`` wheel in one process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from ..ir import SceneError

SCRIPT = "galaxyreel_pv.py"


def script_path() -> Path:
    """Where ``galaxyreel_pv.py`` is installed (pass it to ``pvpython``)."""
    return Path(__file__).with_name(SCRIPT)


def pvpython_command(pvd: Path, *script_args: str, pvpython: str | None = None) -> list[str]:
    """argv that runs the script off-screen; wraps it in ``xvfb-run`` when there is no display.

    Debian's ParaView is a GLX build: ``--force-offscreen-rendering`` still needs an X server,
    so without ``$DISPLAY`` a throwaway Xvfb is started by ``xvfb-run -a``.
    """
    exe = pvpython or shutil.which("pvpython")
    if exe is None:
        raise SceneError("pvpython is not installed (Debian: apt-get install python3-paraview)")
    argv = [exe, "--force-offscreen-rendering", str(script_path()), str(pvd), *script_args]
    if not os.environ.get("DISPLAY"):
        xvfb = shutil.which("xvfb-run")
        if xvfb is None:
            raise SceneError("no $DISPLAY and no xvfb-run: install xvfb to run pvpython headless")
        argv = [xvfb, "-a", "-s", "-screen 0 1280x1024x24", *argv]
    return argv


def run_pvpython(pvd: Path, *script_args: str, timeout: float = 300) -> str:
    """Run the script; return its stdout. A failure raises :class:`SceneError` with its stderr."""
    argv = pvpython_command(pvd, *script_args)
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise SceneError(f"{pvd}: pvpython did not finish within {timeout:.0f} s") from exc
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        raise SceneError(f"{pvd}: pvpython failed (exit {proc.returncode}): {tail}")
    return proc.stdout
