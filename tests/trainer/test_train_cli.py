"""`galaxyreel train` / `galaxyreel classify` as users call them."""

import subprocess
import sys

import h5py
import numpy as np
import pytest
from PIL import Image

from galaxyreel.cli import main
from trainer.synthetic import generate


def test_importing_the_trainer_does_not_import_tensorflow():
    code = "import sys, trainer, trainer.cli; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--config", "{cfg}"], "unknown config keys"),
        (["--data", "{tmp}/missing.h5"], "Galaxy10 file not found"),
        (["--data", "{tmp}/table.xlsx"], "must be a Galaxy10 .h5 or a Galaxy Zoo .csv"),
    ],
)
def test_bad_train_input_is_one_line_and_exit_2(tmp_path, capsys, argv, words):
    cfg = tmp_path / "cfg.json"
    cfg.write_text('{"preset": "tiny", "learning_rte": 0.1}')
    argv = [a.format(cfg=cfg, tmp=tmp_path) for a in argv]
    assert main(["train", *argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err
    assert not (tmp_path / "out" / "run.h5").exists()


def _cutout_folder(folder, n=60, seed=11):
    g, _ = generate(n, size=64, seed=seed, difficulty=0.3)
    folder.mkdir()
    for i, im in enumerate(g.images):
        Image.fromarray(im).save(folder / f"des-{i:03d}.png")
    return folder, g.labels


@pytest.mark.slow
def test_classify_writes_predictions_and_features(tiny_run, tmp_path, capsys):
    run_dir, _ = tiny_run
    folder, truth = _cutout_folder(tmp_path / "cutouts")
    out = tmp_path / "pred.h5"
    assert main(["classify", str(run_dir), str(folder), "--out", str(out)]) == 0
    with h5py.File(out) as f:
        ids = [i.decode() for i in f["ids"][()]]
        probs, pred, feats = f["probabilities"][()], f["predictions"][()], f["features"][()]
    assert ids[0] == "des-000" and len(ids) == 60
    assert feats.shape == (60, 64) and np.allclose(probs.sum(1), 1, atol=1e-5)
    np.testing.assert_array_equal(pred, probs.argmax(1))
    assert (pred == truth).mean() >= 0.8


@pytest.mark.slow  # trains the shared tiny run if no other test did
def test_classify_names_the_cutout_that_does_not_decode(tiny_run, tmp_path, capsys):
    folder, _ = _cutout_folder(tmp_path / "cutouts", n=3)
    (folder / "des-broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    out = tmp_path / "pred.h5"
    assert main(["classify", str(tiny_run[0]), str(folder), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "des-broken.jpg" in err and not out.exists()


@pytest.mark.slow
def test_train_on_a_galaxy10_file_end_to_end(tmp_path, capsys):
    """Real-data path: a Galaxy10 SDSS-shaped file (69 px, class ids) -> resized -> run.h5."""
    import json

    from scene_builders.runfile import read_run

    g, _ = generate(300, size=69, seed=5, difficulty=0.2)
    ans = np.where(g.labels == 1, 8, 1)  # medium spiral / round smooth
    ans[:20] = 0  # a class we drop
    data = tmp_path / "Galaxy10.h5"
    with h5py.File(data, "w") as f:
        f["images"], f["ans"] = g.images, ans
    cfg = tmp_path / "cfg.json"
    cfg.write_text(
        json.dumps(
            {
                "preset": "tiny",
                "epochs": 2,
                "checkpoints": 5,
                "units": 16,
                "width": 4,
                "catalog_size": 50,
            }
        )
    )
    out = tmp_path / "run"
    assert main(["train", "--config", str(cfg), "--data", str(data), "--out", str(out)]) == 0
    run = read_run(out / "run.h5")
    assert run.training.config["data"] == "galaxy10"
    assert run.catalog.thumbnails.shape == (50, 64, 64, 3)
    assert all(i.startswith("galaxy10-") and int(i.split("-")[1]) >= 20 for i in run.catalog.ids)
    assert "dropped 20" in capsys.readouterr().err
