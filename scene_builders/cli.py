"""``galaxyreel scene RUN.h5 --to blender|maya|usd|paraview|all --out DIR``.

Reads the run, builds the scene once, writes ``DIR/timeline.json`` and hands the same Scene to
each target's writer. Writers are imported lazily: a target whose writer (or host library) is
missing fails with one clear line, the others still run.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

from .atomic import atomic_output
from .ir import SceneError

TARGETS = {
    # target: (module, function, output name inside DIR)
    "blender": ("scene_builders.blender", "write_blend", "scene.blend"),
    "maya": ("scene_builders.maya_ascii", "write_ma", "scene.ma"),
    "usd": ("scene_builders.usd", "write_usd", "scene.usda"),
    "paraview": ("scene_builders.vtk_export", "write_vtk", "paraview"),
}


def parse_targets(text: str) -> list[str]:
    names = [t.strip() for t in (text or "blender").split(",") if t.strip()]
    if "all" in names:
        return list(TARGETS)
    bad = [t for t in names if t not in TARGETS]
    if bad or not names:
        raise SceneError(
            f"unknown target(s) {', '.join(bad) or '(none)'}; use {', '.join(TARGETS)} or all"
        )
    return list(dict.fromkeys(names))


def write_timeline(scene, path: Path) -> Path:
    """``timeline.json`` (= ``scene.timeline()``), written to a temp name then renamed."""
    path = Path(path)
    with atomic_output(path) as tmp:
        tmp.write_text(json.dumps(scene.timeline(), indent=2) + "\n", encoding="utf-8")
    return path


def _writer(target: str):
    module, func, _ = TARGETS[target]
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            raise SceneError(
                f"the {target} writer is not available in this build ({module})"
            ) from exc
        raise SceneError(
            f"the {target} writer needs the Python package {exc.name!r}; install galaxyreel[all]"
        ) from exc
    return getattr(mod, func)


def write_scene(
    run,
    look,
    out: Path,
    targets: list[str],
    shots: list[str] | None = None,
    log=print,
    arnold: bool = False,
):
    """Build once, write ``timeline.json`` and every target; what the CLI and the demo call.

    One target failing does not stop the others; the failures are raised together at the end.
    Returns the Scene and the skipped shots.
    """
    from .build import build_scene

    scene, skipped = build_scene(run, look, shots)
    for reason in skipped:
        print(f"galaxyreel scene: skipped shot {reason}", file=sys.stderr)
    out = Path(out)
    write_timeline(scene, out / "timeline.json")
    log(
        f"{out / 'timeline.json'}: {len(scene.shots)} shots, frames "
        f"{scene.frame_start}-{scene.frame_end} at {scene.fps} fps"
    )
    failures = []
    for target in targets:
        name = TARGETS[target][2]
        # The ParaView export carries science data (labels, probabilities, steps) that the IR
        # does not hold, so it also gets the run.
        extra = {"run": run} if target == "paraview" else {}
        if target == "maya" and arnold:
            extra = {"arnold": True}
        try:
            written = _writer(target)(scene, out / name, **extra)
        except Exception as exc:  # noqa: BLE001 - one target's failure must not hide the others'
            if not getattr(type(exc), "user_facing", False) and len(targets) == 1:
                raise
            failures.append(f"{target}: {exc}")
            print(f"galaxyreel scene: {target} failed: {exc}", file=sys.stderr)
            continue
        log(f"{written}: {target} scene written")
    if failures:
        raise SceneError("; ".join(failures))
    return scene, skipped


def scene_cli(args) -> int:
    from .look import load_look
    from .runfile import read_run

    targets = parse_targets(getattr(args, "to", "blender"))
    look = load_look(getattr(args, "look", None), getattr(args, "quality", "preview"))
    shots = getattr(args, "shots", None)
    shot_list = [s.strip() for s in shots.split(",") if s.strip()] if shots else None
    run = read_run(args.run)
    write_scene(
        run, look, Path(args.out), targets, shot_list, arnold=getattr(args, "arnold", False)
    )
    return 0
