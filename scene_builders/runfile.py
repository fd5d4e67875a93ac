"""The run file (``run.h5``): the one contract between training and everything downstream.

This module owns the schema. It is importable with numpy and h5py alone, so the trainer, the
projection, the scene builders and the CLI's ``inspect`` all read and write through it and
cannot disagree about a dataset's name, dtype or shape. ``docs/run-format.md`` describes the
same schema for people.

Why the shapes of the choices:

* Large arrays (activations) are stored as float16 with gzip + shuffle, chunked one checkpoint
  (or a block of iterations) per chunk: a demo run is ~4x smaller than raw float32 and a
  reader that needs one checkpoint decompresses only that chunk. float16 keeps ~3 significant
  digits, far below what a film can show.
* Whole-file writes go to a temporary name in the same folder and are renamed into place, so a
  killed writer never leaves a half file where a good one was.
* The trainer streams into ``run.h5.partial`` (see :class:`RunWriter`) so an interrupted
  training keeps what it recorded; ``finish()`` renames it to the final name.
* Every problem is a :class:`RunFileError` naming the file, the dataset and what is wrong.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import h5py
import numpy as np

from .atomic import atomic_output

SCHEMA = "galaxyreel.run"
SCHEMA_VERSION = 1
CLASS_NAMES = ("elliptical", "spiral")
"""Label 0 is elliptical, label 1 is spiral, everywhere in the project."""

_BIG = {"compression": "gzip", "compression_opts": 4, "shuffle": True}


class RunFileError(Exception):
    """A run file is missing, unreadable, or breaks the schema. The message names the file."""

    user_facing = True

    def __init__(self, path, problem: str, dataset: str | None = None):
        self.path = str(path)
        self.dataset = dataset
        self.problem = problem
        where = f" (dataset {dataset})" if dataset else ""
        super().__init__(f"{self.path}{where}: {problem}")


# ----------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Probes:
    """The two test images whose responses form the surfaces (spiral first by convention)."""

    images: np.ndarray  # (P, H, W, 3) uint8
    labels: np.ndarray  # (P,) int, 0 elliptical / 1 spiral
    names: tuple[str, ...]


@dataclass(frozen=True)
class Surfaces:
    """Penultimate activations of the probes at every recorded iteration."""

    activations: np.ndarray  # (T, P, U) float32
    step: np.ndarray  # (T,) int64 global optimizer step
    epoch: np.ndarray  # (T,) float32 fractional epoch
    stage: np.ndarray  # (T,) int8 unfreezing stage in force


@dataclass(frozen=True)
class Catalog:
    """The fixed galaxy catalog (1000 in the paper) tracked at every checkpoint."""

    thumbnails: np.ndarray  # (N, h, w, 3) uint8
    labels: np.ndarray  # (N,) int, ground truth
    ids: tuple[str, ...]


@dataclass(frozen=True)
class Snapshots:
    """The catalog seen by the network at K checkpoints."""

    step: np.ndarray  # (K,) int64
    epoch: np.ndarray  # (K,) float32
    activations: np.ndarray  # (K, N, U) float32
    probabilities: np.ndarray  # (K, N, C) float32, rows sum to 1
    predictions: np.ndarray  # (K, N) int

    def accuracy(self, labels: np.ndarray) -> np.ndarray:
        """Catalog accuracy per checkpoint (derived, never stored)."""
        return (self.predictions == np.asarray(labels)[None, :]).mean(axis=1)


@dataclass(frozen=True)
class Projection:
    """3D tracks of the catalog across checkpoints, written by ``galaxyreel project``."""

    positions: np.ndarray  # (K, N, 3) float32, inside the unit box [-1, 1]^3
    method: str
    params: dict = field(default_factory=dict)
    trustworthiness: np.ndarray | None = None  # (K,)
    knn_agreement: np.ndarray | None = None  # (K,)


@dataclass(frozen=True)
class UnfreezeEvent:
    step: int
    epoch: float
    stage: int
    description: str


@dataclass(frozen=True)
class Training:
    """What a reader needs to reproduce or explain the run."""

    config: dict
    seed: int
    history: dict = field(default_factory=dict)  # metric name -> (E,) float array per epoch
    events: tuple[UnfreezeEvent, ...] = ()


@dataclass(frozen=True)
class Run:
    probes: Probes
    surfaces: Surfaces
    catalog: Catalog
    snapshots: Snapshots
    training: Training
    projection: Projection | None = None
    extras: dict = field(default_factory=dict)  # optional groups (e.g. recursive rounds), raw

    @property
    def units(self) -> int:
        return int(self.surfaces.activations.shape[2])

    def with_projection(self, projection: Projection) -> Run:
        return replace(self, projection=projection)


# ----------------------------------------------------------------------------- writing


def _str_array(values) -> np.ndarray:
    return np.array([str(v).encode("utf-8") for v in values], dtype=h5py.string_dtype("utf-8"))


def _big(group: h5py.Group, name: str, data: np.ndarray, chunk_rows: int = 1) -> None:
    data = np.asarray(data, dtype=np.float16)
    chunks = (max(1, min(chunk_rows, data.shape[0])),) + data.shape[1:] if data.size else None
    group.create_dataset(name, data=data, chunks=chunks, **(_BIG if data.size else {}))


def _write_projection(f: h5py.File, proj: Projection) -> None:
    if "tsne" in f:
        del f["tsne"]
    g = f.create_group("tsne")
    g.create_dataset("positions", data=np.asarray(proj.positions, np.float32), **_BIG)
    if proj.trustworthiness is not None:
        g.create_dataset("trustworthiness", data=np.asarray(proj.trustworthiness, np.float32))
    if proj.knn_agreement is not None:
        g.create_dataset("knn_agreement", data=np.asarray(proj.knn_agreement, np.float32))
    g.attrs["method"] = proj.method
    g.attrs["params"] = json.dumps(proj.params, sort_keys=True)


def _write_extras(f: h5py.File, extras: Mapping) -> None:
    """Optional groups: {group: {dataset: array | scalar}} written verbatim."""
    for gname, content in extras.items():
        if gname in f:
            del f[gname]
        g = f.create_group(gname)
        for key, value in content.items():
            if isinstance(value, str):
                g.attrs[key] = value
            else:
                arr = np.asarray(value)
                if arr.dtype.kind in "US":
                    arr = _str_array(arr.ravel())
                g.create_dataset(key, data=arr)


def _write_all(f: h5py.File, run: Run) -> None:
    f.attrs["schema"] = SCHEMA
    f.attrs["schema_version"] = SCHEMA_VERSION
    f.attrs["class_names"] = json.dumps(CLASS_NAMES)

    g = f.create_group("probes")
    g.create_dataset("images", data=np.asarray(run.probes.images, np.uint8))
    g.create_dataset("labels", data=np.asarray(run.probes.labels, np.int8))
    g.create_dataset("names", data=_str_array(run.probes.names))

    s = run.surfaces
    g = f.create_group("surfaces")
    _big(g, "activations", s.activations, chunk_rows=64)
    g.create_dataset("step", data=np.asarray(s.step, np.int64))
    g.create_dataset("epoch", data=np.asarray(s.epoch, np.float32))
    g.create_dataset("stage", data=np.asarray(s.stage, np.int8))

    c = run.catalog
    g = f.create_group("catalog")
    g.create_dataset("thumbnails", data=np.asarray(c.thumbnails, np.uint8), **_BIG)
    g.create_dataset("labels", data=np.asarray(c.labels, np.int8))
    g.create_dataset("ids", data=_str_array(c.ids))

    k = run.snapshots
    g = f.create_group("snapshots")
    g.create_dataset("step", data=np.asarray(k.step, np.int64))
    g.create_dataset("epoch", data=np.asarray(k.epoch, np.float32))
    _big(g, "activations", k.activations, chunk_rows=1)
    g.create_dataset("probabilities", data=np.asarray(k.probabilities, np.float32))
    g.create_dataset("predictions", data=np.asarray(k.predictions, np.int8))

    _write_training(f, run.training)
    if run.projection is not None:
        _write_projection(f, run.projection)
    _write_extras(f, run.extras)


def _write_training(f: h5py.File, t: Training) -> None:
    if "training" in f:
        del f["training"]
    g = f.create_group("training")
    g.attrs["config"] = json.dumps(t.config, sort_keys=True)
    g.attrs["seed"] = int(t.seed)
    h = g.create_group("history")
    for name, values in t.history.items():
        h.create_dataset(name, data=np.asarray(values, np.float32))
    e = g.create_group("events")
    e.create_dataset("step", data=np.array([ev.step for ev in t.events], np.int64))
    e.create_dataset("epoch", data=np.array([ev.epoch for ev in t.events], np.float32))
    e.create_dataset("stage", data=np.array([ev.stage for ev in t.events], np.int8))
    e.create_dataset("description", data=_str_array([ev.description for ev in t.events]))


def _atomic(path: Path, fill) -> None:
    """Run ``fill(h5py.File)`` on a temp file beside ``path``, then rename it into place."""
    path = Path(path)
    try:
        with atomic_output(path) as tmp, h5py.File(tmp, "w") as f:
            fill(f)
    except OSError as exc:
        raise RunFileError(path, f"cannot write: {exc.strerror or exc}") from exc


def write_run(path, run: Run) -> Path:
    """Validate ``run`` and write it atomically to ``path``."""
    path = Path(path)
    check_run(run, path)
    _atomic(path, lambda f: _write_all(f, run))
    return path


def write_projection(path, projection: Projection) -> Path:
    """Add or replace ``/tsne`` in an existing run file, atomically (copy, edit, rename).

    The whole file is rewritten rather than edited in place: an HDF5 file modified in place and
    killed mid-write can be left unreadable, and a run file is small enough (~13 MB) to copy.
    """
    path = Path(path)
    run = read_run(path)
    run = run.with_projection(projection)
    check_run(run, path)
    _atomic(path, lambda f: _write_all(f, run))
    return path


def write_extras(path, extras: Mapping) -> Path:
    """Add or replace optional groups (e.g. ``rounds``) in an existing run file, atomically."""
    path = Path(path)
    run = read_run(path)
    merged = dict(run.extras)
    merged.update(extras)
    run = replace(run, extras=merged)
    _atomic(path, lambda f: _write_all(f, run))
    return path


# ----------------------------------------------------------------------------- streaming


class RunWriter:
    """Streams a run into ``<path>.partial`` while training goes; ``finish()`` renames it.

    Iterations and checkpoints are appended to resizable datasets and flushed, so a training
    killed at step 900 leaves a partial file holding steps up to the last flush; ``open_partial``
    reopens it to resume. The final file is validated before it takes the real name.
    """

    def __init__(
        self,
        path,
        probes: Probes,
        catalog: Catalog,
        units: int,
        classes: int = 2,
        resume: bool = False,
    ):
        self.path = Path(path)
        self.partial = self.path.with_name(self.path.name + ".partial")
        self.units = int(units)
        self.classes = int(classes)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if resume and self.partial.exists():
            self.f = h5py.File(self.partial, "a")
            return
        self.f = h5py.File(self.partial, "w")
        f = self.f
        f.attrs["schema"] = SCHEMA
        f.attrs["schema_version"] = SCHEMA_VERSION
        f.attrs["class_names"] = json.dumps(CLASS_NAMES)
        g = f.create_group("probes")
        g.create_dataset("images", data=np.asarray(probes.images, np.uint8))
        g.create_dataset("labels", data=np.asarray(probes.labels, np.int8))
        g.create_dataset("names", data=_str_array(probes.names))
        g = f.create_group("catalog")
        g.create_dataset("thumbnails", data=np.asarray(catalog.thumbnails, np.uint8), **_BIG)
        g.create_dataset("labels", data=np.asarray(catalog.labels, np.int8))
        g.create_dataset("ids", data=_str_array(catalog.ids))
        n, p, u = len(catalog.ids), len(probes.names), self.units
        g = f.create_group("surfaces")
        g.create_dataset(
            "activations",
            shape=(0, p, u),
            maxshape=(None, p, u),
            dtype=np.float16,
            chunks=(64, p, u),
            **_BIG,
        )
        for name, dt in (("step", np.int64), ("epoch", np.float32), ("stage", np.int8)):
            g.create_dataset(name, shape=(0,), maxshape=(None,), dtype=dt, chunks=(1024,))
        g = f.create_group("snapshots")
        g.create_dataset(
            "activations",
            shape=(0, n, u),
            maxshape=(None, n, u),
            dtype=np.float16,
            chunks=(1, n, u),
            **_BIG,
        )
        g.create_dataset(
            "probabilities",
            shape=(0, n, self.classes),
            maxshape=(None, n, self.classes),
            dtype=np.float32,
            chunks=(1, n, self.classes),
        )
        g.create_dataset(
            "predictions", shape=(0, n), maxshape=(None, n), dtype=np.int8, chunks=(1, n)
        )
        for name, dt in (("step", np.int64), ("epoch", np.float32)):
            g.create_dataset(name, shape=(0,), maxshape=(None,), dtype=dt, chunks=(64,))
        f.flush()

    @staticmethod
    def _append(ds: h5py.Dataset, rows) -> None:
        rows = np.asarray(rows)
        n = ds.shape[0]
        ds.resize(n + rows.shape[0], axis=0)
        ds[n:] = rows

    @property
    def iterations(self) -> int:
        return int(self.f["surfaces/step"].shape[0])

    @property
    def checkpoints(self) -> int:
        return int(self.f["snapshots/step"].shape[0])

    def truncate(self, last_step: int) -> None:
        """Drop records after ``last_step`` (a resume restarts from the last model checkpoint)."""
        for gname in ("surfaces", "snapshots"):
            g = self.f[gname]
            keep = int(np.searchsorted(g["step"][:], last_step, side="right"))
            for ds in g.values():
                ds.resize(keep, axis=0)

    def add_iterations(self, activations, step, epoch, stage) -> None:
        """Append (B, P, U) probe activations recorded at ``step`` (B,) etc."""
        acts = np.asarray(activations, np.float32)
        if not np.isfinite(acts).all():
            raise RunFileError(self.partial, "non-finite probe activations", "surfaces/activations")
        g = self.f["surfaces"]
        self._append(g["activations"], acts.astype(np.float16))
        self._append(g["step"], np.atleast_1d(step))
        self._append(g["epoch"], np.atleast_1d(epoch))
        self._append(g["stage"], np.atleast_1d(stage))
        self.f.flush()

    def add_snapshot(self, step, epoch, activations, probabilities) -> None:
        acts = np.asarray(activations, np.float32)
        probs = np.asarray(probabilities, np.float32)
        if not (np.isfinite(acts).all() and np.isfinite(probs).all()):
            raise RunFileError(self.partial, "non-finite catalog activations", "snapshots")
        g = self.f["snapshots"]
        self._append(g["activations"], acts[None].astype(np.float16))
        self._append(g["probabilities"], probs[None])
        self._append(g["predictions"], probs.argmax(axis=1)[None].astype(np.int8))
        self._append(g["step"], [step])
        self._append(g["epoch"], [epoch])
        self.f.flush()

    def finish(self, training: Training) -> Path:
        """Write ``/training``, close, validate and rename to the final path."""
        _write_training(self.f, training)
        self.f.close()
        read_run(self.partial)  # raises RunFileError naming the partial file if incomplete
        os.replace(self.partial, self.path)
        return self.path

    def close(self) -> None:
        if self.f.id.valid:
            self.f.close()


# ----------------------------------------------------------------------------- reading


def _need(f: h5py.File, path: Path, name: str, kind: str | None = None, ndim: int | None = None):
    if name not in f:
        raise RunFileError(path, "missing", name)
    obj = f[name]
    if not isinstance(obj, h5py.Dataset):
        raise RunFileError(path, "is a group, expected a dataset", name)
    if kind is not None and obj.dtype.kind not in kind:
        raise RunFileError(path, f"has dtype {obj.dtype}, expected kind {kind!r}", name)
    if ndim is not None and obj.ndim != ndim:
        raise RunFileError(path, f"has shape {obj.shape}, expected {ndim} dimensions", name)
    try:
        return obj[()]
    except (OSError, RuntimeError) as exc:
        raise RunFileError(
            path, f"cannot be read (corrupt or truncated file): {exc}", name
        ) from exc


def _strings(raw) -> tuple[str, ...]:
    return tuple(v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in raw)


def read_run(path, *, require_projection: bool = False) -> Run:
    """Open, fully validate and load a run file. Raises :class:`RunFileError` on any problem."""
    path = Path(path)
    if not path.exists():
        raise RunFileError(path, "no such file")
    if path.is_dir():
        raise RunFileError(path, "is a folder, expected a run file (run.h5)")
    if not h5py.is_hdf5(path):
        raise RunFileError(path, "is not an HDF5 file (wrong file, or its header is damaged)")
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise RunFileError(
            path, f"cannot be opened, the file is truncated or corrupt: {exc}"
        ) from exc
    try:
        with f:
            run = _load(f, path)
    except RunFileError:
        raise
    except (OSError, RuntimeError, KeyError, ValueError) as exc:
        raise RunFileError(path, f"cannot be read (corrupt or truncated file): {exc}") from exc
    check_run(run, path)
    if require_projection and run.projection is None:
        raise RunFileError(path, "has no t-SNE tracks; run `galaxyreel project` first", "tsne")
    return run


def _load(f: h5py.File, path: Path) -> Run:
    schema = f.attrs.get("schema")
    if isinstance(schema, bytes):
        schema = schema.decode()
    if schema != SCHEMA:
        raise RunFileError(path, f"is not a galaxyreel run file (schema attribute {schema!r})")
    version = int(f.attrs.get("schema_version", -1))
    if version > SCHEMA_VERSION:
        raise RunFileError(
            path,
            f"was written with schema version {version}; this galaxyreel reads up to "
            f"{SCHEMA_VERSION}. Upgrade galaxyreel.",
        )
    if version < 1:
        raise RunFileError(path, f"has an invalid schema_version {version}")

    probes = Probes(
        images=_need(f, path, "probes/images", "u", 4),
        labels=_need(f, path, "probes/labels", "iu", 1).astype(np.int64),
        names=_strings(_need(f, path, "probes/names", "OSU", 1)),
    )
    surfaces = Surfaces(
        activations=_need(f, path, "surfaces/activations", "f", 3).astype(np.float32),
        step=_need(f, path, "surfaces/step", "iu", 1).astype(np.int64),
        epoch=_need(f, path, "surfaces/epoch", "f", 1).astype(np.float32),
        stage=_need(f, path, "surfaces/stage", "iu", 1).astype(np.int64),
    )
    catalog = Catalog(
        thumbnails=_need(f, path, "catalog/thumbnails", "u", 4),
        labels=_need(f, path, "catalog/labels", "iu", 1).astype(np.int64),
        ids=_strings(_need(f, path, "catalog/ids", "OSU", 1)),
    )
    snapshots = Snapshots(
        step=_need(f, path, "snapshots/step", "iu", 1).astype(np.int64),
        epoch=_need(f, path, "snapshots/epoch", "f", 1).astype(np.float32),
        activations=_need(f, path, "snapshots/activations", "f", 3).astype(np.float32),
        probabilities=_need(f, path, "snapshots/probabilities", "f", 3).astype(np.float32),
        predictions=_need(f, path, "snapshots/predictions", "iu", 2).astype(np.int64),
    )
    if "training" not in f:
        raise RunFileError(path, "missing (the training did not finish?)", "training")
    tg = f["training"]
    try:
        config = json.loads(tg.attrs.get("config", "{}"))
    except json.JSONDecodeError as exc:
        raise RunFileError(path, f"config attribute is not JSON: {exc}", "training") from exc
    history = {}
    if "history" in tg:
        history = {k: np.asarray(v[()], np.float32) for k, v in tg["history"].items()}
    events: tuple[UnfreezeEvent, ...] = ()
    if "events" in tg:
        e = tg["events"]
        events = tuple(
            UnfreezeEvent(int(s), float(ep), int(st), d)
            for s, ep, st, d in zip(
                e["step"][()],
                e["epoch"][()],
                e["stage"][()],
                _strings(e["description"][()]),
                strict=True,
            )
        )
    training = Training(
        config=config, seed=int(tg.attrs.get("seed", 0)), history=history, events=events
    )

    projection = None
    if "tsne" in f:
        g = f["tsne"]
        projection = Projection(
            positions=_need(f, path, "tsne/positions", "f", 3).astype(np.float32),
            method=str(g.attrs.get("method", "unknown")),
            params=json.loads(g.attrs.get("params", "{}")),
            trustworthiness=(
                _need(f, path, "tsne/trustworthiness", "f", 1) if "trustworthiness" in g else None
            ),
            knn_agreement=(
                _need(f, path, "tsne/knn_agreement", "f", 1) if "knn_agreement" in g else None
            ),
        )
    known = {"probes", "surfaces", "catalog", "snapshots", "training", "tsne"}
    extras = {}
    for gname in f:
        if gname in known or not isinstance(f[gname], h5py.Group):
            continue
        content = {k: v[()] for k, v in f[gname].items() if isinstance(v, h5py.Dataset)}
        content.update({k: v for k, v in f[gname].attrs.items()})
        extras[gname] = content
    return Run(probes, surfaces, catalog, snapshots, training, projection, extras)


def _finite(path, name, arr) -> None:
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise RunFileError(
            path, f"holds {int(bad.sum())} non-finite values (first at index {idx})", name
        )


def check_run(run: Run, path="<run>") -> None:
    """Check that every array agrees with every other: shapes, ranges, finiteness."""
    p, s, c, k = run.probes, run.surfaces, run.catalog, run.snapshots

    def fail(name, problem):
        raise RunFileError(path, problem, name)

    if p.images.ndim != 4 or p.images.shape[3] != 3:
        fail("probes/images", f"has shape {p.images.shape}, expected (P, H, W, 3)")
    n_probes = p.images.shape[0]
    if n_probes < 1:
        fail("probes/images", "holds no probe image")
    if p.labels.shape != (n_probes,) or len(p.names) != n_probes:
        fail(
            "probes/labels",
            f"has {len(p.labels)} labels and {len(p.names)} names for {n_probes} probe images",
        )
    if s.activations.ndim != 3:
        fail("surfaces/activations", f"has shape {s.activations.shape}, expected (T, P, U)")
    t, pp, u = s.activations.shape
    if t < 1:
        fail("surfaces/activations", "holds no iteration")
    if pp != n_probes:
        fail("surfaces/activations", f"has {pp} probes, /probes has {n_probes}")
    for name in ("step", "epoch", "stage"):
        arr = getattr(s, name)
        if arr.shape != (t,):
            fail(f"surfaces/{name}", f"has shape {arr.shape}, expected ({t},) (one per iteration)")
    if t > 1 and np.any(np.diff(s.step) <= 0):
        fail("surfaces/step", "is not strictly increasing")
    _finite(path, "surfaces/activations", s.activations)

    if c.thumbnails.ndim != 4 or c.thumbnails.shape[3] != 3:
        fail("catalog/thumbnails", f"has shape {c.thumbnails.shape}, expected (N, h, w, 3)")
    n = c.thumbnails.shape[0]
    if c.labels.shape != (n,) or len(c.ids) != n:
        fail(
            "catalog/labels", f"has {len(c.labels)} labels and {len(c.ids)} ids for {n} thumbnails"
        )
    n_classes = len(CLASS_NAMES)
    for name, labels in (("catalog/labels", c.labels), ("probes/labels", p.labels)):
        if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
            fail(name, f"holds labels outside 0..{n_classes - 1}")

    if k.activations.ndim != 3:
        fail("snapshots/activations", f"has shape {k.activations.shape}, expected (K, N, U)")
    kk = k.activations.shape[0]
    if kk < 1:
        fail("snapshots/activations", "holds no checkpoint")
    if k.activations.shape[1:] != (n, u):
        fail(
            "snapshots/activations",
            f"has shape {k.activations.shape}, expected ({kk}, {n}, {u})"
            " (catalog size, units of /surfaces)",
        )
    if k.probabilities.shape != (kk, n, n_classes):
        fail(
            "snapshots/probabilities",
            f"has shape {k.probabilities.shape}, expected ({kk}, {n}, {n_classes})",
        )
    if k.predictions.shape != (kk, n):
        fail("snapshots/predictions", f"has shape {k.predictions.shape}, expected ({kk}, {n})")
    for name in ("step", "epoch"):
        arr = getattr(k, name)
        if arr.shape != (kk,):
            fail(f"snapshots/{name}", f"has shape {arr.shape}, expected ({kk},)")
    if kk > 1 and np.any(np.diff(k.step) < 0):
        fail("snapshots/step", "is not increasing")
    _finite(path, "snapshots/activations", k.activations)
    _finite(path, "snapshots/probabilities", k.probabilities)

    pr = run.projection
    if pr is not None:
        if pr.positions.shape != (kk, n, 3):
            fail("tsne/positions", f"has shape {pr.positions.shape}, expected ({kk}, {n}, 3)")
        _finite(path, "tsne/positions", pr.positions)
        for name in ("trustworthiness", "knn_agreement"):
            arr = getattr(pr, name)
            if arr is not None and np.asarray(arr).shape != (kk,):
                fail(f"tsne/{name}", f"has shape {np.shape(arr)}, expected ({kk},)")


def summary(run: Run) -> str:
    """A human-readable account of a run, used by ``galaxyreel inspect``."""
    s, k, c = run.surfaces, run.snapshots, run.catalog
    acc = k.accuracy(c.labels)
    cfg = run.training.config
    lines = [
        f"schema           {SCHEMA} v{SCHEMA_VERSION}",
        f"backbone         {cfg.get('backbone', '?')}  input {cfg.get('image_size', '?')} px  "
        f"seed {run.training.seed}",
        f"probes           {len(run.probes.names)}: "
        + ", ".join(
            f"{n} ({CLASS_NAMES[int(lab)]})"
            for n, lab in zip(run.probes.names, run.probes.labels, strict=True)
        ),
        f"iterations       {s.activations.shape[0]} recorded, steps {int(s.step[0])}..{int(s.step[-1])}, "
        f"{s.activations.shape[2]} units, stages {sorted(set(int(x) for x in s.stage))}",
        f"catalog          {c.thumbnails.shape[0]} galaxies, thumbnails {c.thumbnails.shape[1]}x"
        f"{c.thumbnails.shape[2]} px, {int((c.labels == 1).sum())} spiral / "
        f"{int((c.labels == 0).sum())} elliptical",
        f"checkpoints      {k.step.shape[0]}",
        "  #   step     epoch   catalog accuracy"
        + (
            "   trust   kNN"
            if run.projection is not None and run.projection.trustworthiness is not None
            else ""
        ),
    ]
    for i in range(k.step.shape[0]):
        row = f"  {i:<3} {int(k.step[i]):<8} {float(k.epoch[i]):<7.2f} {float(acc[i]):.3f}"
        pr = run.projection
        if pr is not None and pr.trustworthiness is not None:
            row += f"            {float(pr.trustworthiness[i]):.3f}"
            if pr.knn_agreement is not None:
                row += f"   {float(pr.knn_agreement[i]):.3f}"
        lines.append(row)
    if run.training.events:
        lines.append("unfreezing")
        for ev in run.training.events:
            lines.append(
                f"  stage {ev.stage} at step {ev.step} (epoch {ev.epoch:.2f}): {ev.description}"
            )
    pr = run.projection
    lines.append(
        "t-SNE tracks     "
        + (
            f"{pr.method} {json.dumps(pr.params, sort_keys=True)}"
            if pr is not None
            else "none (run `galaxyreel project`)"
        )
    )
    if run.extras:
        lines.append("extra groups     " + ", ".join(sorted(run.extras)))
    return "\n".join(lines)
