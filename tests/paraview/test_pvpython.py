"""Real ParaView (Debian's pvpython, off-screen) loads the export and renders the film's colours."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest
from pv_readback import pvd_entries, require

from scene_builders.paraview import run_pvpython

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pvpython():
    require(shutil.which("pvpython") is not None, "ParaView's pvpython (python3-paraview)")
    require(
        bool(os.environ.get("DISPLAY")) or shutil.which("Xvfb") is not None,
        "Xvfb (Debian's ParaView needs an X server even off-screen)",
    )


def _run(pvd, png, *args):
    out = run_pvpython(pvd, "--screenshot", str(png), "--size", "320x180", *args, timeout=180)
    line = next(x for x in out.splitlines() if x.startswith("galaxyreel_pv "))
    return json.loads(line.split(" ", 1)[1])


@pytest.fixture(scope="module")
def first_and_last(pvpython, exported, sample_run, tmp_path_factory):
    """One pvpython run renders the first and the last checkpoint (pvpython starts in ~3 s)."""
    png = tmp_path_factory.mktemp("pv") / "tsne.png"
    steps = sample_run.snapshots.step
    info = _run(exported, png, "--time", str(float(steps[0])), str(float(steps[-1])))
    return info, [_pixels(png.with_name(f"tsne.{i}.png")) for i in (0, 1)]


def _pixels(png):
    from vtkmodules.util.numpy_support import vtk_to_numpy
    from vtkmodules.vtkIOImage import vtkPNGReader

    assert png.exists() and png.stat().st_size > 0, f"{png} was not written"
    r = vtkPNGReader()
    r.SetFileName(str(png))
    r.Update()
    img = r.GetOutput()
    dims = img.GetDimensions()
    arr = vtk_to_numpy(img.GetPointData().GetScalars()).reshape(dims[1], dims[0], -1)
    assert (dims[0], dims[1]) == (320, 180)
    return arr[..., :3].astype(np.int32)


def _hues(px):
    r, g, b = px[..., 0], px[..., 1], px[..., 2]
    return {
        "red": int(((r > 90) & (r > 2 * g) & (r > 2 * b)).sum()),
        "blue": int(((b > 90) & (b > 1.4 * r) & (b > g)).sum()),
        "yellow": int(((r > 90) & (g > 0.55 * r) & (b < 0.6 * g)).sum()),
    }


def test_first_checkpoint_shows_red_misclassified_spheres(first_and_last, exported, sample_run):
    info, (px, _) = first_and_last
    assert info["times"][0] == pytest.approx(float(sample_run.snapshots.step[0]))
    tsne = pvd_entries(exported.parent / "galaxyreel_vtk" / "tsne.pvd")
    assert info["timesteps"] == len(tsne)  # ParaView sees our time axis: the training steps
    assert info["raytraced"] == info["ospray_available"]  # auto: OSPRay when built in
    hues = _hues(px)
    assert hues["red"] > 20 and hues["blue"] > 20 and hues["yellow"] > 20, hues


def test_last_checkpoint_shows_two_clean_clusters(first_and_last):
    _, (_, px) = first_and_last
    hues = _hues(px)
    assert hues["red"] == 0, hues  # every galaxy right: no red sphere left
    assert hues["blue"] > 50 and hues["yellow"] > 50, hues
    # blue (spiral) and yellow (elliptical) clusters are apart on screen
    blue_x = np.nonzero(_mask(px, "blue"))[1].mean()
    yellow_x = np.nonzero(_mask(px, "yellow"))[1].mean()
    assert abs(blue_x - yellow_x) > 30


def _mask(px, hue):
    r, g, b = px[..., 0], px[..., 1], px[..., 2]
    if hue == "blue":
        return (b > 90) & (b > 1.4 * r) & (b > g)
    return (r > 90) & (g > 0.55 * r) & (b < 0.6 * g)


def test_surfaces_layer_renders_both_probes(pvpython, exported, tmp_path):
    info = _run(exported, tmp_path / "surfaces.png", "--layer", "surfaces")
    px = _pixels(tmp_path / "surfaces.png")
    assert len(info["layers"]) == 2
    hues = _hues(px)
    assert hues["blue"] > 20 and hues["yellow"] > 20, hues
