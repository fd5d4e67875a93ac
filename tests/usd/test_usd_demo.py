"""The real demo scene (build_scene on a sample run) as USD: validated, then imported by bpy."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from usd_check import validate

from scene_builders.ir import Mesh, PointSet, euler_xyz_to_matrix
from tests.conftest import require


@pytest.fixture(scope="module")
def demo(tmp_path_factory, sample_run):
    from scene_builders.build import build_scene
    from scene_builders.look import load_look
    from scene_builders.usd import write_usd

    scene, _ = build_scene(sample_run, load_look(None, "preview"))
    return scene, write_usd(scene, tmp_path_factory.mktemp("usd_demo") / "scene.usda")


def world(tf, f):
    m = np.eye(4)
    m[:3, :3] = euler_xyz_to_matrix(tf.rotation.at(f)) @ np.diag(tf.scale.at(f))
    m[:3, 3] = tf.location.at(f)
    return m


@pytest.mark.slow
def test_demo_usda_validates(demo):
    _, path = demo
    assert validate(path) == []


@pytest.mark.slow
@pytest.mark.blender
def test_blender_evaluates_demo_spheres_and_surfaces_like_the_ir(demo):
    require(importlib.util.find_spec("bpy") is not None, "bpy (Blender as a Python module)")
    scene, path = demo
    meshes = [
        i for s in scene.shots for i in s.items if isinstance(i, Mesh) and i.states is not None
    ][:2]
    points = [i for s in scene.shots for i in s.items if isinstance(i, PointSet)]
    spheres = next(p for p in points if p.positions.animated and p.count > 50)
    frames = []
    for item in (*meshes, spheres):
        f = item.states.frames if isinstance(item, Mesh) else item.positions.frames
        frames += [int(f[0]), int((f[0] + f[-1]) / 2), int(f[-1])]
    request = {
        "frames": sorted(set(frames)),
        "meshes": [m.name for m in meshes],
        "objects": [],
        "instancers": [spheres.name],
    }
    proc = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).with_name("bpy_probe.py")),
            str(path),
            json.dumps(request),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    line = next((x for x in proc.stdout.splitlines() if x.startswith("PROBE")), None)
    assert line, proc.stdout[-2000:] + proc.stderr[-2000:]
    got = json.loads(line[5:])
    assert (got["frame_start"], got["frame_end"]) == (scene.frame_start, scene.frame_end)
    for f in request["frames"]:
        g = got["frames"][str(f)]
        for m in meshes:
            w = world(m.transform, f)
            want = m.states.at(f) @ w[:3, :3].T + w[:3, 3]
            assert np.allclose(np.asarray(g["meshes"][m.name]), want, atol=1e-4), (m.name, f)
        inst = sorted(g["instancers"][spheres.name])
        assert [i[0] for i in inst] == list(range(spheres.count))
        w = world(spheres.transform, f)
        want = spheres.positions.at(f) @ w[:3, :3].T + w[:3, 3]
        assert np.allclose(np.asarray([i[2:] for i in inst]), want, atol=1e-4), f
