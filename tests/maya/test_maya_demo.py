"""The real demo scene (build_scene on a sample run) through the .ma writer and the strict reader."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from ma_reader import parse, plug_value, vector_value

from scene_builders.ir import (
    Camera,
    Label,
    Light,
    Mesh,
    PointSet,
    euler_xyz_to_matrix,
    srgb_to_linear,
)
from scene_builders.maya_convert import MayaNameWarning, Names, maya_matrix, points_to_maya

R = np.array([[1, 0, 0], [0, 0, 1], [0, -1, 0]], dtype=float)


@pytest.fixture(scope="module")
def demo(tmp_path_factory, sample_run):
    from scene_builders.build import build_scene
    from scene_builders.look import load_look
    from scene_builders.maya_ascii import write_ma

    scene, skipped = build_scene(sample_run, load_look(None, "preview"))
    assert skipped == []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = write_ma(scene, tmp_path_factory.mktemp("demo") / "demo.ma", arnold=True)
    renames = [w for w in caught if issubclass(w.category, MayaNameWarning)]
    return scene, parse(path.read_text(encoding="utf-8")), renames


def chosen_frames(scene):
    out = []
    for s in scene.shots:
        span = s.last_frame - s.first_frame
        out += [s.first_frame, s.first_frame + span // 3 + 0.5, s.last_frame]
    return out


def maya_name(name):
    return Names().clean(name)


def world(ma, node, f):
    n = ma.nodes[node]
    ra = n.get(".ra").values if n.has(".ra") else (0, 0, 0)
    return maya_matrix(
        vector_value(ma, node, "t", f),
        vector_value(ma, node, "r", f),
        vector_value(ma, node, "s", f, default=(1, 1, 1)),
        np.asarray(ra, dtype=float),
    )


@pytest.mark.slow
def test_demo_ma_passes_the_strict_reader_with_no_renames(demo):
    scene, ma, renames = demo
    assert [str(w.message) for w in renames] == []
    n_items = sum(1 + len(s.items) for s in scene.shots)
    assert len(ma.of_kind("transform")) >= n_items


@pytest.mark.slow
def test_demo_animation_equals_the_ir_at_chosen_frames(demo):
    scene, ma, _ = demo
    frames = chosen_frames(scene)
    checked = {"mesh": 0, "deforming": 0, "points": 0, "camera": 0}
    for shot in scene.shots:
        grp = maya_name(f"shot_{shot.name}")
        for f in range(scene.frame_start, scene.frame_end + 1, 7):
            inside = shot.first_frame <= f <= shot.last_frame
            assert plug_value(ma, grp, "v", f, default=1.0) == (1.0 if inside else 0.0)
        for item in (shot.camera, *shot.items):
            name = maya_name(item.name)
            for f in frames:
                ir = np.eye(4)
                tf = item.transform
                ir[:3, :3] = euler_xyz_to_matrix(tf.rotation.at(f)) @ np.diag(tf.scale.at(f))
                ir[:3, 3] = tf.location.at(f)
                m = world(ma, name, f)
                if isinstance(item, Camera | Light):
                    assert np.allclose(m[:3, :3] @ np.diag(1 / np.linalg.norm(m[:3, :3], axis=0)),
                                       R @ ir[:3, :3], atol=1e-6), (name, f)  # fmt: skip
                    checked["camera"] += isinstance(item, Camera)
                elif isinstance(item, Mesh | Label | PointSet):
                    c = np.eye(4)
                    c[:3, :3] = R
                    s = np.diag([100.0, 100, 100, 1])
                    inv_s = np.diag([0.01, 0.01, 0.01, 1])
                    assert np.allclose(m, s @ c @ ir @ c.T @ inv_s, atol=1e-6), name
            if isinstance(item, Mesh) and (item.states is None or not item.states.animated):
                shape = ma.nodes[name + "Shape"]
                verts = item.vertices if item.states is None else item.states.values[0]
                assert np.allclose(shape.array(".vt"), points_to_maya(verts), atol=1e-4)
                checked["mesh"] += 1
            elif isinstance(item, Mesh):
                base = ma.nodes[name + "ShapeOrig"].array(".vt")
                bs = ma.nodes[name + "_states"]
                targets = []
                for w in range(len(bs.array(".w"))):
                    pts = bs.get(f".it[0].itg[{w}].iti[6000].ipt").values
                    delta = np.asarray(pts[1:], dtype=float).reshape(-1, 4)[:, :3]
                    idx = []
                    for comp in bs.get(f".it[0].itg[{w}].iti[6000].ict").values[1:]:
                        a, _, b = comp.strip('"')[4:-1].partition(":")
                        idx.extend(range(int(a), int(b or a) + 1))
                    targets.append((w, idx, delta))
                for f in frames:
                    pos = base.copy()
                    for w, idx, delta in targets:
                        pos[idx] += plug_value(ma, name + "_states", f"w[{w}]", f) * delta
                    assert np.allclose(pos, points_to_maya(item.states.at(f)), atol=1e-3), (name, f)
                checked["deforming"] += 1
            elif isinstance(item, PointSet):
                width = len(str(max(item.count - 1, 1)))
                for i in range(0, item.count, max(1, item.count // 15)):
                    node = f"{name}_{i:0{width}d}"
                    for f in frames:
                        t = vector_value(ma, node, "t", f)
                        assert np.allclose(t, points_to_maya(item.positions.at(f)[i]), atol=1e-5)
                    sg = ma.destinations(f"{node}Shape.iog")[0].split(".")[0]
                    shader = ma.sources(f"{sg}.ss")[0].split(".")[0]
                    tint = ma.sources(f"{shader}.base_color")[0].split(".")[0]
                    mat = srgb_to_linear(np.asarray(scene.materials[item.material].color))[:3]
                    for f in frames:
                        want = srgb_to_linear(item.colors.at(f)[i])[:3] * mat
                        assert np.allclose(vector_value(ma, tint, "i1", f), want, atol=1e-9)
                checked["points"] += 1
    assert all(v > 0 for v in checked.values()), checked
