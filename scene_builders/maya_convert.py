"""From the Z-up metre IR to Maya's Y-up centimetres, and the other small Maya conventions.

Shared by the ``.ma`` writer and the JSON/NPZ export that ``maya_scripts/import_scene.py``
reads, so both routes put every vertex and key in the same place.

Axis change: Maya = 100 * Rx(-90 deg) * IR, i.e. (x, y, z) -> (100 x, 100 z, -100 y). A
rotation is conjugated by that change: IR Euler XYZ (a, b, c) becomes Maya channels
(a, c, -b) with rotate order ``xzy``; each Maya channel is one IR channel (or its negation), so
keyed rotations interpolate exactly as in the IR instead of drifting as they would after a
per-key matrix decomposition. Scale (sx, sy, sz) becomes (sx, sz, sy). Cameras and lights look
down their local -Z in both worlds, so they also get ``rotateAxis`` (-90, 0, 0): Maya builds
``T * R * Ra``, giving the IR's world orientation with Maya's camera axes.
"""

from __future__ import annotations

import re
import warnings

import numpy as np

from .ir import SceneError

CM_PER_M = 100.0
ROTATE_ORDER_XZY = 3  # Maya's rotateOrder enum: xyz=0 yzx=1 zxy=2 xzy=3 yxz=4 zyx=5
CAMERA_ROTATE_AXIS = (-90.0, 0.0, 0.0)  # degrees, for cameras and directional/area lights

# animCurve tangent types (.kit/.kot): linear 2, flat 3, step 5. The IR's "bezier" is flat
# tangents at every key, which Maya evaluates (non-weighted Hermite, zero slopes) as the same
# smoothstep that Keys.at computes.
TANGENTS = {"linear": (2, 2), "bezier": (3, 3), "constant": (2, 5)}

# Maya's named time units; any other rate Maya 2024 knows is written "<n>fps".
TIME_UNITS = {15: "game", 24: "film", 25: "pal", 30: "ntsc", 48: "show", 50: "palf", 60: "ntscf"}
OTHER_FPS = (2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 40, 75, 80, 100, 120, 125, 150, 200, 240, 250)

_NAME_OK = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class MayaNameWarning(UserWarning):
    """IR names Maya (or USD) would reject were renamed; the message lists old and new names."""


def time_unit(fps: int) -> str:
    """The ``currentUnit -t`` value for ``fps``; SceneError for a rate Maya cannot store."""
    if fps in TIME_UNITS:
        return TIME_UNITS[fps]
    if fps in OTHER_FPS:
        return f"{fps}fps"
    raise SceneError(f"Maya has no time unit for {fps} fps; use one of {sorted(TIME_UNITS)}")


def points_to_maya(p) -> np.ndarray:
    """IR points (..., 3) in metres, Z up -> Maya centimetres, Y up."""
    p = np.asarray(p, dtype=np.float64)
    return np.stack([p[..., 0], p[..., 2], -p[..., 1]], axis=-1) * CM_PER_M


def rotation_to_maya(e) -> np.ndarray:
    """IR Euler XYZ radians (..., 3) -> Maya rotate channels in degrees for order ``xzy``."""
    e = np.degrees(np.asarray(e, dtype=np.float64))
    return np.stack([e[..., 0], e[..., 2], -e[..., 1]], axis=-1)


def scale_to_maya(s) -> np.ndarray:
    s = np.asarray(s, dtype=np.float64)
    return np.stack([s[..., 0], s[..., 2], s[..., 1]], axis=-1)


