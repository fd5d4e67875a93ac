"""``preview.html``: one self-contained page to check a run before spending hours rendering.

The page shows the two response surfaces and the t-SNE tracks in 3D (mouse orbit and zoom, a
checkpoint slider with play), a galaxy's thumbnail, label and prediction on hover, and the
run's accuracy and config. It must open from a laptop's file system with no network, so the
viewer (a small hand-written canvas-2D projector in ``preview_assets/preview.js``), its CSS and
all data are inlined into one file.

Why the encoding: arrays travel as base64 of small integers (heights as uint8 of the global
maximum, positions as uint16 over the [-1, 1] box, probabilities as uint8) rather than as JSON
floats. That keeps a 1000-galaxy, 1024-unit demo page near 1 MB instead of several, and the
quantisation error (1/255 of the surface height, 3e-5 of the box) is far below a pixel.
Thumbnails go as one atlas PNG, encoded here with zlib so this module needs numpy alone.

Only numpy and the standard library are imported; the run is read through
:func:`scene_builders.runfile.read_run` by :func:`preview_from_file`.
"""

from __future__ import annotations

import base64
import json
from importlib import resources
from pathlib import Path

import numpy as np

from scene_builders.atomic import atomic_output
from scene_builders.png import png_bytes

__all__ = ["PreviewError", "build_payload", "preview_from_file", "write_preview"]

MAX_ROWS = 120
"""Iterations kept for the surfaces (evenly spaced, first and last always in)."""
MAX_COLS = 256
"""Units kept for the surfaces (means of adjacent units)."""
MAX_THUMB = 48
"""Thumbnails larger than this are box-filtered down by an integer factor."""


class PreviewError(Exception):
    """The preview page cannot be written (bad run content or an unwritable destination)."""

    user_facing = True


# ----------------------------------------------------------------------------- encoding


def _b64(arr: np.ndarray, dtype: str) -> dict:
    """A typed array for the page: little-endian bytes in base64 plus dtype and shape."""
    a = np.ascontiguousarray(arr, dtype=np.dtype(dtype).newbyteorder("<"))
    return {
        "dtype": {"u1": "u1", "<u2": "u2", "<f4": "f4"}[np.dtype(dtype).str.replace("|", "")],
        "shape": list(a.shape),
        "b64": base64.b64encode(a.tobytes()).decode("ascii"),
    }


