"""Galaxy Zoo 1 tables (CSV) plus a folder of cutouts named by object id (``<OBJID>.jpg``).

Labels come from the debiased vote fractions when the table has them (``P_CS_DEBIASED``,
``P_EL_DEBIASED``; else ``P_CS``, ``P_EL``) with the paper's thresholds (combined spiral >
0.985, elliptical > 0.926), otherwise from the ``SPIRAL`` / ``ELLIPTICAL`` / ``UNCERTAIN`` flags.
Galaxies that pass neither are dropped and counted in the report; a listed galaxy without a
cutout, or a cutout that does not decode, is an error naming them (nothing is skipped
silently); cutouts in the folder whose id is not in the table are reported.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

from .dataset import Galaxies
from .errors import TrainerError
from .images import decode_all, list_cutouts


def _column(header: list[str], *names: str) -> int | None:
    upper = [h.strip().upper() for h in header]
    for n in names:
        if n in upper:
            return upper.index(n)
    return None


def read_labels(
    csv_path, spiral_threshold: float, elliptical_threshold: float
) -> tuple[list[str], np.ndarray, dict]:
    """(ids, labels with -1 for dropped, counts) from a Galaxy Zoo 1 table."""
    csv_path = Path(csv_path) if csv_path is not None else None
    if csv_path is None:
        raise TrainerError(None, "Galaxy Zoo needs a table: set data_path (or --data FILE.csv)")
    if not csv_path.is_file():
        raise TrainerError(csv_path, "Galaxy Zoo table not found")
    try:
        with open(csv_path, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise TrainerError(csv_path, f"cannot be read as CSV: {exc}") from exc
    if not rows:
        raise TrainerError(csv_path, "is empty")
    header, body = rows[0], [r for r in rows[1:] if r]
    c_id = _column(header, "OBJID", "DR7OBJID", "OBJ_ID")
    c_ps = _column(header, "P_CS_DEBIASED", "P_CS")
    c_pe = _column(header, "P_EL_DEBIASED", "P_EL")
    c_s, c_e = _column(header, "SPIRAL"), _column(header, "ELLIPTICAL")
    c_u = _column(header, "UNCERTAIN")
    if c_id is None:
        raise TrainerError(csv_path, f"has no OBJID column; columns are {header}")
    use_p = c_ps is not None and c_pe is not None
    use_flags = c_s is not None and c_e is not None
    if not (use_p or use_flags):
        raise TrainerError(
            csv_path,
            "needs either P_CS_DEBIASED and P_EL_DEBIASED (or P_CS and P_EL) or the SPIRAL and "
            f"ELLIPTICAL flag columns; columns are {header}",
        )
    ids, labels = [], []
    counts = {"spiral": 0, "elliptical": 0, "uncertain": 0}
    for line, r in enumerate(body, start=2):
        if len(r) != len(header):
            raise TrainerError(
                csv_path, f"line {line} has {len(r)} fields, the header {len(header)}"
            )
        try:
            if use_p:
                ps, pe = float(r[c_ps]), float(r[c_pe])
                lab = 1 if ps > spiral_threshold else 0 if pe > elliptical_threshold else -1
            else:
                s, e = int(float(r[c_s])), int(float(r[c_e]))
                u = int(float(r[c_u])) if c_u is not None else 0
                lab = -1 if u or s == e else (1 if s else 0)
        except ValueError as exc:
            raise TrainerError(csv_path, f"line {line}: not a number ({exc})") from exc
        ids.append(r[c_id].strip())
        labels.append(lab)
        counts[{1: "spiral", 0: "elliptical", -1: "uncertain"}[lab]] += 1
    if len(set(ids)) != len(ids):
        raise TrainerError(csv_path, "lists some OBJID more than once")
    return ids, np.array(labels, np.int64), counts


def load_galaxyzoo(
    csv_path,
    images_dir,
    *,
    spiral_threshold=0.985,
    elliptical_threshold=0.926,
    size: int | None = None,
    report="stderr",
    progress: bool = False,
) -> Galaxies:
    report = sys.stderr if report == "stderr" else report  # resolved now: stderr may be swapped
    ids, labels, counts = read_labels(csv_path, spiral_threshold, elliptical_threshold)
    if images_dir is None:
        raise TrainerError(csv_path, "needs a cutout folder (images_path, or --images DIR)")
    cutouts = list_cutouts(images_dir)
    keep = [i for i, lab in enumerate(labels) if lab >= 0]
    missing = [ids[i] for i in keep if ids[i] not in cutouts]
    if missing:
        raise TrainerError(
            images_dir,
            f"has no cutout for {len(missing)} labelled galaxies of {csv_path}: "
            + ", ".join(missing[:5])
            + (" ..." if len(missing) > 5 else ""),
        )
    listed = set(ids)
    unknown = sorted(k for k in cutouts if k not in listed)
    images = decode_all([cutouts[ids[i]] for i in keep], size, progress=progress)
    if report is not None:
        msg = (
            f"{csv_path}: {counts['spiral']} spiral, {counts['elliptical']} elliptical, "
            f"{counts['uncertain']} dropped as uncertain (below thresholds / flagged)"
        )
        if unknown:
            msg += f"; {len(unknown)} cutouts with ids not in the table ignored: " + ", ".join(
                unknown[:5]
            )
        print(msg, file=report)
    return Galaxies(images, labels[keep], tuple(ids[i] for i in keep))
