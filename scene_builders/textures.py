"""Write the scene's textures (the catalog atlas) as PNG files beside a .ma or USD file.

Both hosts reference textures by a path relative to the scene, so the scene folder can be
moved to a farm node whole. PNG is encoded by :mod:`.png` (no Pillow at scene-build time);
writes are atomic and skipped when an identical file is already there, so re-running a scene
build does not touch the atlas's modification time.
"""

from __future__ import annotations

import os
from pathlib import Path

from .ir import Image, SceneError
from .png import png_bytes


def image_filename(image: Image) -> str:
    return f"{image.name}.png"


def write_images(images: dict, folder: Path) -> dict:
    """Write every image into ``folder``; returns {image name: file name relative to folder}."""
    out = {}
    for name, image in images.items():
        rel = image_filename(image)
        try:
            data = png_bytes(image.pixels)
        except ValueError as exc:
            raise SceneError(f"image {name!r}: {exc}") from None
        path = Path(folder) / rel
        if not (path.exists() and path.read_bytes() == data):
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            try:
                tmp.write_bytes(data)
                os.replace(tmp, path)
            except OSError as exc:
                tmp.unlink(missing_ok=True)
                raise SceneError(f"cannot write texture {path}: {exc.strerror or exc}") from exc
        out[name] = rel
    return out