def _atlas(thumbs: np.ndarray) -> tuple[np.ndarray, int, int]:
    """Pack (N, h, w, 3) thumbnails into a square-ish grid; returns (image, tile, columns)."""
    n, h, w, _ = thumbs.shape
    factor = max(1, int(np.ceil(max(h, w) / MAX_THUMB)))
    if factor > 1:
        hh, ww = h // factor, w // factor
        t = thumbs[:, : hh * factor, : ww * factor].reshape(n, hh, factor, ww, factor, 3)
        total = t.sum((2, 4), dtype=np.uint32) + factor * factor // 2  # rounded box filter
        thumbs = (total // (factor * factor)).astype(np.uint8)
        h, w = hh, ww
    tile = max(h, w)
    cols = max(1, int(np.ceil(np.sqrt(n))))
    rows = max(1, int(np.ceil(n / cols)))
    img = np.zeros((rows * tile, cols * tile, 3), np.uint8)
    for i in range(n):
        r, c = divmod(i, cols)
        img[r * tile : r * tile + h, c * tile : c * tile + w] = thumbs[i]
    return img, tile, cols


# ----------------------------------------------------------------------------- payload


def _jsonable(obj):
    """Config and history as JSON a browser accepts: NaN/inf (a diverged loss) become null."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if np.isfinite(obj) else None
    if obj is None or isinstance(obj, str):
        return obj
    return str(obj)


def _even(n: int, k: int) -> np.ndarray:
    """``min(n, k)`` evenly spaced indices into ``range(n)``, first and last included."""
    if n <= k:
        return np.arange(n)
    return np.unique(np.round(np.linspace(0, n - 1, k)).astype(np.int64))


def _surfaces(run) -> dict:
    s = run.surfaces
    acts = np.asarray(s.activations, np.float32)  # (T, P, U)
    t, p, u = acts.shape
    rows = _even(t, MAX_ROWS)
    group = max(1, int(np.ceil(u / MAX_COLS)))
    cols = int(np.ceil(u / group))
    pad = cols * group - u
    a = acts[rows]
    if pad:  # repeat the last unit so every group averages real activations
        a = np.concatenate([a, np.repeat(a[..., -1:], pad, axis=-1)], axis=-1)
    a = a.reshape(len(rows), p, cols, group).mean(-1)
    top = float(np.max(a)) if a.size else 0.0
    bottom = min(0.0, float(np.min(a))) if a.size else 0.0
    span = top - bottom if top > bottom else 1.0
    heights = np.round((a - bottom) / span * 255).clip(0, 255).astype(np.uint8)
    events = [
        {
            "step": int(ev.step),
            "epoch": float(ev.epoch),
            "stage": int(ev.stage),
            "description": ev.description,
        }
        for ev in run.training.events
    ]
    return {
        "probes": [
            {
                "name": run.probes.names[i],
                "label": int(run.probes.labels[i]),
                "heights": _b64(heights[:, i], "u1"),
            }
            for i in range(p)
        ],
        "rows": len(rows),
        "cols": cols,
        "units": u,
        "units_per_col": group,
        "iterations": t,
        "row_iteration": rows.tolist(),
        "row_step": [int(x) for x in s.step[rows]],
        "row_epoch": [round(float(x), 4) for x in s.epoch[rows]],
        "row_stage": [int(x) for x in s.stage[rows]],
        "height_min": bottom,
        "height_max": bottom + span,
        "events": events,
    }


def _tracks(run, keep: np.ndarray) -> dict | None:
    pr = run.projection
    if pr is None:
        return None
    pos = np.asarray(pr.positions, np.float32)[:, keep]  # (K, n, 3)
    q = np.round((np.clip(pos, -1, 1) + 1) * 0.5 * 65535).astype(np.uint16)
    out = {
        "method": pr.method,
        "params": _jsonable(pr.params),
        "positions": _b64(q, "<u2"),
    }
    for name in ("trustworthiness", "knn_agreement"):
        arr = getattr(pr, name)
        out[name] = None if arr is None else _jsonable(np.round(np.asarray(arr, np.float64), 4))
    return out


def build_payload(run, *, max_points: int = 1000) -> dict:
    """Everything the page shows, as a JSON-able dict (exposed for tests and the bench)."""
    if max_points < 1:
        raise PreviewError(f"max_points must be at least 1, got {max_points}")
    cat, snap = run.catalog, run.snapshots
    n = int(cat.labels.shape[0])
    keep = _even(n, int(max_points))
    atlas, tile, cols = _atlas(np.asarray(cat.thumbnails)[keep])
    probs = np.asarray(snap.probabilities, np.float32)[:, keep]  # (K, n, C)
    preds = np.asarray(snap.predictions)[:, keep]
    p_pred = np.take_along_axis(probs, preds[..., None].astype(np.int64), axis=-1)[..., 0]
    acc = snap.accuracy(cat.labels)
    surfaces = _surfaces(run)
    row_step = np.asarray(surfaces["row_step"])
    ck_row = [int(np.argmin(np.abs(row_step - int(st)))) for st in snap.step]
    hist = {
        k: _jsonable(np.round(np.asarray(v, np.float64).ravel(), 5))
        for k, v in run.training.history.items()
    }
    from scene_builders.runfile import CLASS_NAMES

    return {
        "class_names": list(CLASS_NAMES),
        "config": _jsonable(run.training.config),
        "seed": int(run.training.seed),
        "history": hist,
        "surfaces": surfaces,
        "checkpoints": {
            "step": [int(x) for x in snap.step],
            "epoch": [round(float(x), 4) for x in snap.epoch],
            "accuracy": [round(float(x), 5) for x in acc],
            "row": ck_row,
        },
        "catalog": {
            "total": n,
            "shown": int(keep.shape[0]),
            "index": keep.tolist(),
            "ids": [cat.ids[i] for i in keep],
            "labels": [int(x) for x in np.asarray(cat.labels)[keep]],
            "predictions": _b64(preds, "u1"),
            "p_pred": _b64(np.round(p_pred * 255).clip(0, 255), "u1"),
            "thumb_size": [int(cat.thumbnails.shape[1]), int(cat.thumbnails.shape[2])],
        },
        "atlas": {
            "tile": tile,
            "cols": cols,
            "png": "data:image/png;base64," + base64.b64encode(png_bytes(atlas)).decode(),
        },
        "tracks": _tracks(run, keep),
    }


# ----------------------------------------------------------------------------- page


def _asset(name: str) -> str:
    return resources.files("galaxyreel").joinpath("preview_assets", name).read_text("utf-8")


def _inline_json(obj) -> str:
    """JSON safe inside a <script> element: no ``</`` can close it early."""
    try:
        text = json.dumps(obj, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise PreviewError(f"the run holds a value a web page cannot carry ({exc})") from exc
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def render_html(payload: dict, title: str = "galaxyreel run preview") -> str:
    """The page as text: the template with its CSS, script and data inlined."""
    import html

    page = _asset("preview.html")
    for key, value in (
        ("/*@CSS@*/", _asset("preview.css")),
        ("/*@JS@*/", _asset("preview.js")),
        ("@DATA@", _inline_json(payload)),
        ("@TITLE@", html.escape(title)),
    ):
        if key not in page:
            raise PreviewError(f"preview template is missing its {key} slot")
        page = page.replace(key, value, 1)
    return page


def write_preview(run, out_html: Path, *, max_points: int = 1000, title: str | None = None) -> Path:
    """Write the self-contained preview page for ``run`` to ``out_html``, atomically.

    ``max_points`` caps the galaxies shown (an evenly spaced subset; accuracy is always over
    the whole catalog). A run without t-SNE tracks still gets its surfaces, and the page says
    the tracks are missing. An existing page is replaced only once the new one is complete.
    """
    out_html = Path(out_html)
    try:
        payload = build_payload(run, max_points=max_points)
        text = render_html(payload, title or f"galaxyreel preview · {out_html.parent.name}")
    except PreviewError as exc:
        raise PreviewError(f"{out_html}: {exc}") from exc
    try:
        with atomic_output(out_html) as tmp:
            tmp.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise PreviewError(f"{out_html}: cannot write: {exc.strerror or exc}") from exc
    return out_html


def preview_from_file(run_h5: Path, out_html: Path, *, max_points: int = 1000) -> Path:
    """Read ``run_h5`` (validating; :class:`RunFileError` on a bad file) and write its page."""
    from scene_builders.runfile import read_run

    run = read_run(run_h5)
    return write_preview(
        run, out_html, max_points=max_points, title=f"galaxyreel preview · {Path(run_h5).name}"
    )


def preview_cli(args) -> int:
    """``galaxyreel preview RUN.h5 --out PAGE.html``."""
    out = preview_from_file(args.run, args.out, max_points=args.max_points)
    print(f"{out}: preview written")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m galaxyreel.preview RUN.h5 OUT.html [--max-points N]``."""
    import argparse
    import sys

    ap = argparse.ArgumentParser(prog="python -m galaxyreel.preview", description=main.__doc__)
    ap.add_argument("run", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--max-points", type=int, default=1000)
    args = ap.parse_args(argv)
    try:
        path = preview_from_file(args.run, args.out, max_points=args.max_points)
    except Exception as exc:
        if getattr(exc, "user_facing", False):
            print(f"galaxyreel: error: {exc}", file=sys.stderr)
            return 2
        raise
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
