"""Command lines for the renderers that run as their own programs: the ``blender`` binary and
Maya's ``Render``. Built as argument lists (no shell), so paths with spaces or quotes survive;
``shell_line`` shows them quoted for logs, docs and job scripts.
"""

from __future__ import annotations

import shlex
from pathlib import Path


def blender_command(
    blender: str,
    blend: Path,
    out_pattern: str,
    first: int,
    last: int,
    *,
    threads: int | None = None,
    resolution: tuple[int, int] | None = None,
    samples: int | None = None,
) -> list[str]:
    """``blender -b scene.blend -o DIR/#### -F PNG -s S -e E -a`` (flags in that order).

    Overrides go in a ``--python-expr`` right after the .blend (Blender applies arguments in
    order, so it must follow the file and precede ``-a``); ``-t`` sets render threads.
    """
    cmd = [str(blender), "-b", str(blend)]
    expr = []
    if resolution is not None:
        expr.append(
            f"r=bpy.context.scene.render; r.resolution_x={int(resolution[0])}; "
            f"r.resolution_y={int(resolution[1])}; r.resolution_percentage=100"
        )
    if samples is not None:
        expr.append(
            "s=bpy.context.scene\n"
            f"if s.render.engine == 'CYCLES': s.cycles.samples = {int(samples)}\n"
            f"elif hasattr(s, 'eevee'): s.eevee.taa_render_samples = {int(samples)}"
        )
    if expr:
        cmd += ["--python-expr", "import bpy\n" + "\n".join(expr)]
    cmd += ["-o", str(out_pattern), "-F", "PNG"]
    if threads:
        cmd += ["-t", str(int(threads))]
    cmd += ["-s", str(int(first)), "-e", str(int(last)), "-a"]
    return cmd


def maya_command(
    render: str,
    scene: Path,
    out_dir: Path,
    first: int,
    last: int,
    *,
    resolution: tuple[int, int] | None = None,
    image_name: str = "frame",
) -> list[str]:
    """``Render -r arnold -s S -e E -rd DIR scene.ma``, plus the image name, padding and format
    so frames come out as ``DIR/frame.0001.png`` (the worker renames them to ``0001.png``).
    Built and tested as text only: Maya cannot run here.
    """
    cmd = [str(render), "-r", "arnold", "-s", str(int(first)), "-e", str(int(last))]
    cmd += ["-rd", str(out_dir), "-im", image_name, "-pad", "4", "-of", "png"]
    if resolution is not None:
        cmd += ["-x", str(int(resolution[0])), "-y", str(int(resolution[1]))]
    cmd.append(str(scene))
    return cmd


def shell_line(cmd: list[str]) -> str:
    return " ".join(shlex.quote(c) for c in cmd)
