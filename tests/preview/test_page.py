"""The page as a file: self-contained, faithful to the run, written atomically."""

from __future__ import annotations

import base64
import io
import json
import os
import re
from dataclasses import replace

import numpy as np
import pytest

from galaxyreel.preview import PreviewError, build_payload, png_bytes, write_preview
from scene_builders.runfile import RunFileError
from scene_builders.sample_run import make_sample_run


def _decode(a: dict) -> np.ndarray:
    dt = {"u1": "u1", "u2": "<u2", "f4": "<f4"}[a["dtype"]]
    return np.frombuffer(base64.b64decode(a["b64"]), dtype=dt).reshape(a["shape"])


def _payload_of(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="gr-data">(.*?)</script>', html, re.S)
    return json.loads(m.group(1))


def test_page_references_nothing_outside_itself(page):
    html = page.read_text("utf-8")
    # every src/href is a data: URI or a fragment; no CDN, no sibling file
    refs = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']*)', html)
    assert refs and all(r.startswith(("data:", "#")) for r in refs), refs
    assert "default-src 'none'" in html  # the browser itself refuses any fetch
    assert not re.search(r"\bimport\s*\(|fetch\(|XMLHttpRequest", html)


def test_surfaces_are_downsampled_to_the_page_budget_and_keep_their_shape():
    run = make_sample_run(iterations=300, checkpoints=5, catalog=20, units=1024, thumb=8)
    s = build_payload(run)["surfaces"]
    assert (s["rows"], s["cols"], s["units_per_col"]) == (120, 256, 4)
    assert s["row_iteration"][0] == 0 and s["row_iteration"][-1] == 299
    acts = run.surfaces.activations[s["row_iteration"]]  # (rows, P, U)
    expect = acts.reshape(120, 2, 256, 4).mean(-1)
    span = s["height_max"] - s["height_min"]
    for p, probe in enumerate(s["probes"]):
        got = _decode(probe["heights"]).astype(np.float64) / 255 * span + s["height_min"]
        np.testing.assert_allclose(got, expect[:, p], atol=span / 255)
    assert s["row_stage"] == [int(x) for x in run.surfaces.stage[s["row_iteration"]]]


def test_positions_and_predictions_survive_the_encoding(sample_run):
    p = build_payload(sample_run)
    pos = _decode(p["tracks"]["positions"]).astype(np.float64) / 65535 * 2 - 1
    np.testing.assert_allclose(pos, sample_run.projection.positions, atol=2 / 65535)
    np.testing.assert_array_equal(
        _decode(p["catalog"]["predictions"]), sample_run.snapshots.predictions
    )
    np.testing.assert_allclose(
        p["checkpoints"]["accuracy"],
        sample_run.snapshots.accuracy(sample_run.catalog.labels),
        atol=1e-5,
    )


def test_max_points_shows_a_subset_but_accuracy_counts_the_whole_catalog(sample_run):
    p = build_payload(sample_run, max_points=50)
    keep = p["catalog"]["index"]
    assert p["catalog"]["shown"] == len(keep) == 50 and p["catalog"]["total"] == 120
    assert p["catalog"]["ids"] == [sample_run.catalog.ids[i] for i in keep]
    assert _decode(p["tracks"]["positions"]).shape == (11, 50, 3)
    np.testing.assert_allclose(
        p["checkpoints"]["accuracy"][-1],
        sample_run.snapshots.accuracy(sample_run.catalog.labels)[-1],
        atol=1e-5,
    )
    with pytest.raises(PreviewError, match="max_points"):
        build_payload(sample_run, max_points=0)


def test_atlas_png_holds_every_thumbnail(sample_run):
    from PIL import Image

    a = build_payload(sample_run)["atlas"]
    img = np.asarray(Image.open(io.BytesIO(base64.b64decode(a["png"].split(",", 1)[1]))))
    t, cols = a["tile"], a["cols"]
    for i in (0, 57, 119):
        r, c = divmod(i, cols)
        tile = img[r * t : (r + 1) * t, c * t : (c + 1) * t]
        np.testing.assert_array_equal(tile, sample_run.catalog.thumbnails[i])


def test_png_encoder_is_lossless_on_noise_and_gradients():
    from PIL import Image

    rng = np.random.default_rng(3)
    noise = rng.integers(0, 256, (17, 23, 3), dtype=np.uint8)
    ramp = np.broadcast_to(np.arange(23, dtype=np.uint8)[None, :, None] * 11, (17, 23, 3))
    for img in (noise, ramp):
        back = np.asarray(Image.open(io.BytesIO(png_bytes(img))))
        np.testing.assert_array_equal(back, img)


def test_large_thumbnails_are_shrunk_for_the_page():
    run = make_sample_run(iterations=10, checkpoints=3, catalog=9, units=16, thumb=96)
    a = build_payload(run)["atlas"]
    assert a["tile"] == 48 and a["cols"] == 3


def test_non_finite_history_becomes_null_not_a_broken_page(sample_run, tmp_path):
    t = replace(
        sample_run.training,
        history={"loss": np.array([0.7, np.nan, np.inf])},
        config={**sample_run.training.config, "lr": float("nan")},
    )
    out = write_preview(replace(sample_run, training=t), tmp_path / "p.html")
    p = _payload_of(out.read_text("utf-8"))
    assert p["history"]["loss"] == [0.7, None, None] and p["config"]["lr"] is None


def test_an_id_with_markup_cannot_break_out_of_the_data_block(sample_run, tmp_path):
    ids = list(sample_run.catalog.ids)
    ids[0] = "</script><script>alert(1)</script>"
    run = replace(sample_run, catalog=replace(sample_run.catalog, ids=tuple(ids)))
    html = write_preview(run, tmp_path / "p.html").read_text("utf-8")
    assert html.count("</script>") == 2  # the data block's and the viewer's, nothing more
    assert _payload_of(html)["catalog"]["ids"][0] == ids[0]


def test_failed_write_keeps_the_old_page_and_leaves_no_temp_file(sample_run, tmp_path, monkeypatch):
    out = write_preview(sample_run, tmp_path / "preview.html")
    before = out.read_bytes()

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(PreviewError, match=r"preview\.html: cannot write: No space"):
        write_preview(replace(sample_run, projection=None), out)
    monkeypatch.undo()
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["preview.html"]


def test_unwritable_destination_is_one_clear_error(sample_run, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(PreviewError, match=r"not-a-dir/preview\.html: cannot write"):
        write_preview(sample_run, blocker / "preview.html")


def test_preview_from_file_reads_through_the_validating_reader(sample_run_file, tmp_path):
    from galaxyreel.preview import main, preview_from_file

    out = preview_from_file(sample_run_file, tmp_path / "a.html", max_points=30)
    assert _payload_of(out.read_text("utf-8"))["catalog"]["shown"] == 30
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"not hdf5 at all")
    with pytest.raises(RunFileError, match="bad.h5"):
        preview_from_file(bad, tmp_path / "b.html")
    assert not (tmp_path / "b.html").exists()
    assert main([str(bad), str(tmp_path / "c.html")]) == 2


def test_page_stays_small_for_a_paper_sized_run(tmp_path):
    run = make_sample_run(iterations=400, checkpoints=11, catalog=1000, units=1024, thumb=16)
    out = write_preview(run, tmp_path / "p.html")
    # surfaces, tracks and 1000 thumbnails: well under what a mail or a wiki page accepts
    assert out.stat().st_size < 1_500_000
