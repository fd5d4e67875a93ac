import io

import h5py
import numpy as np
import pytest
from PIL import Image

from trainer import TrainerError
from trainer.classify import load_unlabelled
from trainer.galaxy10 import load_galaxy10
from trainer.galaxyzoo import load_galaxyzoo


def _galaxy10(path, size=69, n=20, ans=None):
    rng = np.random.default_rng(0)
    ans = np.arange(n) % 10 if ans is None else ans
    with h5py.File(path, "w") as f:
        f["images"] = rng.integers(0, 255, (len(ans), size, size, 3), dtype=np.uint8)
        f["ans"] = ans
    return path


def test_galaxy10_sdss_keeps_smooth_and_face_on_spirals(tmp_path):
    path = _galaxy10(tmp_path / "Galaxy10.h5")
    report = io.StringIO()
    g = load_galaxy10(path, report=report)
    # classes 1,2,3 -> elliptical, 7,8,9 -> spiral, twice each in 20 rows
    assert len(g) == 12
    assert list(g.labels) == [0, 0, 0, 1, 1, 1] * 2
    with h5py.File(path) as f:
        np.testing.assert_array_equal(g.images[0], f["images"][1])
    assert "dropped 8" in report.getvalue()


def test_galaxy10_decals_mapping(tmp_path):
    g = load_galaxy10(_galaxy10(tmp_path / "d.h5", size=256, n=10), report=None)
    assert list(g.labels) == [0, 0, 0, 1, 1, 1]
    assert g.ids[0] == "galaxy10-2"


def test_galaxy10_bad_files_are_one_clear_error(tmp_path):
    with pytest.raises(TrainerError, match="not found"):
        load_galaxy10(tmp_path / "missing.h5")
    junk = tmp_path / "junk.h5"
    junk.write_bytes(b"not hdf5 at all" * 10)
    with pytest.raises(TrainerError, match="not an HDF5"):
        load_galaxy10(junk)
    noans = tmp_path / "noans.h5"
    with h5py.File(noans, "w") as f:
        f["images"] = np.zeros((2, 69, 69, 3), np.uint8)
    with pytest.raises(TrainerError, match="no dataset 'ans'") as err:
        load_galaxy10(noans)
    assert str(noans) in str(err.value)
    truncated = tmp_path / "trunc.h5"
    data = _galaxy10(tmp_path / "whole.h5", n=200).read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(TrainerError, match="trunc.h5"):
        load_galaxy10(truncated)


def _cutouts(folder, ids, size=24):
    folder.mkdir()
    rng = np.random.default_rng(1)
    for i in ids:
        Image.fromarray(rng.integers(0, 255, (size, size, 3), dtype=np.uint8)).save(
            folder / f"{i}.png"
        )
    return folder


def test_galaxyzoo_debiased_thresholds_and_report(tmp_path):
    csv = tmp_path / "gz1.csv"
    csv.write_text(
        "OBJID,RA,P_EL_DEBIASED,P_CS_DEBIASED,SPIRAL,ELLIPTICAL,UNCERTAIN\n"
        "101,1,0.95,0.01,0,1,0\n"  # elliptical (> 0.926)
        "102,1,0.01,0.99,1,0,0\n"  # spiral (> 0.985)
        "103,1,0.50,0.40,0,0,1\n"  # uncertain: dropped, reported
        "104,1,0.02,0.97,1,0,0\n"  # spiral by flag but below the paper's 0.985: dropped
    )
    folder = _cutouts(tmp_path / "cut", ["101", "102", "103", "104", "999"])
    report = io.StringIO()
    g = load_galaxyzoo(csv, folder, report=report)
    assert g.ids == ("101", "102") and list(g.labels) == [0, 1]
    assert g.images.shape == (2, 24, 24, 3)
    text = report.getvalue()
    assert "2 dropped as uncertain" in text and "999" in text


def test_galaxyzoo_flags_only(tmp_path):
    csv = tmp_path / "flags.csv"
    csv.write_text("objid,spiral,elliptical,uncertain\n1,1,0,0\n2,0,1,0\n3,0,0,1\n")
    g = load_galaxyzoo(csv, _cutouts(tmp_path / "c", ["1", "2", "3"]), size=16, report=None)
    assert list(g.labels) == [1, 0] and g.images.shape[1] == 16


def test_galaxyzoo_problems_name_file_and_galaxies(tmp_path):
    csv = tmp_path / "nocols.csv"
    csv.write_text("OBJID,RA\n1,2\n")
    with pytest.raises(TrainerError, match="needs either P_CS_DEBIASED"):
        load_galaxyzoo(csv, tmp_path)
    csv = tmp_path / "gz.csv"
    csv.write_text("OBJID,SPIRAL,ELLIPTICAL,UNCERTAIN\n11,1,0,0\n12,0,1,0\n13,0,1,0\n")
    folder = _cutouts(tmp_path / "cut", ["11"])
    with pytest.raises(TrainerError, match="no cutout for 2 labelled galaxies.*12, 13"):
        load_galaxyzoo(csv, folder)
    (folder / "12.png").write_bytes(b"\x89PNG garbage")
    Image.fromarray(np.zeros((24, 24, 3), np.uint8)).save(folder / "13.jpg")
    with pytest.raises(TrainerError, match="1 cutout.*cannot be decoded: 12.png"):
        load_galaxyzoo(csv, folder)


def test_unlabelled_h5_and_folder(tmp_path):
    path = tmp_path / "pool.h5"
    with h5py.File(path, "w") as f:
        f["images"] = np.zeros((3, 20, 20, 3), np.uint8)
    g = load_unlabelled(path)
    assert len(g) == 3 and (g.labels == -1).all()
    g = load_unlabelled(_cutouts(tmp_path / "c", ["a", "b"]))
    assert g.ids == ("a", "b")
    with pytest.raises(TrainerError, match="neither a folder"):
        (tmp_path / "x.txt").write_text("hi")
        load_unlabelled(tmp_path / "x.txt")
