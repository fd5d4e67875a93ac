"""preview.html: page size, write time, load time and draw time, against the obvious alternatives.

    .venv/bin/python bench/preview.py [--iterations 400] [--catalog 1000] [--thumb 64]
                                      [--screenshot docs/img/preview.png]

For a paper-sized run (1024 units, 11 checkpoints, 1000 galaxies) it prints, side by side:
what we write (surfaces downsampled to <= 120 x 256, arrays as base64 small integers); the same
data as JSON float lists (the obvious encoding); and the surfaces at full resolution (no
downsampling). Browser figures come from a real headless Chromium: navigation to first drawn
frame, and the mean redraw time of each 3D view. Other work may share the two CPUs: the
variants are measured back to back in one run and reported as ratios as well as figures.
With ``--screenshot`` it also saves the picture used in docs/preview.md.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from galaxyreel import preview  # noqa: E402
from scene_builders.sample_run import make_sample_run  # noqa: E402
from tests.preview.browser import Browser, chromium_path  # noqa: E402


def _as_float_lists(obj):
    """The payload with every typed array spelled out as JSON numbers (the naive encoding)."""
    if isinstance(obj, dict):
        if set(obj) == {"dtype", "shape", "b64"}:
            dt = {"u1": "u1", "u2": "<u2", "f4": "<f4"}[obj["dtype"]]
            arr = np.frombuffer(base64.b64decode(obj["b64"]), dt).reshape(obj["shape"])
            scale = 65535.0 if obj["dtype"] == "u2" else 255.0
            return np.round(arr / scale, 6).tolist()
        return {k: _as_float_lists(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_as_float_lists(v) for v in obj]
    return obj


def _write(run, out: Path, rows: int, cols: int) -> tuple[float, int]:
    old = preview.MAX_ROWS, preview.MAX_COLS
    preview.MAX_ROWS, preview.MAX_COLS = rows, cols
    try:
        t = time.perf_counter()
        preview.write_preview(run, out)
        return time.perf_counter() - t, out.stat().st_size
    finally:
        preview.MAX_ROWS, preview.MAX_COLS = old


def _browse(b: Browser, page: Path) -> tuple[float, dict]:
    t = time.perf_counter()
    b.open(page.as_uri())
    b.wait_for("window.galaxyreelPreview && window.galaxyreelPreview.state().frames.tsne > 0")
    load = time.perf_counter() - t
    frames = b.evaluate("window.galaxyreelPreview.timeFrames(10)")
    errors = b.console_errors()
    if errors:
        raise SystemExit(f"{page}: console errors {errors}")
    return load, frames


def _screenshot(b: Browser, page: Path, out: Path, run) -> None:
    k = 7
    b.open(page.as_uri() + f"?checkpoint={k}")
    b.wait_for("window.galaxyreelPreview.state().frames.tsne > 0")
    wrong = np.flatnonzero(run.snapshots.predictions[k] != run.catalog.labels)
    for i in wrong[:40]:  # hover a misclassified galaxy that is in front
        at = b.evaluate(f"window.galaxyreelPreview.locate({int(i)})")
        b.mouse("mouseMoved", at["clientX"], at["clientY"])
        if b.evaluate("window.galaxyreelPreview.state().hovered") == run.catalog.ids[i]:
            break
    time.sleep(0.3)
    out.parent.mkdir(parents=True, exist_ok=True)
    b.screenshot(out)
    try:  # a 256-colour palette makes the docs picture ~3x smaller and looks the same
        from PIL import Image

        img = Image.open(out).convert("RGB")
        img.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            out, optimize=True
        )
    except ImportError:
        pass
    print(f"screenshot       {out} ({out.stat().st_size / 1e3:.0f} kB)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=400)
    ap.add_argument("--catalog", type=int, default=1000)
    ap.add_argument("--thumb", type=int, default=64)  # the trainer's thumbnail_size
    ap.add_argument("--screenshot", type=Path)
    args = ap.parse_args()

    t = time.perf_counter()
    run = make_sample_run(
        iterations=args.iterations,
        checkpoints=11,
        catalog=args.catalog,
        units=1024,
        thumb=args.thumb,
    )
    print(
        f"run              {args.iterations} iterations x 1024 units, 11 checkpoints, "
        f"{args.catalog} galaxies ({args.thumb} px), built in {time.perf_counter() - t:.1f} s"
    )
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ours, full, floats = tmp / "ours.html", tmp / "full.html", tmp / "floats.html"
        w_ours, s_ours = _write(run, ours, 120, 256)
        w_full, s_full = _write(run, full, args.iterations, 1024)
        payload = preview.build_payload(run)
        t = time.perf_counter()
        naive = json.dumps(_as_float_lists(payload), separators=(",", ":"))
        floats.write_text(naive)
        w_floats = time.perf_counter() - t
        s_floats = floats.stat().st_size
        atlas = len(payload["atlas"]["png"])
        data_ours = len(preview._inline_json(payload)) - atlas
        no_atlas = {**payload, "atlas": {**payload["atlas"], "png": ""}}
        data_floats = len(json.dumps(_as_float_lists(no_atlas), separators=(",", ":")))

        print("\npage size and write time (write includes building the payload)")
        print(
            f"  ours  120x256 base64 ints  {s_ours / 1e6:6.2f} MB   {w_ours:5.2f} s"
            f"   (atlas PNG {atlas / 1e6:.2f} MB of it)"
        )
        print(
            f"  arrays alone (no atlas): base64 ints {data_ours / 1e6:.2f} MB vs JSON float lists "
            f"{data_floats / 1e6:.2f} MB (x{data_floats / data_ours:.1f}); whole naive page "
            f"{s_floats / 1e6:.2f} MB, serialised in {w_floats:.2f} s"
        )
        print(
            f"  full-res {args.iterations}x1024 surfaces  {s_full / 1e6:6.2f} MB   "
            f"{w_full:5.2f} s   (x{s_full / s_ours:.1f} size, x{w_full / w_ours:.1f} time)"
        )

        if not chromium_path():
            print("\nno chromium on PATH: browser figures skipped")
            return 0
        with Browser(width=1400, height=1260) as b:
            l_ours, f_ours = _browse(b, ours)
            l_full, f_full = _browse(b, full)
            l_ours2, f_ours2 = _browse(b, ours)  # again, to see the noise from shared CPUs
            print("\nheadless Chromium (software canvas, no GPU)")
            print(f"  {'':22}{'load':>8}{'surfaces':>12}{'t-SNE':>10}   (ms per redraw)")
            for name, load, fr in (
                ("ours", l_ours, f_ours),
                ("full-res surfaces", l_full, f_full),
                ("ours (again)", l_ours2, f_ours2),
            ):
                print(f"  {name:22}{load:7.2f}s{fr['surfaces']:10.1f}ms{fr['tsne']:8.1f}ms")
            best = min(f_ours["surfaces"], f_ours2["surfaces"])
            print(
                f"  full-res / ours: load x{l_full / min(l_ours, l_ours2):.1f}, "
                f"surface redraw x{f_full['surfaces'] / best:.1f}"
            )
            if args.screenshot:
                _screenshot(b, ours, args.screenshot, run)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
