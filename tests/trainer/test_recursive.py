"""Recursive pseudo-label rounds on a tiny synthetic setup."""

import shutil

import h5py
import numpy as np
import pytest

import trainer
from scene_builders.runfile import read_run
from trainer.loop import _prepare


@pytest.mark.slow
def test_rounds_run_agree_with_hidden_truth_and_never_leak(micro_run, micro_config, tmp_path):
    out = tmp_path / "rec"
    shutil.copytree(micro_run.parent, out)  # the first training is reused, not redone
    cfg = micro_config()
    splits, _ = _prepare(cfg, False)
    from trainer.recursive import synthetic_pool

    pool = synthetic_pool(cfg, 160)
    # the pool also holds copies of 20 held-out images under new ids: they must never be added
    leak_images = splits.val.images[:20]
    pool_file = tmp_path / "pool.h5"
    with h5py.File(pool_file, "w") as f:
        f["images"] = np.concatenate([pool.images, leak_images])
        f["ids"] = np.array([*pool.ids, *[f"copy-{i}" for i in range(20)]], dtype="S")
        f["labels"] = np.concatenate([pool.labels, splits.val.labels[:20]])
    path = trainer.train_recursive(
        cfg, out, pool_file, per_class=15, rounds=2, floor=0.5, progress=False, report=None
    )
    run = read_run(path)
    g = run.extras["rounds"]
    assert list(g["round"]) == [1, 2]
    ids = [i.decode() if isinstance(i, bytes) else str(i) for i in g["added_ids"]]
    assert len(ids) == len(set(ids)) == int(g["added"].sum())
    assert not any(i.startswith("copy-") for i in ids)
    assert not set(ids) & (set(splits.train.ids) | set(splits.val.ids))
    # class balance, per round
    for r in (1, 2):
        labels = g["added_label"][g["added_round"] == r]
        assert (labels == 0).sum() == (labels == 1).sum() > 0
    # the reported agreement is what the hidden labels say
    for k, r in enumerate((1, 2)):
        sel = g["added_round"] == r
        truth = g["added_true_label"][sel] == g["added_label"][sel]
        assert abs(truth.mean() - g["pseudo_label_agreement"][k]) < 1e-6
    assert (out / "rounds" / "round-2" / "run.h5").exists()
    read_run(out / "rounds" / "round-2" / "run.h5")  # each round is a filmable run
    assert g["lowered"].tolist() == list(g["accuracy_after"] < g["accuracy_before"])
