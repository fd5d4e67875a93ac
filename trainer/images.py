"""Decoding cutout files (JPEG/PNG/...) into uint8 RGB arrays, with errors that name the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import TrainerError

EXTENSIONS = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".gif", ".webp")


def list_cutouts(folder: Path) -> dict[str, Path]:
    """``{stem: path}`` of the image files in ``folder`` (not recursive)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise TrainerError(folder, "cutout folder not found")
    found: dict[str, Path] = {}
    for p in sorted(folder.iterdir()):
        if p.is_file() and p.suffix.lower() in EXTENSIONS:
            if p.stem in found:
                raise TrainerError(p, f"two cutouts share the id {p.stem!r}: {found[p.stem].name}")
            found[p.stem] = p
    return found


def decode(path: Path, size: int | None) -> np.ndarray:
    """One image as (size, size, 3) uint8 (grey and RGBA become RGB). Raises on a bad file."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            im = im.convert("RGB")
            if size is not None and im.size != (size, size):
                im = im.resize((size, size), Image.Resampling.BILINEAR)
            return np.asarray(im, np.uint8)
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise TrainerError(path, f"cannot be decoded as an image: {exc}") from exc


def decode_all(paths: list[Path], size: int | None, progress: bool = False) -> np.ndarray:
    """Decode every file; all unreadable ones are named in ONE error (none is skipped)."""
    from tqdm import tqdm

    if size is None and paths:
        size = decode(paths[0], None).shape[0]
    out = np.empty((len(paths), size or 0, size or 0, 3), np.uint8)
    bad: list[str] = []
    for i, p in enumerate(tqdm(paths, desc="cutouts", disable=not progress, leave=False)):
        try:
            out[i] = decode(p, size)
        except TrainerError as exc:
            bad.append(f"{p.name} ({exc.problem.split(':')[0]})")
    if bad:
        folder = paths[0].parent
        raise TrainerError(
            folder,
            f"{len(bad)} cutout(s) cannot be decoded: "
            + ", ".join(bad[:5])
            + (" ..." if len(bad) > 5 else ""),
        )
    return out
