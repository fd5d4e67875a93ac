"""Random flips, rotation, shift and zoom as ONE projective warp per image, inside the graph.

Parameters come from stateless RNG seeded by (run seed, global step), so a run is repeatable
and a resumed run draws the same augmentations as an uninterrupted one would have.
"""

from __future__ import annotations

import math


def augment(images, seed, step, spec: dict):
    """``images`` (B, H, W, 3) float; ``seed``, ``step`` int64 scalars; ``spec`` from the config."""
    import tensorflow as tf

    flip = bool(spec.get("flip", False))
    rotate = float(spec.get("rotate", 0.0))
    shift = float(spec.get("shift", 0.0))
    zoom = float(spec.get("zoom", 0.0))
    if not (flip or rotate or shift or zoom):
        return images
    shape = tf.shape(images)
    b, h, w = shape[0], shape[1], shape[2]
    base = tf.stack([tf.cast(seed, tf.int64), tf.cast(step, tf.int64)])

    def draw(k, lo, hi):
        return tf.random.stateless_uniform([b], seed=base + [0, 7919 * k], minval=lo, maxval=hi)

    theta = draw(1, -1.0, 1.0) * (rotate * math.pi / 180.0)
    z = 1.0 + draw(2, -1.0, 1.0) * zoom
    fx = tf.where(draw(3, 0.0, 1.0) < 0.5, -1.0, 1.0) if flip else tf.ones([b])
    tx = draw(4, -1.0, 1.0) * shift * tf.cast(w, tf.float32)
    ty = draw(5, -1.0, 1.0) * shift * tf.cast(h, tf.float32)
    cx = (tf.cast(w, tf.float32) - 1.0) / 2.0
    cy = (tf.cast(h, tf.float32) - 1.0) / 2.0
    cos, sin = tf.cos(theta) / z, tf.sin(theta) / z
    a0, a1 = cos * fx, -sin
    b0, b1 = sin * fx, cos
    a2 = cx - a0 * cx - a1 * cy - tx
    b2 = cy - b0 * cx - b1 * cy - ty
    zeros = tf.zeros([b])
    transforms = tf.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images,
        transforms=transforms,
        output_shape=tf.stack([h, w]),
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode="REFLECT",
    )
