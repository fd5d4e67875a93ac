"""`galaxyreel scene --to maya [--arnold]`: the material flavour reaches the written file."""

from __future__ import annotations

import pytest

from galaxyreel.cli import main


@pytest.mark.parametrize("arnold", [False, True])
def test_scene_cli_writes_arnold_materials_only_when_asked(sample_run_file, tmp_path, arnold):
    out = tmp_path / "scene"
    argv = ["scene", str(sample_run_file), "--to", "maya", "--shots", "profile", "--out", str(out)]
    assert main(argv + (["--arnold"] if arnold else [])) == 0
    text = (out / "scene.ma").read_text()
    assert ('"mtoa"' in text) is arnold
    assert ("createNode aiStandardSurface" in text) is arnold
    assert ("createNode lambert" in text) is not arnold
