"""The page in a real headless Chromium: it loads clean, the slider moves the galaxies, hover
tells what a galaxy is, the view orbits, and a run without tracks says so."""

from __future__ import annotations

import contextlib
import math

import numpy as np
import pytest

from scene_builders.runfile import CLASS_NAMES
from tests.preview.browser import BrowserError

STATE = "window.galaxyreelPreview.state()"


def _settled(browser) -> dict:
    """The page's state once no transition is running and a frame has been drawn."""
    browser.wait_for(f"{STATE}.animating === false && {STATE}.frames.tsne > 0")
    return browser.evaluate(STATE)


def _xy(state: dict) -> np.ndarray:
    return np.array([[p["clientX"], p["clientY"]] for p in state["projected"]])


def _rect(browser, selector: str) -> dict:
    return browser.evaluate(
        f"(() => {{ const r = document.querySelector({selector!r}).getBoundingClientRect();"
        " return {x: r.x, y: r.y, w: r.width, h: r.height}; })()"
    )


def _ink_js(canvas_id: str) -> str:
    return (
        f"(() => {{ const c = document.getElementById({canvas_id!r});"
        " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;"
        " return n / (c.width * c.height); })()"
    )


def _ink(browser, canvas_id: str, at_least: float) -> float:
    """Fraction of a canvas's pixels that something was drawn on, once it reaches ``at_least``.

    Waits (up to 10 s) rather than sampling once: a layout change resizes, and so clears, a
    canvas until its next animation frame redraws it. Returns the last value seen.
    """
    with contextlib.suppress(BrowserError):  # the caller's assert then fails with the value
        browser.wait_for(f"{_ink_js(canvas_id)} > {at_least}")
    return browser.evaluate(_ink_js(canvas_id))


def test_page_loads_with_no_console_errors_and_no_network(browser, page):
    browser.open(page.as_uri())
    s = _settled(browser)
    assert browser.console_errors() == []
    assert all(u.startswith(("file:", "data:")) for u in browser.requested_urls())
    assert (s["points"], s["checkpoints"], s["checkpoint"], s["tracks"]) == (120, 11, 10, True)
    assert _ink(browser, "surf-canvas", 0.05) > 0.05 and _ink(browser, "tsne-canvas", 0.02) > 0.02
    assert browser.evaluate("document.querySelectorAll('#ck-table tr[data-k]').length") == 11


def test_moving_the_slider_moves_the_galaxies_smoothly(browser, page, sample_run):
    browser.open(page.as_uri() + "?checkpoint=0")
    start = _settled(browser)
    assert start["checkpoint"] == 0
    r = _rect(browser, "#ck-slider")
    browser.click(r["x"] + r["w"] - 2, r["y"] + r["h"] / 2)  # a real click at the track's end
    browser.wait_for(f"{STATE}.checkpoint === 10", timeout=5)
    end = _settled(browser)
    assert end["transitionFrames"] >= 2  # animated through in-between frames, not a jump
    moved = np.linalg.norm(_xy(end) - _xy(start), axis=1)
    assert moved.max() > 5, moved  # pixels
    # the plotted points are where the run says they are at the last checkpoint
    expect = sample_run.projection.positions[10, :8] - sample_run.projection.positions[0, :8]
    assert np.all((moved > 0.5) == (np.linalg.norm(expect, axis=1) > 1e-3))
    assert browser.evaluate("document.getElementById('ck-label').textContent").startswith(
        "checkpoint 10/10"
    )
    # the keyboard steps one checkpoint (focus is on the slider after the click)
    browser.key("ArrowLeft", "ArrowLeft", 37)
    browser.wait_for(f"{STATE}.checkpoint === 9", timeout=5)
    steps = np.array(
        browser.evaluate(
            "JSON.parse(document.getElementById('gr-data').textContent).surfaces.row_step"
        )
    )
    nearest = int(np.argmin(np.abs(steps - sample_run.snapshots.step[9])))
    assert browser.evaluate(STATE)["surfaceRow"] == nearest  # the surfaces mark checkpoint 9
    assert browser.console_errors() == []


def test_hover_shows_thumbnail_label_and_prediction(browser, page, sample_run):
    browser.open(page.as_uri() + "?checkpoint=3")
    _settled(browser)
    for i in range(8):  # the first of these galaxies not hidden behind another
        at = browser.evaluate(f"window.galaxyreelPreview.locate({i})")
        browser.mouse("mouseMoved", at["clientX"], at["clientY"])
        hovered = browser.evaluate(f"{STATE}.hovered")
        if hovered == sample_run.catalog.ids[i]:
            break
    else:
        pytest.fail("no galaxy could be hovered")
    assert browser.evaluate(f"{STATE}.tooltipVisible")
    text = browser.evaluate("document.querySelector('#tip .tip-text').textContent")
    truth = CLASS_NAMES[int(sample_run.catalog.labels[i])]
    pred = int(sample_run.snapshots.predictions[3, i])
    prob = float(sample_run.snapshots.probabilities[3, i, pred])
    assert hovered in text and f"true: {truth}" in text
    assert f"predicted: {CLASS_NAMES[pred]}" in text
    shown = float(text.split("(p = ")[1].split(")")[0])
    assert math.isclose(shown, prob, abs_tol=0.01)
    assert ("misclassified" in text) == (pred != int(sample_run.catalog.labels[i]))
    assert _ink(browser, "tip-thumb", 0.3) > 0.3  # the galaxy's thumbnail is drawn
    browser.mouse("mouseMoved", 2, 2)  # leaving the galaxy hides the tip
    browser.wait_for(f"!{STATE}.tooltipVisible", timeout=5)


def test_dragging_orbits_the_view_without_changing_checkpoint(browser, page):
    browser.open(page.as_uri())
    before = _settled(browser)
    r = _rect(browser, "#tsne-canvas")
    cx, cy = r["x"] + r["w"] / 2, r["y"] + r["h"] / 2
    browser.drag(cx, cy, cx + 120, cy + 30)
    after = _settled(browser)
    assert after["checkpoint"] == before["checkpoint"]
    assert np.linalg.norm(_xy(after) - _xy(before), axis=1).max() > 10


def test_play_steps_through_checkpoints(browser, page):
    browser.open(page.as_uri() + "?checkpoint=0")
    _settled(browser)
    r = _rect(browser, "#play")
    browser.click(r["x"] + r["w"] / 2, r["y"] + r["h"] / 2)
    assert browser.evaluate(f"{STATE}.playing")
    browser.wait_for(f"{STATE}.checkpoint >= 2", timeout=8)
    browser.click(r["x"] + r["w"] / 2, r["y"] + r["h"] / 2)
    assert not browser.evaluate(f"{STATE}.playing")
    assert browser.console_errors() == []


def test_run_without_tracks_shows_surfaces_and_says_tracks_are_missing(
    browser, page_without_tracks
):
    browser.open(page_without_tracks.as_uri())
    browser.wait_for(f"{STATE}.frames.surfaces > 0")
    s = browser.evaluate(STATE)
    assert s["tracks"] is False and s["projected"] == []
    note = browser.evaluate(
        "(() => { const m = document.getElementById('tsne-missing');"
        " return m.hidden ? '' : m.textContent; })()"
    )
    assert "no t-SNE tracks" in note and "galaxyreel project" in note
    assert _ink(browser, "surf-canvas", 0.05) > 0.05
    r = _rect(browser, "#ck-slider")
    browser.click(r["x"] + 2, r["y"] + r["h"] / 2)
    browser.wait_for(f"{STATE}.checkpoint === 0", timeout=5)
    assert browser.console_errors() == []
