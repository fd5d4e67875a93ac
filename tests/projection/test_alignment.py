"""Procrustes alignment and the box: exact on synthetic data with known transforms."""

from __future__ import annotations

import numpy as np
import pytest

from trainer.projection import align_sequence, fit_box, mean_displacement, procrustes


def _random_orthogonal(rng, reflect: bool) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    if (np.linalg.det(q) < 0) != reflect:
        q[:, 0] = -q[:, 0]
    return q


@pytest.mark.parametrize("reflect", [False, True])
def test_procrustes_recovers_a_known_rotation_scale_and_shift_exactly(reflect):
    rng = np.random.default_rng(3)
    target = rng.normal(size=(500, 3))
    rot = _random_orthogonal(rng, reflect)
    scale, shift = 0.37, np.array([4.0, -2.0, 0.5])
    # source is target moved by a known similarity: x = (target - shift) @ rot.T / scale
    source = (target - shift) @ rot.T / scale
    fit = procrustes(source, target)
    np.testing.assert_allclose(fit.rotation, rot, atol=1e-12)
    assert fit.scale == pytest.approx(scale, rel=1e-12)
    np.testing.assert_allclose(fit.translation, shift, atol=1e-12)
    np.testing.assert_allclose(fit.apply(source), target, atol=1e-12)
    assert np.linalg.det(fit.rotation) == pytest.approx(-1.0 if reflect else 1.0)


def test_align_sequence_undoes_a_different_similarity_at_every_checkpoint():
    rng = np.random.default_rng(5)
    base = rng.normal(size=(500, 3))
    truth = np.stack([base + 0.01 * k * rng.normal(size=base.shape) for k in range(6)])
    scrambled = truth.copy()
    for k in range(1, 6):  # checkpoint 0 is the reference and stays put
        rot = _random_orthogonal(rng, reflect=bool(k % 2))
        scrambled[k] = rng.uniform(0.2, 5.0) * truth[k] @ rot + rng.normal(0, 10, 3)
    aligned = align_sequence(scrambled)
    np.testing.assert_allclose(aligned[0], truth[0], atol=1e-12)
    # What remains is the small real motion, not the scrambling.
    assert np.abs(aligned - truth).max() < 0.1
    assert mean_displacement(fit_box(aligned)) < 0.05 * mean_displacement(fit_box(scrambled))


def test_fit_box_uses_one_transform_for_all_checkpoints_and_fills_the_box():
    rng = np.random.default_rng(9)
    tracks = rng.normal(size=(3, 200, 3)) * np.array([5.0, 1.0, 2.0]) + 40.0
    tracks[2] *= 2.0  # the last checkpoint is twice as spread: that must survive
    boxed = fit_box(tracks)
    assert boxed.dtype == np.float32
    assert np.abs(boxed).max() == pytest.approx(1.0, abs=1e-6)
    spread = boxed.std(axis=1).mean(axis=1)
    assert spread[2] / spread[1] == pytest.approx(
        tracks[2].std(axis=0).mean() / tracks[1].std(axis=0).mean(), rel=1e-4
    )
