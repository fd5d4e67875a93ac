from __future__ import annotations

import numpy as np
import pytest

from scene_builders.atlas import pack_atlas
from scene_builders.ir import SceneError
from scene_builders.look import SHOT_NAMES, load_look


def test_default_look_has_a_duration_for_every_shot_and_a_60s_film():
    look = load_look(None)
    assert set(look.durations) == set(SHOT_NAMES)
    assert sum(look.durations.values()) >= 60
    assert load_look(None, "final").resolution == (1920, 1080)


def test_look_file_overrides_only_what_it_names(tmp_path):
    p = tmp_path / "look.toml"
    p.write_text('fps = 30\n[colors]\nspiral = "#0000ff"\n[durations]\ntsne = 4.5\n')
    look = load_look(p)
    assert look.fps == 30
    assert look.color("spiral") == (0.0, 0.0, 1.0, 1.0)
    assert look.frames("tsne") == 135
    assert look.color("elliptical") == load_look(None).color("elliptical")


@pytest.mark.parametrize(
    "text, key",
    [
        ("fps = -3\n", "fps"),
        ("[durations]\ntsne = 0\n", "durations.tsne"),
        ("[durations]\nnot_a_shot = 3\n", "durations.not_a_shot"),
        ('[colors]\nspiral = "#12"\n', "colors.spiral"),
        ("[colors]\nspiral = [2, 0, 0]\n", "colors.spiral"),
        ("[quality.preview]\nresolution = [640]\n", "quality.preview.resolution"),
        ("[quality.preview]\nsamples = 0\n", "quality.preview.samples"),
        ("wobble = 1\n", "wobble"),
    ],
)
def test_an_invalid_look_value_is_one_error_naming_file_and_key(tmp_path, text, key):
    p = tmp_path / "bad.toml"
    p.write_text(text)
    with pytest.raises(SceneError) as err:
        load_look(p)
    msg = str(err.value)
    assert str(p) in msg and f"key {key}:" in msg
    assert "\n" not in msg


def test_a_look_that_is_not_toml_names_the_file(tmp_path):
    p = tmp_path / "broken.toml"
    p.write_text("fps = = 3")
    with pytest.raises(SceneError, match="broken.toml: not a valid TOML"):
        load_look(p)


def test_atlas_tiles_read_back_as_the_thumbnails(sample_run):
    thumbs = sample_run.catalog.thumbnails
    atlas = pack_atlas(thumbs)
    h, w = atlas.pixels.shape[:2]
    rects = atlas.tile_uv(np.arange(thumbs.shape[0]))
    for i in (0, 1, atlas.columns, thumbs.shape[0] - 1):
        u0, v0, u1, v1 = rects[i]
        # V is up; image rows run top-down.
        rows = slice(round((1 - v1) * h), round((1 - v0) * h))
        cols = slice(round(u0 * w), round(u1 * w))
        np.testing.assert_array_equal(atlas.pixels[rows, cols, :3], thumbs[i])
    assert (atlas.pixels[..., 3][: atlas.tile_size, : atlas.tile_size] == 255).all()


def test_atlas_rejects_non_image_input():
    with pytest.raises(SceneError, match="thumbnails have shape"):
        pack_atlas(np.zeros((3, 8, 8), np.uint8))


def test_the_package_builds_scenes_without_importing_bpy_or_pxr():
    import subprocess
    import sys

    code = (
        "import sys, scene_builders as s, scene_builders.blender, scene_builders.cli;"
        "s.build_scene; s.load_look; s.write_blend;"
        "print(sorted(m for m in ('bpy', 'pxr', 'tensorflow') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