def maya_matrix(translate, rotate_deg, scale=(1.0, 1.0, 1.0), rotate_axis=(0.0, 0.0, 0.0)):
    """The 4x4 (column-vector) matrix Maya builds from these channels (rotate order xzy).

    Used by the tests and the export to check a conversion against the IR; it is Maya's
    documented ``S * Ra * R * T`` (row vectors) without pivots or shear.
    """

    def rx(a):
        c, s = np.cos(a), np.sin(a)
        return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])

    def ry(a):
        c, s = np.cos(a), np.sin(a)
        return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])

    def rz(a):
        c, s = np.cos(a), np.sin(a)
        return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])

    a, b, c = np.radians(rotate_deg)
    r = ry(b) @ rz(c) @ rx(a)  # xzy: X first, then Z, then Y
    ra_x, ra_y, ra_z = np.radians(rotate_axis)
    ra = rz(ra_z) @ ry(ra_y) @ rx(ra_x)
    m = np.eye(4)
    m[:3, :3] = r @ ra @ np.diag(np.asarray(scale, dtype=np.float64))
    m[:3, 3] = translate
    return m


class Names:
    """Host-safe, unique node names; renames are reported together by :meth:`report`.

    Maya node names and USD prim names share one rule: letters, digits and ``_``, not starting
    with a digit. The IR names items ``shot.item``, so dots become underscores.
    """

    def __init__(self, reserved=(), host: str = "Maya"):
        self.used: set[str] = set(reserved)
        self.renamed: dict[str, str] = {}
        self.host = host

    def clean(self, name: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_]", "_", name) or "node"
        if not re.match(r"[A-Za-z_]", base):
            base = "_" + base
        if base != name:
            self.renamed.setdefault(name, base)
        return base

    def unique(self, name: str) -> str:
        """``name`` made unique among the names handed out so far (suffix 1, 2, ...)."""
        out, i = name, 0
        while out in self.used:
            i += 1
            out = f"{name}{i}"
        self.used.add(out)
        return out

    def take(self, name: str) -> str:
        """Clean then make unique: the node name to write for an IR name."""
        return self.unique(self.clean(name))

    def report(self, where: str) -> None:
        """One MayaNameWarning naming every rename (the first 8 spelled out)."""
        if not self.renamed:
            return
        pairs = [f"{old!r} renamed to {new!r}" for old, new in self.renamed.items()]
        more = f"; and {len(pairs) - 8} more" if len(pairs) > 8 else ""
        warnings.warn(
            f"{where}: {len(pairs)} name(s) {self.host} would reject were renamed "
            f"(letters, digits and _ only, no leading digit): {'; '.join(pairs[:8])}{more}",
            MayaNameWarning,
            stacklevel=3,
        )


def is_valid_name(name: str) -> bool:
    return bool(_NAME_OK.match(name))


def uv_sphere(segments: int = 12, rings: int = 8):
    """A unit UV sphere: (V, 3) Z-up vertices, (V, 2) UVs and quad/triangle faces as lists.

    A seam column of duplicated vertices keeps UVs per-vertex (the IR's convention), so the
    atlas tile wraps once around each sphere.
    """
    verts, uvs = [], []
    for j in range(rings + 1):
        theta = np.pi * j / rings  # 0 at the north pole (+Z)
        for i in range(segments + 1):
            phi = 2 * np.pi * i / segments
            verts.append((np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)))
            uvs.append((i / segments, 1.0 - j / rings))
    faces = []
    w = segments + 1
    for j in range(rings):
        for i in range(segments):
            a, b = j * w + i, j * w + i + 1
            c, d = (j + 1) * w + i + 1, (j + 1) * w + i
            faces.append((a, d, c, b))  # counter-clockwise seen from outside
    return np.asarray(verts), np.asarray(uvs), np.asarray(faces, dtype=np.int64)


def unit_square():
    """The IR's point "square": side 2 in the XZ plane, normal -Y, texture upright along +Z."""
    verts = np.array([[-1, 0, -1], [1, 0, -1], [1, 0, 1], [-1, 0, 1]], dtype=np.float64)
    uvs = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=np.float64)
    faces = np.array([[0, 1, 2, 3]], dtype=np.int64)  # CCW seen from -Y
    return verts, uvs, faces
