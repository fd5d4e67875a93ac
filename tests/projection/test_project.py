"""The core: tracks in the box, metrics that mean something, determinism, chaining pays off."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from trainer.errors import TrainerError
from trainer.projection import (
    _initial,
    _opentsne,
    knn_agreement,
    mean_displacement,
    project,
    reduce_pca,
)


def test_tracks_fill_the_box_with_per_checkpoint_quality(small_run):
    acts, labels = small_run.snapshots.activations, small_run.catalog.labels
    result = project(acts, labels, progress=False)
    k, n = acts.shape[:2]
    assert result.positions.shape == (k, n, 3)
    assert result.positions.dtype == np.float32
    assert np.abs(result.positions).max() <= 1.0
    assert np.abs(result.positions).max() > 0.99  # fills the box, not a speck in it
    assert result.trustworthiness.shape == result.knn_agreement.shape == (k,)
    assert result.params["chained"] and result.params["aligned"]
    # sample_run's classes start mixed and end separated; the map must show that.
    assert result.knn_agreement[0] < 0.75
    assert result.knn_agreement[-1] >= 0.95
    assert result.trustworthiness.min() > 0.85


def test_same_seed_gives_identical_tracks_and_another_seed_does_not(small_run):
    acts, labels = small_run.snapshots.activations[:2, :60], small_run.catalog.labels[:60]
    a = project(acts, labels, perplexity=15, seed=4, progress=False)
    b = project(acts, labels, perplexity=15, seed=4, progress=False)
    c = project(acts, labels, perplexity=15, seed=5, progress=False)
    np.testing.assert_array_equal(a.positions, b.positions)
    assert not np.allclose(a.positions, c.positions, atol=1e-3)


def test_two_threads_give_bit_identical_embeddings(small_run):
    # Few iterations: on a busy machine each threaded iteration waits at a barrier.
    x = reduce_pca(small_run.snapshots.activations[-1])
    init = _initial(x, seed=1)
    one, two = (_opentsne(x, init, (10, 20), perplexity=30.0, seed=1, n_jobs=j) for j in (1, 2))
    np.testing.assert_array_equal(one, two)
    assert np.abs(one - init).max() > 1e-4  # it did optimise


def test_knn_agreement_is_half_for_noise_and_one_for_separated_classes():
    rng = np.random.default_rng(0)
    labels = np.arange(400) % 2
    noise = rng.normal(size=(400, 3))
    apart = noise * 0.1 + labels[:, None] * 5.0
    assert knn_agreement(noise, labels) == pytest.approx(0.5, abs=0.06)
    assert knn_agreement(apart, labels) == 1.0


def test_pca_baseline_runs_and_is_marked_unchained(small_run):
    result = project(
        small_run.snapshots.activations, small_run.catalog.labels, method="pca", progress=False
    )
    assert result.method == "pca" and not result.params["chained"]
    assert np.abs(result.positions).max() <= 1.0


def _drifting(k=5, n=150, u=40, seed=0):
    """Galaxies with a persistent identity that drift a little between checkpoints."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    base = rng.normal(size=(n, 6)) @ rng.normal(size=(6, u)) + labels[:, None] * 2.0
    acts = np.stack([base + rng.normal(0, 0.15, (n, u)) * (1 + i) ** 0.5 for i in range(k)])
    return acts.astype(np.float32), labels


def test_chained_aligned_tracks_move_less_than_independent_runs():
    acts, labels = _drifting()
    chained = project(acts, labels, progress=False)
    independent = project(acts, labels, independent=True, align=False, progress=False)
    assert mean_displacement(chained.positions) * 3 < mean_displacement(independent.positions)
    assert chained.trustworthiness[-1] > independent.trustworthiness[-1] - 0.02


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda a, y: (a[:1], y), "at least 2"),
        (lambda a, y: (np.where(np.arange(a.shape[2]) == 3, np.nan, a), y), "NaN"),
        (lambda a, y: (a[:, :60], y[:60]), "lower --perplexity to at most 19.7"),
        (lambda a, y: (a, y[:-1]), "labels"),
    ],
)
def test_bad_input_is_one_trainer_error(small_run, change, words):
    acts, labels = change(small_run.snapshots.activations, small_run.catalog.labels)
    with pytest.raises(TrainerError, match=words):
        project(acts, labels, progress=False)


def test_unknown_method_is_refused_with_the_choices(small_run):
    with pytest.raises(TrainerError, match="opentsne, sklearn, pca"):
        project(small_run.snapshots.activations, small_run.catalog.labels, method="umap")


def test_importing_the_projection_and_its_verb_pulls_in_no_tensorflow():
    code = (
        "import sys, trainer.projection, trainer.project_cli\n"
        "heavy = [m for m in ('tensorflow', 'keras', 'openTSNE', 'bpy') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_sklearn_fallback_gives_usable_chained_tracks(small_run):
    acts, labels = small_run.snapshots.activations[-2:, :60], small_run.catalog.labels[:60]
    sk = project(acts, labels, method="sklearn", perplexity=15, progress=False)
    assert sk.method == "sklearn" and sk.params["chained"]
    assert np.abs(sk.positions).max() <= 1.0
    # sklearn's 3D maps of a 60-galaxy catalog are worse than openTSNE's (0.86 vs 0.99 here).
    assert sk.trustworthiness.min() > 0.8
    assert sk.knn_agreement[-1] >= 0.95
