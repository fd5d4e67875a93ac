"""The Blender extension, in real bpy: built, installed from its zip, its buttons pressed.

One bpy session per way of enabling (installed zip; source folder) runs every step and reports
JSON; the tests below each check one behaviour of those results.
"""

from __future__ import annotations

import math
import re
import struct
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tests.addon.conftest import NEW_TEXT, OLD_TEXT, ROOT, SHOT_NAMES, cli

# The bpy sessions behind these tests take 5-20 s each (once per run, shared by the tests).
pytestmark = [pytest.mark.blender, pytest.mark.slow]


def same(a, b, path="") -> list[str]:
    """Differences between two dumps (floats to 1e-6): empty when equal."""
    if isinstance(a, float) or isinstance(b, float):
        ok = isinstance(a, int | float) and isinstance(b, int | float)
        return (
            [] if ok and math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6) else [f"{path}: {a} != {b}"]
        )
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [f"{path}: keys {sorted(set(a) ^ set(b))} differ"]
        return [d for k in a for d in same(a[k], b[k], f"{path}/{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: length {len(a)} != {len(b)}"]
        return [
            d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in same(x, y, f"{path}[{i}]")
        ]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def ok(results, step):
    assert step not in results["errors"], results["errors"][step]
    assert step in results, f"step {step} did not run: {sorted(results['errors'])}"
    return results[step]


def srgb_to_linear(c):
    c = np.asarray(c, float)
    rgb = np.where(c[:3] <= 0.04045, c[:3] / 12.92, ((c[:3] + 0.055) / 1.055) ** 2.4)
    return np.r_[rgb, c[3:]]


# ----------------------------------------------------------------------------- packaging


def test_zip_carries_manifest_addon_code_and_wheels(addon_build):
    zp, stdout = addon_build
    with zipfile.ZipFile(zp) as z:
        names = set(z.namelist())
        manifest = z.read("blender_manifest.toml").decode()
        with z.open(next(n for n in names if n.startswith("wheels/galaxyreel-"))) as w:
            inner = set(zipfile.ZipFile(w).namelist())
    import tomllib

    m = tomllib.loads(manifest)
    assert m["id"] == "galaxyreel" and m["type"] == "add-on" and m["platforms"] == ["linux-x64"]
    assert {"__init__.py", "actions.py", "operators.py", "panel.py", "ui.py"} <= names
    assert "build.py" not in names
    listed = {w.removeprefix("./") for w in m["wheels"]}
    assert listed == {n for n in names if n.startswith("wheels/")}
    kinds = sorted(Path(w).name.split("-")[0] for w in listed)
    assert kinds == ["galaxyreel", "h5py", "tqdm"]
    assert any("manylinux" in w and "x86_64" in w for w in listed if "h5py" in w)
    assert {"scene_builders/blender.py", "render_farm/worker.py", "galaxyreel/cli.py"} <= inner
    assert str(zp) in stdout


def test_blenders_own_validator_accepts_the_zip(addon_build):
    site = Path(sysconfig.get_paths()["purelib"])
    tool = site / "bpy" / "5.0" / "scripts" / "addons_core" / "bl_pkg" / "cli" / "blender_ext.py"
    p = subprocess.run(
        [sys.executable, str(tool), "validate", str(addon_build[0])], capture_output=True, text=True
    )
    assert p.returncode == 0 and "Success" in p.stdout, p.stdout + p.stderr


def test_build_rejects_an_unknown_platform_in_one_line(tmp_path):
    p = cli("addon", "build", "--out", tmp_path, "--platform", "amiga")
    assert p.returncode == 2
    assert "amiga" in p.stderr and "Traceback" not in p.stderr
    assert not list(tmp_path.iterdir())


# ----------------------------------------------------------------------------- installed zip


def test_zip_installs_and_enables_with_its_own_copy_of_the_project(zip_session):
    e = ok(zip_session, "enable")
    assert e["enabled"] and e["module"] == "bl_ext.user_default.galaxyreel"
    expected = [
        "farm_status",
        "jump_to_shot",
        "rebuild_shot",
        "render_preview",
        "save_look",
        "submit_farm",
    ]
    assert e["ops"] == expected and e["import_op"]
    assert "GALAXYREEL_PT_main" in e["panels"] and len(e["panels"]) == 4
    # scene_builders came out of the zip's project wheel, not from this checkout
    assert "extensions" in e["scene_builders"] and str(ROOT) not in e["scene_builders"]
    site = Path(e["ext_site"][0])
    assert (site / "h5py" / "__init__.py").is_file() and (site / "tqdm").is_dir()


def test_import_operator_builds_what_galaxyreel_scene_writes(zip_session):
    imp = ok(zip_session, "import")
    ref = ok(zip_session, "reference")
    assert imp["returned"] == ["FINISHED"]
    assert imp["startup_objects_kept"]  # imported into the open file, not a new one
    assert sorted(imp["dump"]["objects"]) == sorted(ref["objects"])
    assert len(ref["objects"]) > 40
    assert same(imp["dump"], ref) == []


def test_panel_shows_steps_and_accuracy_per_checkpoint(zip_session, run_files):
    from scene_builders.runfile import read_run

    info = ok(zip_session, "import")["run_info"]
    run = read_run(run_files[0])
    acc = run.snapshots.accuracy(run.catalog.labels)
    assert info["steps"] == [int(run.surfaces.step[0]), int(run.surfaces.step[-1])]
    assert [c["step"] for c in info["checkpoints"]] == run.snapshots.step.tolist()
    assert np.allclose([c["accuracy"] for c in info["checkpoints"]], acc)


def test_malformed_run_is_cancelled_with_the_readers_message_and_scene_untouched(
    zip_session, run_files
):
    from scene_builders.runfile import RunFileError, read_run

    with pytest.raises(RunFileError) as reader:
        read_run(run_files[1])
    m = ok(zip_session, "malformed")
    assert m["returned"] == ["CANCELLED"]
    assert m["reports"] == [[["ERROR"], str(reader.value)]]
    assert str(reader.value) in m["message"]  # what Blender shows in its report area
    assert m["objects_before"] == m["objects_after"] == ["Camera", "Cube", "Light"]
    assert not m["imported"] and m["data_same"]


def test_jump_to_shot_sets_frame_and_camera(zip_session):
    j = ok(zip_session, "jump")
    shots = {s["name"]: s for s in ok(zip_session, "import")["timeline"]["shots"]}
    assert j["tsne"] == [shots["tsne"]["first_frame"], "tsne_camera"]
    assert j["profile"] == [shots["profile"]["first_frame"], "profile_camera"]
    assert "nonexistent" in j["unknown"]


def test_rebuild_shot_replaces_only_that_shot_with_the_new_colour(zip_session):
    r = ok(zip_session, "rebuild_shot")
    assert r["returned"] == ["FINISHED"] and r["others_untouched"]
    before, after = r["before"], r["after"]
    assert sorted(before) == sorted(after)
    for name in before:  # same geometry and keys; only material names/colours may change
        b = {k: v for k, v in before[name].items() if k != "materials"}
        a = {k: v for k, v in after[name].items() if k != "materials"}
        assert same(a, b) == [], name
    rgb = after["spiral_surface_title_units"]["materials"][0][1]
    assert np.allclose(rgb, srgb_to_linear(NEW_TEXT), atol=1e-5)
    other = r["other_text"]["elliptical_surface_title_units"]["materials"][0][1]
    assert np.allclose(other, srgb_to_linear(OLD_TEXT), atol=1e-5)
    assert [str(x) for x in r["markers"][0]] == ["1", "spiral_surface", "spiral_surface_camera"]


def test_rebuild_with_new_timing_rebuilds_the_film_and_leaks_nothing(zip_session):
    t = ok(zip_session, "rebuild_timing")
    imp = ok(zip_session, "import")
    tsne = t["tsne"]
    assert tsne["last_frame"] - tsne["first_frame"] + 1 == 5 * 24
    assert t["frame_end"] == tsne["last_frame"]
    # back at the imported look, the rebuilt film equals the import, with no leftover data
    assert same(t["dump"], imp["dump"]) == []
    assert t["counts"] == imp["counts"]


def test_panel_draws_only_real_properties_and_operators(zip_session):
    lines = ok(zip_session, "panel_draw")
    text = "\n".join(lines)
    assert "(hidden)" not in text
    for name in SHOT_NAMES:
        assert f"(galaxyreel.jump_to_shot) shot={name}" in text
        assert f"(galaxyreel.rebuild_shot) shot={name}" in text
    for op in ("render_preview", "submit_farm", "farm_status", "save_look"):
        assert f"(galaxyreel.{op})" in text
    rows = [ln for ln in lines if re.fullmatch(r"\s*label: +\d+ +\d+ +[01]\.\d{3}", ln)]
    assert len(rows) == 11  # one row per checkpoint: index, step, accuracy


def test_saved_look_is_a_look_file_the_cli_reads(zip_session, tmp_path):
    from scene_builders.look import load_look

    text = ok(zip_session, "save_look")
    p = tmp_path / "look.toml"
    p.write_text(text)
    look = load_look(p, "preview")
    assert look.durations["tsne"] == 16.0 and look.resolution == (640, 360)
    assert np.allclose(look.color("text"), OLD_TEXT, atol=1e-6)


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_render_preview_frame_writes_a_tiny_png_and_restores_settings(zip_session):
    p = ok(zip_session, "preview")
    imp = ok(zip_session, "import")
    assert p["returned"] == ["FINISHED"]
    assert _png_size(Path(p["path"])) == (64, 36)  # 10% of the look's 640x360
    assert p["leftovers"] == ["frame.png"]
    assert p["restored"][:2] == [100, imp["dump"]["samples"]]
    assert p["restored"][2] == "//frames/####"


def test_farm_command_detaches_on_slurm_and_quotes_nothing_into_a_shell(zip_session):
    cmd = ok(zip_session, "farm_command")
    assert cmd[:5] == ["py", "-m", "galaxyreel.cli", "render", "/a b/s.blend"]
    for pair in (["--backend", "slurm"], ["--partition", "render"], ["--frames", "1-4"]):
        i = cmd.index(pair[0])
        assert cmd[i : i + 2] == pair
    assert cmd[-1] == "--detach" and "--workers" not in cmd


def test_send_to_farm_renders_the_saved_file_on_the_local_backend(zip_session):
    f = ok(zip_session, "farm")
    assert f["returned"] == ["FINISHED"] and "submitted to local" in f["first_status"]
    assert f["exit"] == 0, f["log"]
    assert f["timeline_written"]
    assert "2/2 frames done" in f["status"] and "local: finished" in f["status"]
    assert f["frames"] == ["0001.png", "0002.png"] and f["frames_json"]
    assert [_png_size(Path(f["out"]) / n) for n in f["frames"]] == [(32, 18), (32, 18)]


# ----------------------------------------------------------------------------- from source


def test_enabled_from_the_source_folder_for_development(source_session):
    e = ok(source_session, "enable")
    assert e["enabled"] and e["module"].endswith(".galaxyreel")
    assert e["addon_file"] == str(ROOT / "blender_addon" / "__init__.py")
    imp = ok(source_session, "import")
    ref = ok(source_session, "reference")
    assert same(imp["dump"], ref) == []
    assert ok(source_session, "malformed")["returned"] == ["CANCELLED"]
    assert ok(source_session, "rebuild_shot")["others_untouched"]
    assert _png_size(Path(ok(source_session, "preview")["path"])) == (64, 36)


def test_shot_names_match_the_scene_builders(zip_session):
    assert ok(zip_session, "import")["shots"] == SHOT_NAMES
