"""The .ma writer: parsed back strictly, every vertex and key compared with the IR."""

from __future__ import annotations

import dataclasses
import io
import warnings

import numpy as np
import pytest
from ma_reader import face_vertices, parse, plug_value, vector_value

from scene_builders.ir import Keys, Mesh, PointSet, SceneError, euler_xyz_to_matrix, srgb_to_linear
from scene_builders.maya_ascii import write_ma
from scene_builders.maya_convert import MayaNameWarning, maya_matrix, points_to_maya

FRAMES = (1, 2.5, 4, 6, 9, 12, 15.5, 20, 24, 25, 31, 40, 47.25, 60, 70)
R = np.array([[1, 0, 0], [0, 0, 1], [0, -1, 0]], dtype=float)  # IR -> Maya axes


def items(scene, kind):
    return [i for s in scene.shots for i in s.items if isinstance(i, kind)]


def ir_matrix(tf, frame):
    m = np.eye(4)
    m[:3, :3] = euler_xyz_to_matrix(tf.rotation.at(frame)) @ np.diag(tf.scale.at(frame))
    m[:3, 3] = tf.location.at(frame)
    return m


def maya_transform(ma, node, frame):
    t = vector_value(ma, node, "t", frame)
    r = vector_value(ma, node, "r", frame)
    s = vector_value(ma, node, "s", frame, default=(1, 1, 1))
    n = ma.nodes[node]
    ra = n.get(".ra").values if n.has(".ra") else (0, 0, 0)
    assert int(n.get(".ro").values[0]) == 3
    return maya_matrix(t, r, s, np.asarray(ra, dtype=float))


def test_header_units_fileinfo_and_mtoa(written):
    path, ma = written
    text = path.read_text()
    assert text.startswith("//Maya ASCII 2024 scene\n")
    assert ma.units == {"-l": "centimeter", "-a": "degree", "-t": "film"}
    assert ["maya", '"2024"'] in [r for r in ma.requires] or any(
        r[0] == "maya" for r in ma.requires
    )
    assert any(r[-2] == '"mtoa"' for r in ma.requires)
    assert ma.file_info["galaxyreelShots"] == "surface 1 24 cam_a;tsne 25 60 cam_b"
    assert text.rstrip().endswith("// End of scene.ma")


def test_lambert_scene_has_no_arnold_and_other_fps(tmp_path, scene):
    s25 = dataclasses.replace(scene, fps=25)
    ma = parse(write_ma(s25, tmp_path / "l.ma").read_text())
    assert ma.units["-t"] == "pal"
    assert not any("mtoa" in " ".join(r) for r in ma.requires)
    assert not ma.of_kind("aiStandardSurface") and ma.of_kind("lambert")
    with pytest.raises(SceneError, match="no time unit for 7 fps"):
        write_ma(dataclasses.replace(scene, fps=7), tmp_path / "bad.ma")


def test_static_mesh_vertices_faces_uvs_and_colours_round_trip(written, scene):
    _, ma = written
    card = next(m for m in items(scene, Mesh) if m.name == "card")
    shape = ma.nodes["cardShape"]
    assert np.allclose(shape.array(".vt"), points_to_maya(card.vertices), atol=1e-6)
    assert face_vertices(shape) == card.faces.tolist()
    assert np.allclose(shape.array(".uvst[0].uvsp"), card.uvs)
    assert np.allclose(shape.array(".clst[0].clsp"), srgb_to_linear(card.colors), atol=1e-7)


