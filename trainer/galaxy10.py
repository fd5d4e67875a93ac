"""Galaxy10 (astroNN) HDF5 files: ``images`` uint8 (N, 69, 69, 3) for SDSS or (N, 256, 256, 3)
for DECaLS, ``ans`` class ids 0-9.

Only clear-cut classes are kept, mapped to our two labels; the rest (disturbed, mergers, edge-on
disks, face-on disks without arms) are dropped, and :func:`load_galaxy10` reports how many.

* Galaxy10 SDSS (69 px): 1 round smooth, 2 in-between smooth, 3 cigar smooth -> elliptical;
  7 tight, 8 medium, 9 loose face-on spiral -> spiral.
* Galaxy10 DECaLS (256 px): 2 round smooth, 3 in-between smooth, 4 cigar smooth -> elliptical;
  5 barred spiral, 6 unbarred tight, 7 unbarred loose spiral -> spiral.

The file's type is told by its image size.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from .dataset import Galaxies
from .errors import TrainerError

MAPS = {
    69: {1: 0, 2: 0, 3: 0, 7: 1, 8: 1, 9: 1},  # Galaxy10 SDSS
    256: {2: 0, 3: 0, 4: 0, 5: 1, 6: 1, 7: 1},  # Galaxy10 DECaLS
}


def load_galaxy10(path, *, report="stderr") -> Galaxies:
    """The kept galaxies; a one-line account goes to ``report`` (stderr; None: silent)."""
    import h5py

    report = sys.stderr if report == "stderr" else report
    path = Path(path) if path is not None else None
    if path is None:
        raise TrainerError(None, "Galaxy10 needs a file: set data_path (or --data FILE.h5)")
    if not path.is_file():
        raise TrainerError(path, "Galaxy10 file not found")
    if not h5py.is_hdf5(path):
        raise TrainerError(path, "is not an HDF5 file (a Galaxy10 file is Galaxy10*.h5)")
    try:
        with h5py.File(path, "r") as f:
            for name in ("images", "ans"):
                if name not in f:
                    raise TrainerError(path, f"has no dataset {name!r}; found {sorted(f)}")
            images_ds, ans = f["images"], f["ans"][()]
            if (
                images_ds.ndim != 4
                or images_ds.shape[3] != 3
                or images_ds.shape[1] != images_ds.shape[2]
            ):
                raise TrainerError(
                    path, f"'images' has shape {images_ds.shape}, expected (N, S, S, 3)"
                )
            if images_ds.dtype != np.uint8:
                raise TrainerError(path, f"'images' has dtype {images_ds.dtype}, expected uint8")
            if ans.shape != (images_ds.shape[0],):
                raise TrainerError(
                    path, f"'ans' has shape {ans.shape}, expected ({images_ds.shape[0]},)"
                )
            size = images_ds.shape[1]
            if size not in MAPS:
                raise TrainerError(
                    path,
                    f"images are {size} px; known Galaxy10 sizes are 69 (SDSS) and 256 (DECaLS)",
                )
            mapping = MAPS[size]
            keep = np.flatnonzero(np.isin(ans, list(mapping)))
            images = (
                images_ds[np.sort(keep)] if keep.size else np.empty((0, size, size, 3), np.uint8)
            )
    except TrainerError:
        raise
    except (OSError, RuntimeError, KeyError, ValueError) as exc:
        raise TrainerError(path, f"cannot be read (corrupt or truncated file): {exc}") from exc
    labels = np.array([mapping[int(a)] for a in ans[keep]], np.int64)
    dropped = int(ans.shape[0] - keep.size)
    if report is not None:
        print(
            f"{path}: kept {keep.size} of {ans.shape[0]} galaxies ({int((labels == 1).sum())} spiral, "
            f"{int((labels == 0).sum())} elliptical); dropped {dropped} of other classes",
            file=report,
        )
    return Galaxies(images, labels, tuple(f"galaxy10-{i}" for i in keep))
