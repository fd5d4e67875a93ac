"""Backbones, the paper's 1024-D head, and the unfreezing stages.

The model takes raw 0..255 pixels (scaling is a layer, so the classify path and the recorder
feed uint8 images as they are) and is ``inputs → scaling → backbone → GAP → Dense(units, relu)
→ Dropout → Dense(units, relu, name="penultimate") → Dense(2, softmax)``.

Measured traps this module exists to avoid (Keras 3.15):

* Flipping ``layer.trainable`` changes nothing until the training step is rebuilt, and a
  rebuilt step must get a NEW optimizer (reusing one raises "Unknown variable"); see
  :func:`set_stage` and ``loop.py``.
* Pretrained BatchNorm must stay in inference mode while fine-tuning, or its statistics are
  wrecked by small galaxy batches: the backbone is called with ``training=False`` when weights
  are given.
* From scratch, the default BN momentum (0.99) leaves inference outputs at one class for
  hundreds of steps; 0.9 fixes it (``bn_momentum``).
"""

from __future__ import annotations

from pathlib import Path

from .errors import TrainerError

PENULTIMATE = "penultimate"
BACKBONE = "backbone"

KERAS_CACHE_NOTE = """Xception weights without internet: keras.applications downloads
`xception_weights_tf_dim_ordering_tf_kernels_notop.h5` (md5 b0042744bf5b25fce3cb969f33bebb97)
into ~/.keras/models/. Copy that file to the cluster and pass its path as `weights`."""


def _small_backbone(cfg: dict):
    import keras
    from keras import layers

    size, width, mom = cfg["image_size"], cfg["width"], cfg["bn_momentum"] or 0.99
    # across workers, batch statistics are all-reduced so replicas keep identical moving stats
    sync = cfg.get("distribute") == "multi_worker"
    inp = keras.Input((size, size, 3))
    x = inp
    for b in range(cfg["blocks"]):
        f = width * 2**b
        stride = cfg["stem_stride"] if b == 0 else 1
        x = layers.Conv2D(
            f, 3, strides=stride, padding="same", use_bias=False, name=f"block{b + 1}_conv1"
        )(x)
        x = layers.BatchNormalization(momentum=mom, synchronized=sync, name=f"block{b + 1}_bn1")(x)
        x = layers.Activation("relu", name=f"block{b + 1}_relu1")(x)
        x = layers.SeparableConv2D(
            f, 3, padding="same", use_bias=False, name=f"block{b + 1}_sepconv"
        )(x)
        x = layers.BatchNormalization(momentum=mom, synchronized=sync, name=f"block{b + 1}_bn2")(x)
        x = layers.Activation("relu", name=f"block{b + 1}_relu2")(x)
        x = layers.MaxPooling2D(2, name=f"block{b + 1}_pool")(x)
    return keras.Model(inp, x, name=BACKBONE)


def _xception_backbone(cfg: dict):
    import keras

    size = cfg["image_size"]
    weights = cfg.get("weights")
    if weights is not None and not Path(weights).is_file():
        raise TrainerError(weights, "backbone weights file not found. " + KERAS_CACHE_NOTE)
    try:
        base = keras.applications.Xception(
            include_top=False, weights=None, input_shape=(size, size, 3)
        )
        if weights is not None:
            import warnings

            with warnings.catch_warnings():  # Keras 3.15 warns about structural containers only;
                warnings.filterwarnings("ignore", message="Skipping nested container")
                base.load_weights(weights)  # every weight is loaded (checked in a test)
    except (ValueError, OSError, KeyError) as exc:
        raise TrainerError(
            weights,
            f"does not fit the Xception backbone (include_top=False, {size} px): "
            f"{str(exc).splitlines()[0][:300]}",
        ) from exc
    if weights is None and cfg["bn_momentum"]:
        for layer in base.layers:
            if isinstance(layer, keras.layers.BatchNormalization):
                layer.momentum = cfg["bn_momentum"]
    return keras.Model(base.input, base.output, name=BACKBONE)


