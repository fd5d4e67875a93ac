"""Pick the data source a config names and bring its images to the model's input size."""

from __future__ import annotations

import numpy as np

from .dataset import Galaxies


def resize(images: np.ndarray, size: int, batch: int = 256) -> np.ndarray:
    """Area-averaged (down) or bilinear (up) resize of uint8 RGB images, in batches."""
    if images.shape[1] == size and images.shape[2] == size:
        return images
    import tensorflow as tf

    out = np.empty((images.shape[0], size, size, 3), np.uint8)
    method = "area" if images.shape[1] > size else "bilinear"
    for i in range(0, images.shape[0], batch):
        r = tf.image.resize(tf.convert_to_tensor(images[i : i + batch]), (size, size), method)
        out[i : i + batch] = np.clip(np.round(r.numpy()), 0, 255).astype(np.uint8)
    return out


def load_data(cfg: dict, progress: bool = False) -> Galaxies:
    """The labelled set named by ``cfg["data"]``, at ``cfg["image_size"]`` px."""
    if cfg["data"] == "synthetic":
        from .synthetic import generate

        data, _ = generate(
            cfg["n_images"],
            size=cfg["image_size"],
            difficulty=cfg["difficulty"],
            seed=cfg["seed"],
            progress=progress,
        )
        return data
    if cfg["data"] == "galaxy10":
        from .galaxy10 import load_galaxy10

        data = load_galaxy10(cfg["data_path"])
    else:
        from .galaxyzoo import load_galaxyzoo

        data = load_galaxyzoo(
            cfg["data_path"],
            cfg["images_path"],
            spiral_threshold=cfg["gz_spiral_threshold"],
            elliptical_threshold=cfg["gz_elliptical_threshold"],
        )
    return Galaxies(resize(data.images, cfg["image_size"]), data.labels, data.ids)
