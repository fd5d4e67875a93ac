import numpy as np

from trainer.synthetic import KIND_ELLIPTICAL, KIND_SPIRAL, generate


def test_same_seed_same_galaxies_whatever_n():
    a, ka = generate(300, size=32, seed=3)
    b, kb = generate(40, size=32, seed=3)
    np.testing.assert_array_equal(a.images[:40], b.images)
    np.testing.assert_array_equal(a.labels[:40], b.labels)
    assert a.ids[:40] == b.ids


def test_images_are_uint8_rgb_and_classes_balanced():
    g, _ = generate(512, size=48, seed=1)
    assert g.images.shape == (512, 48, 48, 3) and g.images.dtype == np.uint8
    assert 0.4 < g.labels.mean() < 0.6
    assert g.images.max() > 200  # the asinh stretch uses the range


def test_difficulty_brings_confounders_and_zero_brings_none():
    _, easy = generate(512, size=32, seed=2, difficulty=0.0)
    _, hard = generate(512, size=32, seed=2, difficulty=1.0)
    assert set(np.unique(easy)) == {KIND_ELLIPTICAL, KIND_SPIRAL}
    assert len(set(np.unique(hard))) == 6


def test_spirals_are_bluer_than_ellipticals_without_difficulty():
    g, _ = generate(512, size=32, seed=4, difficulty=0.0)
    rgb = g.images.reshape(512, -1, 3).astype(float).sum(1)
    blue_red = rgb[:, 2] / rgb[:, 0]
    assert blue_red[g.labels == 1].mean() > blue_red[g.labels == 0].mean() + 0.1