def build_model(cfg: dict):
    """The classifier. Weights of a ``small`` backbone come from the whole-model file, if any."""
    import keras
    from keras import layers

    if cfg["backbone"] == "xception":
        backbone = _xception_backbone(cfg)
    else:
        backbone = _small_backbone(cfg)
        if cfg.get("weights"):
            _load_backbone_weights(backbone, cfg["weights"])
    pretrained = cfg.get("weights") is not None
    size = cfg["image_size"]
    inp = keras.Input((size, size, 3), name="pixels")
    if cfg["scale"] == "symmetric":
        x = layers.Rescaling(1 / 127.5, offset=-1.0, name="scale")(inp)
    else:
        x = layers.Rescaling(1 / 255.0, name="scale")(inp)
    x = backbone(x, training=False) if pretrained else backbone(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dense(cfg["units"], activation="relu", name="dense")(x)
    x = layers.Dropout(cfg["dropout"], name="dropout")(x)
    x = layers.Dense(cfg["units"], activation="relu", name=PENULTIMATE)(x)
    out = layers.Dense(2, activation="softmax", name="probabilities")(x)
    return keras.Model(inp, out, name=f"galaxyreel_{cfg['backbone']}")


def _load_backbone_weights(backbone, path) -> None:
    if not Path(path).is_file():
        raise TrainerError(path, "backbone weights file not found")
    import warnings

    try:
        with warnings.catch_warnings():  # structural-container notices only (see above)
            warnings.filterwarnings("ignore", message="Skipping nested container")
            backbone.load_weights(path)
    except (ValueError, OSError, KeyError) as exc:
        raise TrainerError(
            path, f"does not fit the backbone: {str(exc).splitlines()[0][:300]}"
        ) from exc


def recording_model(model):
    """A sub-model over the SAME weights returning (penultimate activations, probabilities).

    Built once; calling it in inference mode costs ~8 ms for the probes at 64 px."""
    import keras

    return keras.Model(model.inputs, [model.get_layer(PENULTIMATE).output, model.outputs[0]])


def backbone_layers(model) -> list:
    return model.get_layer(BACKBONE).layers


def set_stage(model, freeze, *, freeze_batchnorm: bool = False) -> str:
    """Freeze backbone layers ``0..freeze-1`` (``"all"``: the whole backbone); return a
    description. The caller must rebuild its training step and optimizer afterwards.

    ``freeze_batchnorm`` (pretrained weights) keeps every BatchNorm layer non-trainable, which
    in Keras 3 also runs it in inference mode. Measured: calling the backbone with
    ``training=False`` at construction does NOT stop its moving statistics from updating in a
    custom step under Keras 3.15; only ``trainable = False`` on the layer does."""
    import keras

    backbone = model.get_layer(BACKBONE)
    all_layers = backbone.layers
    weighted = [layer for layer in all_layers if layer.weights]
    n = len(all_layers) if freeze == "all" else int(freeze)
    backbone.trainable = True
    for i, layer in enumerate(all_layers):
        is_bn = isinstance(layer, keras.layers.BatchNormalization)
        layer.trainable = i >= n and not (freeze_batchnorm and is_bn)
    trainable = sum(1 for layer in weighted if layer.trainable)
    if freeze == "all" or n >= len(all_layers):
        return "train the head; backbone frozen"
    if n == 0:
        return f"unfreeze the whole backbone ({trainable} of {len(weighted)} weighted layers train)"
    return f"freeze backbone layers 0-{n - 1}; {trainable} of {len(weighted)} weighted layers train"


def calibrate_batchnorm(model, images) -> None:
    """Set every BatchNorm's moving statistics from one batch of real images (from scratch).

    Why: a random backbone's moving stats start at (0, 1) while galaxy images give means near
    0.05 and variances near 0.01; frozen (head-only) stages then see unnormalised features, and
    after unfreezing the inference-mode outputs lag the training ones for hundreds of steps
    (measured: validation stuck at one class). One pass with momentum 0 fixes both."""
    import keras
    import numpy as np

    bns = [la for la in backbone_layers(model) if isinstance(la, keras.layers.BatchNormalization)]
    if not bns:
        return
    saved = [(la.momentum, la.trainable) for la in bns]
    for la in bns:
        la.momentum, la.trainable = 0.0, True
    model.get_layer(BACKBONE)(
        np.asarray(model.get_layer("scale")(np.asarray(images, np.float32))), training=True
    )
    for la, (mom, tr) in zip(bns, saved, strict=True):
        la.momentum, la.trainable = mom, tr


def recalibrate_batchnorm(model, batches) -> int:
    """Re-estimate the moving statistics of the TRAINABLE BatchNorm layers as the plain average
    over ``batches`` (uint8 image arrays) of the current weights ("precise BN"); frozen layers
    are left alone. Returns how many layers were updated.

    Why: with momentum 0.9 the moving statistics track the last ~10 noisy batches, and
    inference-mode accuracy swung by several points from epoch to epoch (measured on the demo:
    validation 98.2% with the running statistics, 99.6% after 8 batches of this)."""
    import keras
    import numpy as np

    bns = [
        la
        for la in backbone_layers(model)
        if isinstance(la, keras.layers.BatchNormalization) and la.trainable
    ]
    if not bns:
        return 0
    saved = [la.momentum for la in bns]
    backbone, scale = model.get_layer(BACKBONE), model.get_layer("scale")
    try:
        for k, images in enumerate(batches):
            for la in bns:
                la.momentum = k / (k + 1)  # cumulative mean of the batch statistics
            backbone(scale(np.asarray(images, np.float32)), training=True)
    finally:
        for la, mom in zip(bns, saved, strict=True):
            la.momentum = mom
    return len(bns)
