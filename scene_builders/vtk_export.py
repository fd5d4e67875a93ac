"""ParaView export: the t-SNE tracks and response surfaces as VTK XML time series (``.pvd``).

Two entry points, because the science and the film live in different places:

* :func:`write_vtk_run` reads the *run* and is what a ParaView user wants: the catalog as points
  per checkpoint with true label, predicted label, misclassified flag, class probabilities and
  thumbnail tile, the probes' response surfaces growing iteration by iteration with the
  activation as a scalar, and time = training step. The Scene IR does not carry labels,
  probabilities or steps (it has colours and frames), so this exporter skips the IR on purpose.
* :func:`write_vtk` translates a built :class:`~scene_builders.ir.Scene` like the other writers
  (point sets and meshes with their colours, tiles and keyed motion; time = film frame), for
  someone who wants to look at exactly what the film shows.

Format choices (the reasons are measured in ``bench/vtk_export.py``):

* Files are written by the ``vtk`` package's XML writers (appended raw binary, zlib 1), imported
  lazily so ``scene_builders`` stays importable without it. The ``.pvd`` collection is a
  ten-line XML index that the ``vtk`` wheel has no writer for; it is written with ElementTree.
* One ``.pvd`` per series (``tsne.pvd``, ``surface_<probe>.pvd``) plus a combined collection
  whose parts share one time axis: ParaView's PVD reader loads, at a requested time, only the
  entries whose ``timestep`` equals the chosen one, so every part gets an entry at every time
  (the latest file at or before it; repeating a file name costs nothing).
* A growing surface is a structured grid holding every recorded row up to its iteration, which
  is quadratic in the number of iterations; ``max_surface_steps`` caps the iterations used
  (evenly sampled, first and last kept), both as time steps and as rows. The default 64 keeps
  a paper-sized export near 60 MB; 128 is ~3.5x that, all 256 iterations ~13.6x.
* Everything is written into ``.<name>.partial/`` beside the output with an input fingerprint;
  a re-run with the same inputs resumes (finished files are kept), different inputs start
  afresh, and the finished folder replaces the old one only at the end, so an interrupted export
  never damages the previous one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .ir import Keys, Mesh, PointSet, Scene, SceneError, check_scene, euler_xyz_to_matrix
from .runfile import CLASS_NAMES, Run

FORMAT_VERSION = 1
CATEGORY_NAMES = ("elliptical", "spiral", "misclassified")
"""``category`` point array: predicted class when right, 2 when wrong (the film's colouring)."""
CATEGORY_SRGB = ((1.0, 0.78, 0.18), (0.22, 0.52, 1.0), (1.0, 0.12, 0.08))
"""sRGB colours of the categories: the film's default look (yellow, blue, red)."""

ZLIB_LEVEL = 1
"""zlib level 1: 2.2x faster than VTK's default 6 for 12 % more bytes (bench/vtk_export.py);
LZ4 is faster still but not every VTK reader (meshio, older VisIt) decodes it."""

RUN_COLLECTION = "galaxyreel.pvd"
SCENE_COLLECTION = "scene.pvd"


# ----------------------------------------------------------------------------- numpy core


@dataclass(frozen=True)
class Step:
    """One time step of one series: geometry and data, no I/O."""

    time: float
    points: np.ndarray  # (N, 3) float32
    point_data: dict = field(default_factory=dict)  # name -> (N,) or (N, C) array
    field_data: dict = field(default_factory=dict)  # name -> scalar or str
    grid: tuple[int, int, int] | None = None  # structured grid dimensions (x fastest)
    polys: np.ndarray | None = None  # (F, n) faces for a mesh
    tcoords: np.ndarray | None = None  # (N, 2)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "item"


def _unique_checkpoints(steps: np.ndarray) -> np.ndarray:
    """Indices of checkpoints with strictly increasing steps (a repeated step keeps the last)."""
    steps = np.asarray(steps)
    keep = np.ones(steps.shape[0], bool)
    keep[:-1] = steps[1:] != steps[:-1]
    return np.flatnonzero(keep)


def tsne_steps(run: Run, frames_per_checkpoint: int = 0) -> list[Step]:
    """The catalog as points at each checkpoint, and in between if ``frames_per_checkpoint > 1``.

    In-between frames move the points like the film (``Keys`` "bezier": ease in and out) on a
    time axis interpolated linearly in training steps; labels, probabilities and the
    misclassified flag hold the previous checkpoint's values, as the film's colours do.
    """
    if run.projection is None:
        raise SceneError("the run has no t-SNE tracks; run `galaxyreel project` first")
    snaps = run.snapshots
    keep = _unique_checkpoints(snaps.step)
    steps = snaps.step[keep].astype(np.float64)
    positions = run.projection.positions[keep].astype(np.float64)
    track = Keys(steps, positions, "bezier") if steps.shape[0] > 1 else None
    labels = np.asarray(run.catalog.labels, np.int32)
    tiles = np.arange(labels.shape[0], dtype=np.int32)
    per = max(1, int(frames_per_checkpoint))

    out = []
    for j, k in enumerate(keep):
        last = j == keep.shape[0] - 1
        pred = np.asarray(snaps.predictions[k], np.int32)
        wrong = pred != labels
        category = np.where(wrong, 2, pred).astype(np.int32)
        probs = np.asarray(snaps.probabilities[k], np.float32)
        data = {
            "true_label": labels,
            "predicted_label": pred,
            "misclassified": wrong.astype(np.uint8),
            "probability": probs,
            "p_spiral": probs[:, CLASS_NAMES.index("spiral")].copy(),
            "category": category,
            "color": (np.asarray(CATEGORY_SRGB)[category] * 255 + 0.5).astype(np.uint8),
            "tile": tiles,
        }
        for sub in range(1 if last else per):
            if sub == 0:
                t = float(steps[j])
                pos = positions[j]
            else:
                t = float(steps[j] + (steps[j + 1] - steps[j]) * sub / per)
                pos = track.at(t)
            fields = {
                "step": t,
                "epoch": float(np.interp(t, steps, snaps.epoch[keep])),
                "checkpoint": int(k),
                "checkpoint_phase": sub / per,
                "accuracy": float(1.0 - wrong.mean()),
            }
            out.append(Step(t, pos.astype(np.float32), data, fields))
    return out


def surface_iterations(iterations: int, max_steps: int) -> np.ndarray:
    """Indices of the iterations used as time steps and rows (all, or evenly sampled)."""
    if max_steps < 1:
        raise SceneError(f"max_surface_steps must be at least 1, got {max_steps}")
    if iterations <= max_steps:
        return np.arange(iterations)
    return np.unique(np.round(np.linspace(0, iterations - 1, max_steps)).astype(np.int64))


def surface_steps(run: Run, probe: int, max_steps: int = 64) -> list[Step]:
    """Probe ``probe``'s response surface growing iteration by iteration.

    Layout (the film's, in the t-SNE box): x in [-1, 1] across the units, y in [-1, 1] along
    training (by step), z = activation / the run's largest activation, in [0, 1]. The raw
    ``activation`` is the point scalar; ``unit``, ``step``, ``epoch`` and ``stage`` ride along.
    """
    s = run.surfaces
    t_count, _, units = s.activations.shape
    idx = surface_iterations(t_count, max_steps)
    x = np.linspace(-1.0, 1.0, units) if units > 1 else np.zeros(1)
    span = float(s.step[-1] - s.step[0])
    y_all = (s.step - s.step[0]) / span * 2.0 - 1.0 if span > 0 else np.zeros(t_count)
    top = float(s.activations.max())
    scale = 1.0 / top if top > 0 else 1.0
    name = run.probes.names[probe]
    label = int(run.probes.labels[probe])
    out = []
    for j, it in enumerate(idx):
        rows = idx[: j + 1]
        acts = s.activations[rows, probe, :].astype(np.float32)  # (R, U)
        r = rows.shape[0]
        pts = np.empty((r, units, 3), np.float32)
        pts[..., 0] = x[None, :]
        pts[..., 1] = y_all[rows][:, None]
        pts[..., 2] = acts * scale
        data = {
            "activation": acts.reshape(-1),
            "unit": np.tile(np.arange(units, dtype=np.int32), r),
            "step": np.repeat(s.step[rows].astype(np.int64), units),
            "epoch": np.repeat(s.epoch[rows].astype(np.float32), units),
            "stage": np.repeat(s.stage[rows].astype(np.int32), units),
        }
        fields = {
            "probe": name,
            "probe_label": label,
            "probe_class": CLASS_NAMES[label],
            "step": float(s.step[it]),
            "iteration": int(it),
            "stage": int(s.stage[it]),
            "height_scale": scale,
        }
        out.append(Step(float(s.step[it]), pts.reshape(-1, 3), data, fields, grid=(units, r, 1)))
    return out


def _frames(keys_list: Iterable[Keys], first: int, last: int, per: int) -> np.ndarray:
    """Frames at which an IR item is sampled: its keys inside its shot, plus in-betweens."""
    frames = {float(first)}
    for keys in keys_list:
        if keys is None:
            continue
        f = keys.frames
        inside = f[(f >= first) & (f <= last)]
        frames.update(float(v) for v in inside)
        if per > 1:
            for a, b in zip(f[:-1], f[1:], strict=True):
                for sub in range(1, per):
                    v = a + (b - a) * sub / per
                    if first <= v <= last:
                        frames.add(float(v))
    return np.array(sorted(frames))


def _transform_at(item, frame: float, points: np.ndarray) -> np.ndarray:
    tr = item.transform
    m = euler_xyz_to_matrix(tr.rotation.at(frame))
    return (points * tr.scale.at(frame)) @ m.T + tr.location.at(frame)


def item_steps(item, first: int, last: int, per: int) -> list[Step]:
    """An IR point set or mesh sampled at its key frames (time = film frame), world space."""
    out = []
    if isinstance(item, PointSet):
        frames = _frames(
            (item.positions, item.colors, *vars(item.transform).values()), first, last, per
        )
        for f in frames:
            pts = _transform_at(item, f, item.positions.at(f))
            rgba = np.clip(item.colors.at(f), 0, 1)
            data = {"color": (rgba * 255 + 0.5).astype(np.uint8)}
            if item.tiles is not None:
                data["tile"] = np.asarray(item.tiles, np.int32)
            fields = {"frame": float(f), "radius": float(item.radius), "shape": item.shape}
            fields["material"] = item.material
            out.append(Step(float(f), pts.astype(np.float32), data, fields))
    elif isinstance(item, Mesh):
        frames = _frames((item.states, *vars(item.transform).values()), first, last, per)
        for f in frames:
            rest = item.states.at(f) if item.states is not None else item.vertices
            pts = _transform_at(item, f, np.asarray(rest, np.float64))
            data = {}
            if item.colors is not None:
                data["color"] = (np.clip(item.colors, 0, 1) * 255 + 0.5).astype(np.uint8)
            fields = {"frame": float(f), "material": item.material}
            out.append(
                Step(
                    float(f),
                    pts.astype(np.float32),
                    data,
                    fields,
                    polys=np.asarray(item.faces, np.int64),
                    tcoords=None if item.uvs is None else np.asarray(item.uvs, np.float32),
                )
            )
    return out


# ----------------------------------------------------------------------------- vtk adapter


def _vtk():
    try:
        from vtkmodules.util import numpy_support
        from vtkmodules.vtkCommonCore import vtkPoints, vtkStringArray
        from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkPolyData, vtkStructuredGrid
        from vtkmodules.vtkIOCore import vtkZLibDataCompressor
        from vtkmodules.vtkIOXML import vtkXMLPolyDataWriter, vtkXMLStructuredGridWriter
    except ImportError as exc:
        raise SceneError(
            "the ParaView export needs the `vtk` Python package: pip install 'galaxyreel[paraview]'"
        ) from exc
    return {
        "ns": numpy_support,
        "vtkPoints": vtkPoints,
        "vtkStringArray": vtkStringArray,
        "vtkCellArray": vtkCellArray,
        "vtkPolyData": vtkPolyData,
        "vtkStructuredGrid": vtkStructuredGrid,
        "poly_writer": vtkXMLPolyDataWriter,
        "grid_writer": vtkXMLStructuredGridWriter,
        "zlib": vtkZLibDataCompressor,
    }


def _array(v, name: str, values: np.ndarray):
    arr = v["ns"].numpy_to_vtk(np.ascontiguousarray(values), deep=True)
    arr.SetName(name)
    if name == "probability" and values.ndim == 2:
        for c, cname in enumerate(CLASS_NAMES[: values.shape[1]]):
            arr.SetComponentName(c, cname)
    return arr


def _cells(v, counts_offsets: tuple[np.ndarray, np.ndarray]):
    offsets, conn = counts_offsets
    cells = v["vtkCellArray"]()
    ns = v["ns"]
    cells.SetData(
        ns.numpy_to_vtkIdTypeArray(np.ascontiguousarray(offsets, np.int64), deep=True),
        ns.numpy_to_vtkIdTypeArray(np.ascontiguousarray(conn, np.int64), deep=True),
    )
    return cells


def _dataset(v, step: Step):
    pts = v["vtkPoints"]()
    pts.SetData(v["ns"].numpy_to_vtk(np.ascontiguousarray(step.points, np.float32), deep=True))
    n = step.points.shape[0]
    if step.grid is not None:
        ds = v["vtkStructuredGrid"]()
        ds.SetDimensions(*step.grid)
        ds.SetPoints(pts)
    else:
        ds = v["vtkPolyData"]()
        ds.SetPoints(pts)
        if step.polys is not None and step.polys.size:
            f, k = step.polys.shape
            ds.SetPolys(_cells(v, (np.arange(f + 1) * k, step.polys.reshape(-1))))
        else:  # one vertex cell per point, so the points render without a glyph filter
            ds.SetVerts(_cells(v, (np.arange(n + 1), np.arange(n))))
        if step.tcoords is not None:
            ds.GetPointData().SetTCoords(_array(v, "uv", step.tcoords))
    pd = ds.GetPointData()
    for name, values in step.point_data.items():
        pd.AddArray(_array(v, name, np.asarray(values)))
    if "category" in step.point_data:
        pd.SetActiveScalars("category")
    elif "activation" in step.point_data:
        pd.SetActiveScalars("activation")
    fd = ds.GetFieldData()
    fd.AddArray(_array(v, "TimeValue", np.array([step.time], np.float64)))
    for name, value in step.field_data.items():
        if isinstance(value, str):
            s = v["vtkStringArray"]()
            s.SetName(name)
            s.InsertNextValue(value)
            fd.AddArray(s)
        else:
            fd.AddArray(_array(v, name, np.array([value])))
    return ds


def _write_dataset(v, step: Step, path: Path) -> None:
    """Write one ``.vtp``/``.vts`` atomically (temp name, then rename)."""
    writer = v["grid_writer" if step.grid is not None else "poly_writer"]()
    tmp = path.with_name(f".{path.name}.tmp")
    writer.SetFileName(str(tmp))
    writer.SetInputData(_dataset(v, step))
    writer.SetDataModeToAppended()
    writer.EncodeAppendedDataOff()
    zlib = v["zlib"]()
    zlib.SetCompressionLevel(ZLIB_LEVEL)
    writer.SetCompressor(zlib)
    if writer.Write() != 1 or not tmp.exists():
        tmp.unlink(missing_ok=True)
        raise SceneError(f"{path}: the VTK writer failed (disk full or not writable?)")
    os.replace(tmp, path)


# ----------------------------------------------------------------------------- collections


def _pvd_xml(parts: list[tuple[str, list[tuple[float, str]]]]) -> bytes:
    """A PVD collection. With several parts, every part gets an entry at every time."""
    root = ET.Element("VTKFile", type="Collection", version="0.1", byte_order="LittleEndian")
    coll = ET.SubElement(root, "Collection")
    times = sorted({t for _, entries in parts for t, _ in entries})
    for p, (name, entries) in enumerate(parts):
        entries = sorted(entries)
        ts = np.array([t for t, _ in entries])
        for t in times if len(parts) > 1 else ts:
            i = max(0, int(np.searchsorted(ts, t, side="right")) - 1)
            ET.SubElement(
                coll,
                "DataSet",
                timestep=repr(float(t)),
                group="",
                part=str(p),
                name=name,
                file=entries[i][1],
            )
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _fingerprint(parts: Iterable) -> str:
    h = hashlib.sha256(f"galaxyreel-vtk-{FORMAT_VERSION}".encode())
    for p in parts:
        if isinstance(p, np.ndarray):
            h.update(str((p.dtype, p.shape)).encode())
            h.update(np.ascontiguousarray(p).tobytes())
        else:
            h.update(repr(p).encode())
    return h.hexdigest()


def _stamped(folder: Path, fingerprint: str) -> bool:
    """True when ``folder`` was written from the inputs with this fingerprint."""
    try:
        return json.loads((folder / "inputs.json").read_text()).get("fingerprint") == fingerprint
    except (OSError, ValueError, AttributeError):
        return False


def _export(
    out_dir: Path,
    folder: str,
    collection: str,
    fingerprint: str,
    series: list[tuple[str, str, Callable[[], list[Step]]]],
    progress: bool,
) -> Path:
    """Write every series into a staging folder (resumable), then publish it and the pvds."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SceneError(f"{out_dir}: cannot create the output folder ({exc.strerror})") from exc
    if not out_dir.is_dir():
        raise SceneError(f"{out_dir}: is not a folder")
    final = out_dir / folder
    if (out_dir / collection).exists() and _stamped(final, fingerprint):
        return out_dir / collection  # up to date
    staging = out_dir / f".{folder}.partial"
    stamp = staging / "inputs.json"
    if staging.exists() and not _stamped(staging, fingerprint):
        shutil.rmtree(staging)
    staging.mkdir(exist_ok=True)
    _write_bytes(stamp, json.dumps({"fingerprint": fingerprint}).encode())

    v = _vtk()
    from tqdm import tqdm

    parts = []
    for name, ext, make in series:
        steps = make()
        entries = []
        sub = staging / name
        sub.mkdir(exist_ok=True)
        bar = tqdm(steps, desc=f"vtk {name}", unit="file", disable=not progress, file=sys.stderr)
        for i, step in enumerate(bar):
            path = sub / f"{name}_{i:05d}.{ext}"
            if not path.exists():  # written atomically, so an existing file is complete
                _write_dataset(v, step, path)
            entries.append((step.time, f"{folder}/{name}/{path.name}"))
        parts.append((name, entries))
        _write_bytes(
            staging / f"{name}.pvd",
            _pvd_xml([(name, [(t, f.split("/", 1)[1]) for t, f in entries])]),
        )

    old = out_dir / f".{folder}.old"
    if old.exists():
        shutil.rmtree(old)
    if final.exists():
        os.replace(final, old)
    os.replace(staging, final)
    _write_bytes(out_dir / collection, _pvd_xml(parts))
    if old.exists():
        shutil.rmtree(old)
    return out_dir / collection


# ----------------------------------------------------------------------------- entry points


def write_vtk_run(
    run: Run,
    out_dir: Path,
    *,
    frames_per_checkpoint: int = 0,
    max_surface_steps: int = 64,
    progress: bool = True,
) -> Path:
    """Write the run as VTK time series (time = training step); return ``galaxyreel.pvd``.

    ``out_dir/galaxyreel.pvd`` combines the parts; ``out_dir/galaxyreel_vtk/`` holds
    ``tsne.pvd`` and one ``surface_<probe>.pvd`` per probe with their ``.vtp``/``.vts`` files.
    ``frames_per_checkpoint`` > 1 adds in-between frames of the t-SNE motion.
    """
    if frames_per_checkpoint < 0:
        raise SceneError(f"frames_per_checkpoint must be >= 0, got {frames_per_checkpoint}")
    if run.projection is None:
        raise SceneError("the run has no t-SNE tracks; run `galaxyreel project` first")
    s, k = run.surfaces, run.snapshots
    fp = _fingerprint(
        [
            run.projection.positions,
            run.catalog.labels,
            k.step,
            k.epoch,
            k.predictions,
            k.probabilities,
            s.activations,
            s.step,
            s.epoch,
            s.stage,
            run.probes.names,
            run.probes.labels,
            int(frames_per_checkpoint),
            int(max_surface_steps),
        ]
    )
    series = [("tsne", "vtp", lambda: tsne_steps(run, frames_per_checkpoint))]
    for p, pname in enumerate(run.probes.names):
        series.append(
            (f"surface_{_safe(pname)}", "vts", lambda p=p: surface_steps(run, p, max_surface_steps))
        )
    names = [name for name, _, _ in series]
    if len(set(names)) != len(names):
        raise SceneError(f"probe names collide once made file-safe: {names}")
    return _export(Path(out_dir), "galaxyreel_vtk", RUN_COLLECTION, fp, series, progress)


def write_vtk(
    scene: Scene,
    out_dir: Path,
    *,
    frames_per_checkpoint: int = 0,
    run: Run | None = None,
    progress: bool = True,
) -> Path:
    """Write what the film shows (IR point sets and meshes; time = film frame) as ``scene.pvd``.

    Each point set and mesh becomes a series sampled at its key frames inside its shot
    (``frames_per_checkpoint`` > 1 adds that many steps per key interval, evaluated with
    :meth:`Keys.at`, so they match the other writers). Labels, lights and cameras are not
    exported. The IR has no labels, probabilities or training steps: pass the ``run`` it was
    built from and :func:`write_vtk_run` also writes ``galaxyreel.pvd`` into ``out_dir``, which
    is then the path returned (the one a ParaView user and ``galaxyreel_pv.py`` open).
    """
    if run is not None:
        write_vtk(scene, out_dir, frames_per_checkpoint=frames_per_checkpoint, progress=progress)
        return write_vtk_run(
            run, out_dir, frames_per_checkpoint=frames_per_checkpoint, progress=progress
        )
    if frames_per_checkpoint < 0:
        raise SceneError(f"frames_per_checkpoint must be >= 0, got {frames_per_checkpoint}")
    check_scene(scene)
    per = int(frames_per_checkpoint)
    series = []
    fp_parts: list = [per]
    for shot in scene.shots:
        for item in shot.items:
            if not isinstance(item, PointSet | Mesh):
                continue
            ext = "vtp"

            def make(item=item, shot=shot):
                return item_steps(item, shot.first_frame, shot.last_frame, per)

            series.append((_safe(item.name), ext, make))
            fp_parts += [shot.name, shot.first_frame, shot.last_frame, item.name]
            keys = [item.transform.location, item.transform.rotation, item.transform.scale]
            if isinstance(item, PointSet):
                keys += [item.positions, item.colors]
                fp_parts += [item.tiles if item.tiles is not None else None, item.radius]
            else:
                keys += [item.states] if item.states is not None else []
                fp_parts += [item.vertices, item.faces, item.colors, item.uvs]
            for kk in keys:
                fp_parts += [kk.frames, kk.values, kk.interpolation]
    if not series:
        raise SceneError("the scene has no point set or mesh to export to ParaView")
    names = [name for name, _, _ in series]
    if len(set(names)) != len(names):
        raise SceneError(f"scene item names collide once made file-safe: {names}")
    return _export(
        Path(out_dir), "scene_vtk", SCENE_COLLECTION, _fingerprint(fp_parts), series, progress
    )