def test_growing_surface_equals_ir_states_at_frames(written, scene):
    """Orig points + keyed blendShape weights x sparse deltas == Keys.at, frame by frame."""
    _, ma = written
    surf = next(m for m in items(scene, Mesh) if m.name == "surface")
    orig = ma.nodes["surfaceShapeOrig"]
    assert orig.get(".io").values == ["yes"]
    assert face_vertices(orig) == surf.faces.tolist()
    base = orig.array(".vt")
    bs = ma.nodes["surface_states"]
    assert ma.sources("surface_states.og[0]") == [] and ma.destinations("surface_states.og[0]") == [
        "surfaceShape.i"
    ]
    assert ma.sources("surface_states.ip[0].ig") == ["surfaceShapeOrig.w"]
    targets = []
    for w in range(len(bs.array(".w"))):
        pts = bs.get(f".it[0].itg[{w}].iti[6000].ipt").values
        n = int(pts[0])
        delta = np.asarray(pts[1:], dtype=float).reshape(n, 4)[:, :3]
        comps = bs.get(f".it[0].itg[{w}].iti[6000].ict").values[1:]
        idx = []
        for c in comps:
            a, _, b = c.strip('"')[4:-1].partition(":")
            idx.extend(range(int(a), int(b or a) + 1))
        assert len(idx) == n
        targets.append((w, np.asarray(idx), delta))
    assert 0 < len(targets) <= surf.states.frames.size - 1
    for f in FRAMES:
        pos = base.copy()
        for w, idx, delta in targets:
            pos[idx] += plug_value(ma, "surface_states", f"w[{w}]", f) * delta
        want = points_to_maya(surf.states.at(f))
        assert np.allclose(pos, want, atol=1e-4), f"frame {f}"


def test_transforms_and_cameras_match_ir_world_matrices(written, scene):
    _, ma = written
    c4 = np.eye(4)
    c4[:3, :3] = R
    scale = np.diag([100.0, 100, 100, 1])
    surf = next(m for m in items(scene, Mesh) if m.name == "surface")
    cams = [s.camera for s in scene.shots]
    for f in FRAMES:
        # A mesh: Maya world of a converted local point == converted IR world point.
        m_maya = maya_transform(ma, "surface", f)
        want = scale @ c4 @ ir_matrix(surf.transform, f) @ c4.T @ np.linalg.inv(scale)
        assert np.allclose(m_maya, want, atol=1e-6), f"mesh at frame {f}"
        for cam in cams:
            # A camera: its local axes (look -Z, up +Y in both hosts) map to the same world axes.
            m_cam = maya_transform(ma, cam.name, f)
            ir = ir_matrix(cam.transform, f)
            assert np.allclose(m_cam[:3, :3], R @ ir[:3, :3], atol=1e-9), f"{cam.name} at {f}"
            assert np.allclose(m_cam[:3, 3], 100 * R @ ir[:3, 3], atol=1e-6)
        fl = plug_value(ma, "cam_aShape", "fl", f)
        assert fl == pytest.approx(float(cams[0].focal_length.at(f)[()]))


def test_points_translations_and_colours_at_frames(written, scene):
    _, ma = written
    gal = next(p for p in items(scene, PointSet) if p.name == "galaxies")
    mat = scene.materials[gal.material]
    groups = set()
    for i in range(gal.count):
        node = f"galaxies_{i}"
        shape = ma.nodes[f"{node}Shape"]
        assert ma.nodes[node].parent == "galaxies"
        # UVs live inside the point's atlas tile.
        u0, v0, u1, v1 = scene.images["atlas"].tile_uv(gal.tiles)[i]
        uv = shape.array(".uvst[0].uvsp")
        assert uv[:, 0].min() >= u0 - 1e-9 and uv[:, 0].max() <= u1 + 1e-9
        assert uv[:, 1].min() >= v0 - 1e-9 and uv[:, 1].max() <= v1 + 1e-9
        sg = [d for d in ma.destinations(f"{node}Shape.iog")]
        assert len(sg) == 1
        sg_name = sg[0].split(".")[0]
        groups.add(sg_name)
        shader = ma.sources(f"{sg_name}.ss")[0].split(".")[0]
        tint = ma.sources(f"{shader}.base_color")[0].split(".")[0]
        assert ma.nodes[tint].kind == "multiplyDivide"
        file_node = ma.sources(f"{tint}.i2")[0].split(".")[0]
        assert ma.nodes[file_node].kind == "file"
        for f in FRAMES:
            t = vector_value(ma, node, "t", f)
            assert np.allclose(t, points_to_maya(gal.positions.at(f)[i]), atol=1e-6), (i, f)
            col = vector_value(ma, tint, "i1", f)
            want = srgb_to_linear(gal.colors.at(f)[i])[:3] * srgb_to_linear(np.array(mat.color))[:3]
            assert np.allclose(col, want, atol=1e-9), (i, f)
    assert len(groups) == 2  # three blue points share one look, three yellow-then-red another


