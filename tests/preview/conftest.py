"""Fixtures for the preview page: small runs, their pages, and one headless Chromium per module."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.conftest import require
from tests.preview.browser import Browser, chromium_path


@pytest.fixture(scope="module")
def browser():
    require(chromium_path() is not None, "Debian's chromium (headless page tests)")
    with Browser(width=1280, height=1000) as b:
        yield b


@pytest.fixture(scope="module")
def page(tmp_path_factory, request):
    """The sample run's page, written once per module."""
    from galaxyreel.preview import write_preview

    run = request.getfixturevalue("sample_run")
    out = tmp_path_factory.mktemp("preview") / "preview.html"
    return write_preview(run, out)


@pytest.fixture(scope="module")
def page_without_tracks(tmp_path_factory, request):
    from galaxyreel.preview import write_preview

    run = replace(request.getfixturevalue("sample_run"), projection=None)
    out = tmp_path_factory.mktemp("preview-notracks") / "preview.html"
    return write_preview(run, out)
