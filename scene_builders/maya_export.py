"""Export a Scene for ``maya_scripts/import_scene.py``: ``scene.json`` + ``scene.npz`` + PNGs.

The .ma file is the no-Maya route; this export is for artists who want Maya to build live,
editable objects itself (MFnMesh, setKeyframe, blendShape) from the same data. Everything is
already in Maya's space (centimetres, Y up, degrees, rotate order xzy, linear colours), so
the in-Maya script converts nothing and stays small. The NPZ holds plain numeric arrays only
(``np.savez``, no pickles) so a stdlib reader inside Maya can load it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from .ir import (
    Camera,
    Keys,
    Label,
    Light,
    Mesh,
    PointSet,
    Scene,
    SceneError,
    check_scene,
    srgb_to_linear,
)
from .maya_convert import (
    CAMERA_ROTATE_AXIS,
    CM_PER_M,
    ROTATE_ORDER_XZY,
    Names,
    points_to_maya,
    rotation_to_maya,
    scale_to_maya,
    time_unit,
    unit_square,
    uv_sphere,
)
from .textures import write_images

FORMAT = "galaxyreel-maya-export"
VERSION = 1
TANGENT_NAMES = {
    "linear": ("linear", "linear"),
    "bezier": ("flat", "flat"),
    "constant": ("linear", "step"),
}


def _channel(keys: Keys, values: np.ndarray) -> dict:
    """One keyed vector channel, inline (small): frames, per-key values, Maya tangents."""
    itt, ott = TANGENT_NAMES[keys.interpolation]
    return {
        "frames": [float(f) for f in keys.frames],
        "values": np.asarray(values, dtype=np.float64).tolist(),
        "in_tangent": itt,
        "out_tangent": ott,
    }


def _transform(tf, aim: bool = False) -> dict:
    out = {
        "rotate_order": ROTATE_ORDER_XZY,
        "translate": _channel(tf.location, points_to_maya(tf.location.values.reshape(-1, 3))),
        "rotate": _channel(tf.rotation, rotation_to_maya(tf.rotation.values.reshape(-1, 3))),
        "scale": _channel(tf.scale, scale_to_maya(tf.scale.values.reshape(-1, 3))),
    }
    if aim:
        out["rotate_axis"] = list(CAMERA_ROTATE_AXIS)
        del out["scale"]
    return out


class _Export:
    def __init__(self, scene: Scene, image_files: dict):
        self.scene = scene
        self.image_files = image_files
        self.names = Names(host="Maya")
        self.arrays: dict[str, np.ndarray] = {}

    def array(self, key: str, value) -> str:
        self.arrays[key] = np.ascontiguousarray(value)
        return key

    def mesh(self, item: Mesh) -> dict:
        name = self.names.take(item.name)
        states = item.states
        rest = item.vertices if states is None else states.values[0]
        out = {
            "type": "mesh",
            "name": name,
            "material": item.material,
            "transform": _transform(item.transform),
            "vertices": self.array(f"{name}.vertices", points_to_maya(rest)),
            "faces": self.array(f"{name}.faces", np.asarray(item.faces, dtype=np.int32)),
            "uvs": None if item.uvs is None else self.array(f"{name}.uvs", item.uvs),
            "colors": None
            if item.colors is None
            else self.array(f"{name}.colors", srgb_to_linear(item.colors)),
            "smooth": bool(item.smooth),
            "states": None,
        }
        if states is not None and states.animated:
            itt, ott = TANGENT_NAMES[states.interpolation]
            out["states"] = {
                "frames": [float(f) for f in states.frames],
                "values": self.array(f"{name}.states", points_to_maya(states.values)),
                "in_tangent": itt,
                "out_tangent": ott,
            }
        return out

    def points(self, item: PointSet) -> dict:
        name = self.names.take(item.name)
        base_v, base_uv, faces = unit_square() if item.shape == "square" else uv_sphere()
        mat = self.scene.materials[item.material]
        tint = srgb_to_linear(np.asarray(mat.color, dtype=np.float64))[:3]
        pos_keys, col_keys = item.positions, item.colors
        rects = None
        if item.atlas is not None and item.tiles is not None:
            rects = self.scene.images[item.atlas].tile_uv(item.tiles)
        return {
            "type": "points",
            "name": name,
            "material": item.material,
            "image": item.atlas or mat.texture,
            "transform": _transform(item.transform),
            "count": item.count,
            "shape_vertices": self.array(
                f"{name}.shape_vertices", points_to_maya(base_v * item.radius)
            ),
            "shape_faces": self.array(f"{name}.shape_faces", faces.astype(np.int32)),
            "shape_uvs": self.array(f"{name}.shape_uvs", base_uv),
            "tile_rects": None if rects is None else self.array(f"{name}.tile_rects", rects),
            "positions": {
                **_channel(pos_keys, np.zeros((pos_keys.frames.size, 0))),
                "values": self.array(f"{name}.positions", points_to_maya(pos_keys.values)),
            },
            "colors": {
                **_channel(col_keys, np.zeros((col_keys.frames.size, 0))),
                "values": self.array(
                    f"{name}.colors", srgb_to_linear(col_keys.values)[..., :3] * tint
                ),
            },
        }

    def label(self, item: Label) -> dict:
        return {
            "type": "label",
            "name": self.names.take(item.name),
            "text": item.text,
            "size": item.size * CM_PER_M,
            "align": item.align,
            "material": item.material,
            "transform": _transform(item.transform),
        }

    def light(self, item: Light) -> dict:
        return {
            "type": "light",
            "name": self.names.take(item.name),
            "kind": item.kind,
            "color": srgb_to_linear(np.asarray(item.color, float)).tolist(),
            "energy": float(item.energy),
            "size": float(item.size * CM_PER_M),
            "transform": _transform(item.transform, aim=True),
        }

    def camera(self, cam: Camera) -> dict:
        w, h = self.scene.resolution
        fl = cam.focal_length
        return {
            "type": "camera",
            "name": self.names.take(cam.name),
            "transform": _transform(cam.transform, aim=True),
            "focal_length": _channel(fl, fl.values.reshape(-1, 1)),
            "aperture_inches": [cam.sensor_width / 25.4, cam.sensor_width / 25.4 * h / w],
            "clip": [cam.clip_start * CM_PER_M, cam.clip_end * CM_PER_M],
        }

    def build(self) -> dict:
        scene = self.scene
        kinds = {Mesh: self.mesh, PointSet: self.points, Label: self.label, Light: self.light}
        shots = []
        for shot in sorted(scene.shots, key=lambda s: s.first_frame):
            items = []
            for item in shot.items:
                fn = kinds.get(type(item))
                if fn is None:
                    raise SceneError(f"shot {shot.name!r}: cannot export {type(item).__name__}")
                items.append(fn(item))
            shots.append(
                {
                    "name": shot.name,
                    "group": self.names.take(f"shot_{shot.name}"),
                    "title": shot.title,
                    "first_frame": shot.first_frame,
                    "last_frame": shot.last_frame,
                    "camera": self.camera(shot.camera),
                    "items": items,
                }
            )
        mats = {
            name: {
                "color": srgb_to_linear(np.asarray(m.color, float)).tolist(),
                "roughness": m.roughness,
                "metallic": m.metallic,
                "emission": m.emission,
                "texture": m.texture,
                "use_vertex_color": m.use_vertex_color,
            }
            for name, m in scene.materials.items()
        }
        return {
            "format": FORMAT,
            "version": VERSION,
            "fps": scene.fps,
            "time_unit": time_unit(scene.fps),
            "frame_start": scene.frame_start,
            "frame_end": scene.frame_end,
            "resolution": list(scene.resolution),
            "background": srgb_to_linear(np.asarray(scene.background, float)).tolist(),
            "samples": scene.samples,
            "quality": scene.quality,
            "arrays": "scene.npz",
            "images": self.image_files,
            "materials": mats,
            "lights": [self.light(li) for li in scene.lights],
            "shots": shots,
        }


def export_for_maya(scene: Scene, folder: Path) -> Path:
    """Write ``scene.json``, ``scene.npz`` and the textures into ``folder``; returns the JSON.

    Both files are written to temp names and renamed, NPZ first, so a reader never sees a
    JSON whose arrays are missing.
    """
    check_scene(scene)
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SceneError(f"cannot create {folder}: {exc.strerror or exc}") from exc
    image_files = {name: f"{img.name}.png" for name, img in scene.images.items()}
    export = _Export(scene, image_files)
    doc = export.build()
    export.names.report(str(folder / "scene.json"))
    write_images(scene.images, folder)
    npz, js = folder / "scene.npz", folder / "scene.json"
    tmp_npz = folder / f".scene.{os.getpid()}.tmp.npz"
    tmp_js = folder / f".scene.{os.getpid()}.tmp.json"
    try:
        np.savez(tmp_npz, **export.arrays)
        tmp_js.write_text(json.dumps(doc, indent=1), encoding="utf-8")
        os.replace(tmp_npz, npz)
        os.replace(tmp_js, js)
    except OSError as exc:
        raise SceneError(f"cannot write {js}: {exc.strerror or exc}") from exc
    finally:
        tmp_npz.unlink(missing_ok=True)
        tmp_js.unlink(missing_ok=True)
    return js