def test_shots_visible_only_in_their_frames(written, scene):
    _, ma = written
    for shot in scene.shots:
        grp = f"shot_{shot.name}"
        for f in range(scene.frame_start, scene.frame_end + 1):
            want = 1.0 if shot.first_frame <= f <= shot.last_frame else 0.0
            assert plug_value(ma, grp, "v", f, default=1.0) == want, (grp, f)
        for item in (shot.camera, *shot.items):
            assert ma.nodes[item.name].parent == grp


def test_shading_groups_wired_the_way_maya_wires_them(written):
    _, ma = written
    sgs = ma.of_kind("shadingEngine")
    assert sgs
    for sg in sgs:
        n = sg.name
        assert (f"{n}.pa", ":renderPartition.st", True) in ma.connections
        assert ma.sources(f"{n}.ss"), n
        shader = ma.sources(f"{n}.ss")[0]
        assert (
            shader.endswith(".out") and ma.nodes[shader.split(".")[0]].kind == "aiStandardSurface"
        )
        info = [d.split(".")[0] for d in ma.destinations(f"{n}.msg") if d.endswith(".sg")]
        assert len(info) == 1 and ma.nodes[info[0]].kind == "materialInfo"
        assert [
            "link",
            ":lightLinker1",
            f"{n}.message",
            ":defaultLightSet.message",
        ] in ma.relationships
    for shape in ma.of_kind("mesh"):
        if shape.has(".io"):
            continue
        dsm = [d for d in ma.destinations(f"{shape.name}.iog") if d.endswith(".dsm")]
        assert len(dsm) == 1, shape.name
    for light in ("sunShape", "key_areaShape", "bulbShape"):
        assert (f"{light}.ltd", ":lightList1.l", True) in ma.connections


def test_atlas_png_is_written_beside_the_ma_and_referenced_relatively(written, scene):
    path, ma = written
    names = {n.get(".ftn").values[0] for n in ma.of_kind("file")}
    assert names == {"atlas.png"}
    from PIL import Image as PILImage

    png = PILImage.open(io.BytesIO((path.parent / "atlas.png").read_bytes()))
    assert np.array_equal(np.asarray(png), scene.images["atlas"].pixels)


def test_bad_names_are_sanitised_and_reported(tmp_path, scene):
    shot = scene.shots[0]
    card = next(i for i in shot.items if i.name == "card")
    renamed = dataclasses.replace(card, name="3d card-front")
    items_ = tuple(renamed if i is card else i for i in shot.items)
    bad = dataclasses.replace(
        scene, shots=(dataclasses.replace(shot, items=items_), *scene.shots[1:])
    )
    with pytest.warns(MayaNameWarning, match="'3d card-front' renamed to '_3d_card_front'"):
        path = write_ma(bad, tmp_path / "bad.ma")
    ma = parse(path.read_text())
    assert "_3d_card_front" in ma.nodes


def test_mismatched_shapes_fail_cleanly_and_keep_the_old_file(tmp_path, scene):
    good = write_ma(scene, tmp_path / "scene.ma")
    before = good.read_bytes()
    shot = scene.shots[0]
    surf = next(i for i in shot.items if i.name == "surface")
    broken = dataclasses.replace(
        surf, states=Keys(surf.states.frames, surf.states.values[:, :-1], "bezier")
    )
    items_ = tuple(broken if i is surf else i for i in shot.items)
    bad = dataclasses.replace(
        scene, shots=(dataclasses.replace(shot, items=items_), *scene.shots[1:])
    )
    with pytest.raises(SceneError, match="surface.*states shape"):
        write_ma(bad, good)
    assert good.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["atlas.png", "scene.ma"]


def test_unwritable_output_is_one_clear_error(tmp_path, scene):
    (tmp_path / "afile").write_text("x")
    with pytest.raises(SceneError, match="does not exist"):
        write_ma(scene, tmp_path / "afile" / "scene.ma")
    (tmp_path / "adir.ma").mkdir()
    with pytest.raises(SceneError, match="cannot write"):
        write_ma(scene, tmp_path / "adir.ma")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_no_warnings_for_a_clean_scene(tmp_path, scene):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        write_ma(scene, tmp_path / "clean.ma")
