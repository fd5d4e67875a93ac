"""``galaxyreel demo``: the whole film from synthetic galaxies, one stage after another.

train -> project -> scene (Blender, Maya, USD) -> render (local farm) -> compose -> preview,
each a file on disk, each skipped when up to date (see :mod:`galaxyreel.stages`). Sizes:

* ``full``: the real demo (the trainer's ``demo`` preset, the default look, >= 60 s of film);
* ``tiny``: the same chain at toy size (a few hundred images, a few frames per shot), used by
  the end-to-end test and as a quick smoke test of an installation.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from .stages import Stage, StageRecord, run_stages

STAGES = ("train", "project", "scene", "render", "compose", "preview")


class DemoError(Exception):
    user_facing = True


@dataclass(frozen=True)
class DemoPlan:
    out: Path
    quality: str
    size: str

    @property
    def run(self) -> Path:
        return self.out / "run" / "run.h5"

    @property
    def scene_dir(self) -> Path:
        return self.out / "scene"

    @property
    def blend(self) -> Path:
        return self.scene_dir / "scene.blend"

    @property
    def frames(self) -> Path:
        return self.out / "frames"

    @property
    def film(self) -> Path:
        return self.out / "film.mp4"


PRESETS = Path(__file__).parent / "presets"


def _look_path(plan: DemoPlan) -> Path | None:
    return PRESETS / "tiny-look.toml" if plan.size == "tiny" else None


def _look(plan: DemoPlan):
    from scene_builders.look import load_look

    return load_look(_look_path(plan), plan.quality)


def _train(plan: DemoPlan) -> None:
    import trainer

    preset = "tiny" if plan.size == "tiny" else "demo"
    config = trainer.load_config(preset)
    resume = plan.run.with_name(plan.run.name + ".partial").exists()
    trainer.train(config, plan.run.parent, resume=resume, progress=True)


def _project(plan: DemoPlan) -> None:
    from trainer.projection import project_run

    perplexity = 10.0 if plan.size == "tiny" else 30.0
    # The stage runner already decided this must run (stale or --force): always recompute.
    project_run(plan.run, perplexity=perplexity, progress=True, force=True)


def _scene(plan: DemoPlan) -> None:
    from scene_builders.cli import write_scene
    from scene_builders.runfile import read_run

    write_scene(read_run(plan.run), _look(plan), plan.scene_dir, ["blender", "maya", "usd"])


def _render(plan: DemoPlan) -> None:
    import render_farm

    result = render_farm.render(plan.blend, plan.frames, backend="local", progress=True)
    if not result.complete:
        raise DemoError(
            f"{plan.frames}: {result.frames_missing} frames are still missing; "
            "re-run the demo to resume the render"
        )


def _compose(plan: DemoPlan) -> None:
    import compositing

    compositing.compose(
        compositing.DEMO_STORYBOARD,
        plan.frames,
        plan.film,
        preview=plan.size == "tiny",
        progress=True,
    )


def _preview(plan: DemoPlan) -> None:
    from galaxyreel.preview import write_preview
    from scene_builders.runfile import read_run

    write_preview(read_run(plan.run), plan.out / "preview.html")


def stages_for(plan: DemoPlan) -> list[Stage]:
    look = {"quality": plan.quality, "size": plan.size}
    return [
        Stage(
            "train",
            lambda: _train(plan),
            (),
            (plan.run,),
            {"size": plan.size},
            "train the classifier on synthetic galaxies, recording the run file",
        ),
        Stage(
            "project",
            lambda: _project(plan),
            (plan.run,),
            (plan.run,),
            {"size": plan.size},
            "3D t-SNE tracks of the catalog",
        ),
        Stage(
            "scene",
            lambda: _scene(plan),
            (plan.run,),
            (
                plan.blend,
                plan.scene_dir / "scene.ma",
                plan.scene_dir / "scene.usda",
                plan.scene_dir / "timeline.json",
            ),
            look,
            "Blender, Maya and USD scenes",
        ),
        Stage(
            "render",
            lambda: _render(plan),
            (plan.blend,),
            (plan.frames / "frames.json",),
            look,
            "render the frames on the local farm",
        ),
        Stage(
            "compose",
            lambda: _compose(plan),
            (plan.frames / "frames.json",),
            (plan.film, plan.film.with_suffix(".srt")),
            look,
            "narration, music, captions and the film",
        ),
        Stage(
            "preview",
            lambda: _preview(plan),
            (plan.run,),
            (plan.out / "preview.html",),
            {},
            "the interactive preview page",
        ),
    ]


def run_demo(
    out: Path, quality: str = "preview", size: str = "full", force: tuple[str, ...] = ()
) -> list:
    plan = DemoPlan(Path(out), quality, size)
    plan.out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    outcomes = run_stages(stages_for(plan), plan.out, force=force)
    write_report(plan, outcomes, time.perf_counter() - t0)
    return outcomes


def write_report(plan: DemoPlan, outcomes, total: float) -> Path:
    """``REPORT.md``: accuracy per checkpoint, stage timings, what each file is."""
    from scene_builders.runfile import read_run

    run = read_run(plan.run)
    acc = run.snapshots.accuracy(run.catalog.labels)
    record = StageRecord(plan.out)
    lines = [
        "# galaxyreel demo report",
        "",
        f"Made {time.strftime('%Y-%m-%d %H:%M')} with quality `{plan.quality}`, size `{plan.size}`.",
        "",
        "## Accuracy of the catalog per checkpoint",
        "",
        "| checkpoint | step | epoch | catalog accuracy |",
        "| --- | --- | --- | --- |",
    ]
    for i, (s, e, a) in enumerate(zip(run.snapshots.step, run.snapshots.epoch, acc, strict=True)):
        lines.append(f"| {i} | {int(s)} | {float(e):.2f} | {float(a):.3f} |")
    hist = run.training.history
    if "val_accuracy" in hist and len(hist["val_accuracy"]):
        lines += ["", f"Final validation accuracy: {float(hist['val_accuracy'][-1]):.4f}."]
    lines += [
        "",
        "## Stage timings (this machine)",
        "",
        "| stage | this run | last real run |",
        "| --- | --- | --- |",
    ]
    for o in outcomes:
        last = record.seconds(o.name)
        lines.append(
            f"| {o.name} | {'skipped (up to date)' if o.skipped else f'{o.seconds:.1f} s'}"
            f" | {'' if last is None else f'{last:.1f} s'} |"
        )
    lines.append(f"| total | {total:.1f} s | |")
    files = [
        (
            "run/run.h5",
            "the run file: probe responses, catalog snapshots, t-SNE tracks "
            "(`galaxyreel inspect run/run.h5`)",
        ),
        ("scene/scene.blend", "Blender scene, keyed, renders headless on any node"),
        ("scene/scene.ma", "Maya ASCII scene (see docs/maya.md)"),
        ("scene/scene.usda", "USD stage for Maya (maya-usd), Blender, usdview"),
        ("scene/timeline.json", "shot names and frame ranges"),
        ("frames/", "rendered PNG frames, manifest.json, frames.json"),
        ("film.mp4", "the film: H.264 + AAC with a soft subtitle track"),
        ("film.srt", "captions"),
        ("preview.html", "interactive 3D preview of the data (open in a browser)"),
    ]
    lines += ["", "## Files", ""]
    lines += [f"- `{name}`: {what}" for name, what in files if (plan.out / name).exists()]
    if (plan.frames / "frames.json").exists():
        info = json.loads((plan.frames / "frames.json").read_text())
        lines += [
            "",
            f"Frames: {len(info.get('frames', []))} at "
            f"{'x'.join(map(str, info.get('resolution', [])))}.",
        ]
    path = plan.out / "REPORT.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_cli(args) -> int:
    outcomes = run_demo(args.out, args.quality, args.size, tuple(args.force))
    ran = [o.name for o in outcomes if not o.skipped]
    print(
        f"demo: {args.out}/film.mp4 ready ({'ran ' + ', '.join(ran) if ran else 'all stages up to date'});"
        f" see {args.out}/REPORT.md"
    )
    return 0
