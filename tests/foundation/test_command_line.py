"""The command line: fast help without heavy imports, one-line errors, every verb registered."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

VERBS = [
    "demo",
    "train",
    "classify",
    "project",
    "inspect",
    "scene",
    "preview",
    "render",
    "farm",
    "compose",
    "addon",
]

PROBE = """
import sys, io, contextlib
from galaxyreel.cli import main
buf = io.StringIO()
with contextlib.redirect_stdout(buf):
    try:
        main(sys.argv[1:])
    except SystemExit:
        pass
heavy = [m for m in ("tensorflow", "keras", "bpy", "pxr", "moviepy", "torch") if m in sys.modules]
print("HEAVY=" + ",".join(heavy))
print(buf.getvalue())
"""


@pytest.mark.parametrize(
    "argv", [["--help"], ["inspect", "--help"]] + [[v, "--help"] for v in VERBS if v != "inspect"]
)
def test_help_is_fast_and_imports_nothing_heavy(argv):
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, check=True
    ).stdout
    elapsed = time.perf_counter() - t0
    assert "HEAVY=\n" in out, out.splitlines()[0]
    assert "usage: galaxyreel" in out
    assert elapsed < 1.0, f"{argv} took {elapsed:.2f}s"


def test_main_help_lists_every_verb():
    out = subprocess.run(
        [sys.executable, "-m", "galaxyreel", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for verb in VERBS:
        assert f"    {verb} " in out or f"    {verb}\n" in out, verb


def test_inspect_good_file_exits_zero_with_summary(sample_run_file):
    res = subprocess.run(
        [sys.executable, "-m", "galaxyreel", "inspect", str(sample_run_file)],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr
    assert "valid" in res.stdout and "checkpoints      11" in res.stdout


def test_inspect_bad_file_exits_nonzero_with_one_line(tmp_path):
    bad = tmp_path / "run.h5"
    bad.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    res = subprocess.run(
        [sys.executable, "-m", "galaxyreel", "inspect", str(bad)], capture_output=True, text=True
    )
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1 and str(bad) in res.stderr
    assert "Traceback" not in res.stderr
