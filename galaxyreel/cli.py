"""``galaxyreel <verb>``: one argparse entry point over the stages.

Start-up must stay fast (``--help`` well under a second): this module imports nothing heavy at
import time; each verb imports its stage inside its handler. User errors (any exception class
with ``user_facing = True``: RunFileError, SceneError, FarmError, StoryboardError, ...) become
one line on stderr and exit status 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EPILOG = """\
stages: train -> project -> scene -> render -> compose (each a file on disk; see
docs/run-format.md). `galaxyreel demo` chains them all on synthetic galaxies."""


class Unavailable(Exception):
    user_facing = True


def _cmd_inspect(args) -> int:
    from scene_builders.runfile import read_run, summary

    run = read_run(args.run)
    print(f"{args.run}: valid")
    print(summary(run))
    return 0


def _lazy(module: str, func: str):
    """A handler that imports ``module`` only when the verb runs."""

    def handler(args) -> int:
        import importlib

        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name and (exc.name == module or module.startswith(exc.name + ".")):
                raise Unavailable(
                    f"`galaxyreel {args.verb}` is not available yet in this build "
                    f"(missing module {module})"
                ) from exc
            raise Unavailable(
                f"`galaxyreel {args.verb}` needs the Python package "
                f"{exc.name!r}; install galaxyreel[all]"
            ) from exc
        return int(getattr(mod, func)(args) or 0)

    return handler


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="galaxyreel",
        description="Film a neural network learning to classify galaxies: train, project, "
        "build Blender/Maya/USD scenes, render on a farm, compose the film.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version="galaxyreel 0.1.0")
    sub = p.add_subparsers(dest="verb", metavar="VERB")
    sub.required = True

    d = sub.add_parser(
        "demo",
        help="everything, on synthetic galaxies: run, scenes, frames, film",
        description="Train on synthetic galaxies, project, build the scenes, "
        "render them on the local farm and compose the film. Stages "
        "whose outputs are up to date are skipped.",
    )
    d.add_argument(
        "--out", type=Path, default=Path("out/demo"), help="output folder (default out/demo)"
    )
    d.add_argument(
        "--quality",
        choices=("preview", "final"),
        default="preview",
        help="render quality (default preview)",
    )
    d.add_argument(
        "--size",
        choices=("tiny", "full"),
        default="full",
        help="tiny: a seconds-long smoke test; full: the real demo (default)",
    )
    d.add_argument(
        "--force",
        action="append",
        default=[],
        metavar="STAGE",
        help="redo STAGE even if it is up to date (train, project, scene, render, "
        "compose, preview); repeatable",
    )
    d.set_defaults(handler=_lazy("galaxyreel.demo", "run_cli"))

    t = sub.add_parser(
        "train",
        help="train a classifier and record the run file",
        description="Train spiral-vs-elliptical, recording probe responses every "
        "iteration and the catalog at checkpoints into RUN_DIR/run.h5.",
    )
    g = t.add_mutually_exclusive_group()
    g.add_argument(
        "--preset",
        choices=("demo", "paper", "tiny"),
        default="demo",
        help="built-in configuration (default demo)",
    )
    g.add_argument("--config", type=Path, help="a JSON or TOML config file")
    t.add_argument("--out", type=Path, required=True, metavar="RUN_DIR", help="output folder")
    t.add_argument("--resume", action="store_true", help="continue an interrupted run")
    t.add_argument(
        "--data", type=Path, help="Galaxy10 .h5 or Galaxy Zoo CSV (default: synthetic galaxies)"
    )
    t.add_argument("--images", type=Path, help="cutout folder for a Galaxy Zoo CSV")
    t.add_argument("--weights", type=Path, help="local backbone weights file (.h5/.keras)")
    t.add_argument("--seed", type=int, help="override the config's seed")
    t.add_argument(
        "--recursive",
        action="store_true",
        help="after training, pseudo-label an unlabelled pool and retrain",
    )
    t.add_argument("--unlabelled", type=Path, help="folder or .h5 of unlabelled images")
    t.add_argument("--per-class", type=int, default=1000, help="pseudo-labels per class a round")
    t.add_argument("--rounds", type=int, default=1, help="recursive rounds")
    t.add_argument(
        "--floor", type=float, default=0.9, help="pseudo-label probability floor (default 0.9)"
    )
    t.set_defaults(handler=_lazy("trainer.cli", "train_cli"))

    c = sub.add_parser(
        "classify",
        help="classify unlabelled cutouts with a trained model",
        description="Run a trained model over a folder of images; write "
        "predictions and penultimate features.",
    )
    c.add_argument("model", type=Path, help="RUN_DIR or a saved .keras model")
    c.add_argument("images", type=Path, help="folder of cutouts or an .h5 of images")
    c.add_argument("--out", type=Path, required=True, help="output .h5")
    c.set_defaults(handler=_lazy("trainer.cli", "classify_cli"))

    pr = sub.add_parser(
        "project",
        help="t-SNE tracks of the catalog into the run file",
        description="Embed the catalog's activations at every checkpoint in 3D, "
        "chained and aligned, and store them in the run file.",
    )
    pr.add_argument("run", type=Path, metavar="RUN.h5")
    pr.add_argument("--method", default="opentsne", help="opentsne (default), sklearn, pca")
    pr.add_argument(
        "--independent",
        action="store_true",
        help="embed each checkpoint alone (no chaining), for comparison",
    )
    pr.add_argument("--perplexity", type=float, default=30.0)
    pr.add_argument("--seed", type=int, default=0)
    pr.add_argument(
        "--force",
        action="store_true",
        help="recompute even if the stored tracks match these settings and activations",
    )
    pr.set_defaults(handler=_lazy("trainer.project_cli", "project_cli"))

    i = sub.add_parser(
        "inspect",
        help="summarise and validate a run file",
        description="Print a summary of a run file and validate it. Exit status "
        "0 for a good file, 2 with one message for a bad one.",
    )
    i.add_argument("run", type=Path, metavar="RUN.h5")
    i.set_defaults(handler=_cmd_inspect)

    s = sub.add_parser(
        "scene",
        help="build Blender / Maya / USD / ParaView scenes from a run",
        description="Build the film's scene from a run file and write it for one "
        "or more targets, plus timeline.json.",
    )
    s.add_argument("run", type=Path, metavar="RUN.h5")
    s.add_argument(
        "--to",
        default="blender",
        help="blender, maya, usd, paraview or all; comma-separated (default blender)",
    )
    s.add_argument("--out", type=Path, required=True, metavar="SCENE_DIR")
    s.add_argument("--look", type=Path, help="a look TOML (colours, timing, resolution)")
    s.add_argument("--quality", choices=("preview", "final"), default="preview")
    s.add_argument("--shots", help="comma-separated shot names (default: all)")
    s.add_argument(
        "--arnold",
        action="store_true",
        help="Maya target: Arnold aiStandardSurface materials (needs MtoA) instead of Lambert",
    )
    s.set_defaults(handler=_lazy("scene_builders.cli", "scene_cli"))

    v = sub.add_parser(
        "preview",
        help="write the interactive preview page of a run (one self-contained HTML file)",
        description="Write a self-contained HTML page showing the response surfaces and the "
        "t-SNE tracks in 3D, with a checkpoint slider and galaxy thumbnails on hover.",
    )
    v.add_argument("run", type=Path, metavar="RUN.h5")
    v.add_argument("--out", type=Path, required=True, metavar="PAGE.html")
    v.add_argument("--max-points", type=int, default=1000, help="galaxies shown (default 1000)")
    v.set_defaults(handler=_lazy("galaxyreel.preview", "preview_cli"))

    r = sub.add_parser(
        "render",
        help="render a scene's frames (local pool, Slurm or PBS)",
        description="Plan the frames into chunks and render them on a backend. "
        "Frames are verified; a re-run resumes.",
    )
    r.add_argument("scene", type=Path, metavar="SCENE.blend")
    r.add_argument("--out", type=Path, required=True, metavar="FRAMES_DIR")
    r.add_argument("--frames", help="e.g. 1-240, 1-30,61-90, 1-240x2 (default: the scene's range)")
    r.add_argument(
        "--backend", choices=("local", "slurm", "pbs", "torque", "dask"), default="local"
    )
    r.add_argument("--renderer", choices=("bpy", "blender", "maya"), default="bpy")
    r.add_argument("--chunk", type=int, help="frames per chunk (default: from cost estimate)")
    r.add_argument("--workers", type=int, help="parallel processes (local backend)")
    r.add_argument("--threads", type=int, help="render threads per process")
    r.add_argument("--resolution", help="WxH override, e.g. 320x180")
    r.add_argument("--samples", type=int, help="render samples override")
    r.add_argument("--partition", help="Slurm partition / PBS queue")
    r.add_argument("--time", help="wall time per task, e.g. 00:30:00")
    r.add_argument("--mem", help="memory per task, e.g. 4G")
    r.add_argument("--max-parallel", type=int, help="at most this many array tasks at once")
    r.add_argument("--retries", type=int, default=2, help="resubmit failed tasks this often")
    r.add_argument("--dry-run", action="store_true", help="write the job scripts, submit nothing")
    r.add_argument(
        "--detach",
        action="store_true",
        help="slurm/pbs: submit and return (follow with `galaxyreel farm status`)",
    )
    r.add_argument(
        "--probe",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="probe-render one frame per shot to size the chunks (default: local, long scenes)",
    )
    r.set_defaults(handler=_lazy("render_farm.cli", "render_cli"))

    f = sub.add_parser(
        "farm",
        help="status, resume or collect a frames folder",
        description="status: done/missing/corrupt/running with an ETA; resume: "
        "render only what is missing or corrupt; collect: check "
        "completeness and write the ordered frame list.",
    )
    f.add_argument("action", choices=("status", "resume", "collect"))
    f.add_argument("frames", type=Path, metavar="FRAMES_DIR")
    f.add_argument(
        "--backend",
        choices=("local", "slurm", "pbs", "torque", "dask"),
        help="resume on this backend (default: the one in the manifest)",
    )
    f.add_argument("--workers", type=int, help="resume: parallel processes (local backend)")
    f.add_argument("--threads", type=int, help="resume: render threads per process")
    f.add_argument("--detach", action="store_true", help="resume: submit and return (slurm/pbs)")
    f.set_defaults(handler=_lazy("render_farm.cli", "farm_cli"))

    m = sub.add_parser(
        "compose",
        help="cut frames, narration, music and captions into the film",
        description="Compose the film from a storyboard and rendered frames: "
        "title cards, transitions, annotations, narration, music, "
        "captions; H.264 + AAC MP4 and an .srt.",
    )
    m.add_argument("storyboard", type=Path, metavar="STORYBOARD.toml")
    m.add_argument("--frames", type=Path, required=True, metavar="FRAMES_DIR")
    m.add_argument("--out", type=Path, required=True, metavar="FILM.mp4")
    m.add_argument("--preview", action="store_true", help="small and fast, for timing work")
    m.add_argument("--burn-captions", action="store_true", help="also burn captions in")
    m.add_argument(
        "--timeline",
        type=Path,
        help="timeline.json for a plain folder of numbered PNGs (default: FRAMES_DIR's)",
    )
    m.set_defaults(handler=_lazy("compositing.cli", "compose_cli"))

    a = sub.add_parser(
        "addon",
        help="build the Blender extension zip",
        description="Build the installable Blender extension (manifest, add-on, "
        "project code and wheels).",
    )
    a.add_argument("action", choices=("build",))
    a.add_argument("--out", type=Path, default=Path("dist"), help="output folder (default dist)")
    a.add_argument(
        "--platform",
        action="append",
        choices=("linux-x64", "linux-arm64", "macos-x64", "macos-arm64", "windows-x64"),
        help="Blender platform to carry wheels for; repeatable (default linux-x64)",
    )
    a.add_argument(
        "--wheels",
        type=Path,
        action="append",
        metavar="DIR",
        help="folder of ready wheels (h5py, tqdm) to use before the cache or PyPI; repeatable",
    )
    a.set_defaults(handler=_lazy("blender_addon.build", "build_cli"))
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("galaxyreel: interrupted; re-run the same command to resume", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - only user-facing errors are turned into a line
        if getattr(type(exc), "user_facing", False):
            print(f"galaxyreel {args.verb}: error: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
