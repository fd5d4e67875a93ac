"""Render a galaxyreel .ma on a farm node: one ``Render`` call per shot, its own camera.

The .ma records its shots in ``fileInfo "galaxyreelShots" "name first last camera;..."``;
this script reads that line (no Maya needed to plan), intersects each shot with the frames
asked for, and runs Maya's command-line renderer::

    Render -r arnold -s START -e END -cam CAMERA -rd OUT/SHOT -proj SCENE_DIR scene.ma

``-proj`` points Maya's project at the scene's folder so the atlas (a relative path beside
the .ma) resolves on any node. Usage (plain Python 3, Maya's ``Render`` on PATH)::

    python batch_render.py scene.ma --out frames [--frames 1-240] [--renderer arnold] [--dry-run]
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys

_FILEINFO = re.compile(r'^fileInfo "galaxyreelShots" "([^"]*)";\s*$', re.M)


class RenderPlanError(Exception):
    pass


def read_shots(ma_path):
    """[(name, first, last, camera)] from the .ma's galaxyreelShots fileInfo."""
    with open(ma_path, encoding="utf-8") as fh:
        head = fh.read(1 << 16)  # fileInfo lines sit in the first lines of the file
    m = _FILEINFO.search(head)
    if not m:
        raise RenderPlanError(f"{ma_path}: no galaxyreelShots fileInfo (not a galaxyreel scene?)")
    return parse_shots(m.group(1))


def parse_shots(value):
    shots = []
    for part in filter(None, value.split(";")):
        fields = part.split()
        if len(fields) != 4:
            raise RenderPlanError(f"bad shot entry {part!r}: want 'name first last camera'")
        name, first, last, camera = fields
        shots.append((name, int(first), int(last), camera))
    return shots


def parse_frames(spec):
    """'1-240' or '1-30,61-90' -> sorted frame list."""
    frames = set()
    for part in spec.split(","):
        a, _, b = part.strip().partition("-")
        frames.update(range(int(a), int(b or a) + 1))
    return sorted(frames)


def runs(frames):
    """Consecutive runs [(start, end)] of a sorted frame list."""
    out = []
    for f in frames:
        if out and f == out[-1][1] + 1:
            out[-1] = (out[-1][0], f)
        else:
            out.append((f, f))
    return out


def render_commands(ma_path, out_dir, frames=None, renderer="arnold", shots=None):
    """The ``Render`` argument lists that render ``frames`` (default: all) shot by shot."""
    shots = shots if shots is not None else read_shots(ma_path)
    scene_dir = os.path.dirname(os.path.abspath(ma_path))
    wanted = set(frames) if frames is not None else None
    cmds = []
    for name, first, last, camera in shots:
        span = [f for f in range(first, last + 1) if wanted is None or f in wanted]
        for a, b in runs(span):
            cmds.append(
                [
                    "Render",
                    "-r", renderer,
                    "-s", str(a),
                    "-e", str(b),
                    "-cam", camera,
                    "-rd", os.path.join(os.path.abspath(out_dir), name),
                    "-proj", scene_dir,
                    os.path.abspath(ma_path),
                ]
            )  # fmt: skip
    return cmds


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scene")
    ap.add_argument("--out", required=True)
    ap.add_argument("--frames")
    ap.add_argument("--renderer", default="arnold")
    ap.add_argument("--dry-run", action="store_true", help="print the commands only")
    args = ap.parse_args(argv)
    frames = parse_frames(args.frames) if args.frames else None
    try:
        commands = render_commands(args.scene, args.out, frames, args.renderer)
    except (OSError, RenderPlanError) as exc:
        print(f"batch_render: {exc}", file=sys.stderr)
        return 2
    for cmd in commands:
        print(" ".join(shlex.quote(c) for c in cmd), flush=True)
        if not args.dry_run:
            rc = subprocess.call(cmd)
            if rc != 0:
                print(f"batch_render: Render exited {rc}", file=sys.stderr)
                return rc
    return 0


if __name__ == "__main__":
    sys.exit(main())
