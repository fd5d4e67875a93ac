"""The pvpython script shipped as package data, and a way to run it from the project's Python.

``galaxyreel_pv.py`` runs inside ParaView's own interpreter (``pvpython``), never in the venv:
ParaView bundles its own VTK, which must not meet the venv's ``vtk`` wheel in one process.
"""

from __future__ import annotations

import contextlib
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
    """argv that runs the script with off-screen rendering (needs ``$DISPLAY``; see
    :func:`run_pvpython`, which provides one)."""
    exe = pvpython or shutil.which("pvpython")
    if exe is None:
        raise SceneError("pvpython is not installed (Debian: apt-get install python3-paraview)")
    return [exe, "--force-offscreen-rendering", str(script_path()), str(pvd), *script_args]


@contextlib.contextmanager
def x_display():
    """Yield an X display: ``$DISPLAY`` if set, else a private Xvfb stopped on exit.

    Debian's ParaView is a GLX build: ``--force-offscreen-rendering`` still opens an X
    connection. Xvfb is started with ``-displayfd``, so it picks a free display and says so
    only once it accepts connections, and with ``-noreset``: pvpython opens and closes a first
    X connection, and an X server resets when its last client leaves, so the next connection
    raced the reset ("bad X server connection", about one run in five under load).
    """
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        raise SceneError("no $DISPLAY and no Xvfb: apt-get install xvfb to run pvpython headless")
    read, write = os.pipe()
    proc = subprocess.Popen(
        [
            xvfb,
            "-displayfd",
            str(write),
            "-screen",
            "0",
            "1280x1024x24",
            "-nolisten",
            "tcp",
            "-noreset",
        ],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        if not number.isdigit():
            raise SceneError(f"Xvfb did not start (exit {proc.poll()})")
        yield f":{number}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_pvpython(pvd: Path, *script_args: str, timeout: float = 300) -> str:
    """Run the script headless; return its stdout. A failure raises :class:`SceneError`."""
    argv = pvpython_command(pvd, *script_args)
    with x_display() as display:
        env = dict(os.environ, DISPLAY=display)
        try:
            proc = subprocess.run(
                argv, capture_output=True, text=True, timeout=timeout, check=False, env=env
            )
        except subprocess.TimeoutExpired as exc:
            raise SceneError(f"{pvd}: pvpython did not finish within {timeout:.0f} s") from exc
    if proc.returncode != 0:
        lines = [x for x in proc.stderr.splitlines() if "ERR|" in x or "Error" in x]
        tail = "; ".join((lines or proc.stderr.strip().splitlines())[-3:])
        raise SceneError(f"{pvd}: pvpython failed (exit {proc.returncode}): {tail}")
    return proc.stdout
