"""The unfreezing stages really change what they unfreeze, and nothing else."""

import numpy as np
import pytest

from trainer import TrainerError, load_config
from trainer.loop import make_optimizer, make_step
from trainer.models import (
    BACKBONE,
    PENULTIMATE,
    build_model,
    calibrate_batchnorm,
    recording_model,
    set_stage,
)
from trainer.synthetic import generate


@pytest.fixture(scope="module")
def batch():
    g, _ = generate(64, size=32, seed=9)
    return g.images, g.labels.astype(np.int32)


def _cfg(**kw):
    return load_config("tiny", **{"image_size": 32, "units": 16, "width": 4, **kw})


def _snapshot(model):
    return {v.path: np.array(v.numpy()) for v in model.variables}


def _train_steps(model, cfg, images, labels, freeze, n=3):
    import tensorflow as tf

    set_stage(model, freeze, freeze_batchnorm=cfg["weights"] is not None)
    rec = recording_model(model)
    step = make_step(model, rec, make_optimizer(cfg), images[:2], cfg)
    before = _snapshot(model)
    for i in range(n):
        step(images[:32], labels[:32], tf.constant(i, tf.int64))
    after = _snapshot(model)
    return {k for k in before if not np.array_equal(before[k], after[k])}


def _backbone_paths(model, predicate):
    layers = model.get_layer(BACKBONE).layers
    return {v.path for i, la in enumerate(layers) if predicate(i) for v in la.variables}


@pytest.mark.parametrize("freeze", ["all", 15, 0])
def test_stage_changes_exactly_the_unfrozen_weights(batch, freeze):
    images, labels = batch
    cfg = _cfg()
    model = build_model(cfg)
    calibrate_batchnorm(model, images)
    changed = _train_steps(model, cfg, images, labels, freeze)
    n = len(model.get_layer(BACKBONE).layers) if freeze == "all" else freeze
    frozen = _backbone_paths(model, lambda i: i < n)
    unfrozen = _backbone_paths(model, lambda i: i >= n)
    head = {v.path for v in model.get_layer(PENULTIMATE).variables}
    assert not (changed & frozen), f"frozen weights moved: {sorted(changed & frozen)[:3]}"
    assert head <= changed
    # every unfrozen kernel moved (BN moving stats too: they are updated in training mode)
    assert {p for p in unfrozen if "kernel" in p} <= changed
    if freeze == 0:
        assert any("moving_mean" in p for p in changed)


def test_pretrained_batchnorm_stays_frozen_while_fine_tuning(tmp_path, batch):
    images, labels = batch
    cfg = _cfg()
    donor = build_model(cfg)
    weights = tmp_path / "backbone.weights.h5"
    donor.get_layer(BACKBONE).save_weights(weights)
    cfg = _cfg(weights=str(weights))
    model = build_model(cfg)
    np.testing.assert_array_equal(
        model.get_layer(BACKBONE).layers[1].get_weights()[0],
        donor.get_layer(BACKBONE).layers[1].get_weights()[0],
    )
    changed = _train_steps(model, cfg, images, labels, 0)
    assert any("block1_conv1" in p and "kernel" in p for p in changed)
    assert not any("moving" in p for p in changed)


def test_weights_of_the_wrong_architecture_are_one_clear_error(tmp_path):
    donor = build_model(_cfg())
    weights = tmp_path / "small.weights.h5"
    donor.get_layer(BACKBONE).save_weights(weights)
    with pytest.raises(TrainerError, match="does not fit the backbone") as err:
        build_model(_cfg(weights=str(weights), width=6))
    assert str(weights) in str(err.value)
    with pytest.raises(TrainerError, match="does not fit the Xception backbone"):
        build_model(_cfg(weights=str(weights), backbone="xception", image_size=71))
    with pytest.raises(TrainerError, match="not found"):
        build_model(_cfg(weights=str(tmp_path / "nope.h5"), backbone="xception", image_size=71))


def test_xception_backbone_takes_a_local_weights_file(tmp_path):
    """The paper's backbone, with weights from a file (no internet on cluster nodes)."""
    cfg = _cfg(backbone="xception", image_size=71)
    donor = build_model(cfg)
    weights = tmp_path / "xception_notop.weights.h5"
    donor.get_layer(BACKBONE).save_weights(weights)
    model = build_model(_cfg(backbone="xception", image_size=71, weights=str(weights)))
    assert model.output_shape == (None, 2)
    pairs = zip(donor.get_layer(BACKBONE).weights, model.get_layer(BACKBONE).weights, strict=True)
    for a, b in pairs:
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)
    assert "freeze backbone layers 0-39" in set_stage(model, 40, freeze_batchnorm=True)
