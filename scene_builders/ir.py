"""The Scene IR: one description of the film that every writer (Blender, Maya, USD, VTK) translates.

Shots build these plain, frozen dataclasses with numpy; writers convert units, axes and
interpolation at their edge and decide nothing about the film.

Conventions (the writers rely on them):

* Space is Z-up, right-handed, metres (Blender's). Rotations are Euler XYZ in radians with
  Blender's meaning; a camera with rotation (0, 0, 0) looks down -Z with +Y up.
* Frames start at 1. ``Keys.frames`` are frame numbers (floats allowed, strictly increasing).
* Colours are sRGB in [0, 1], 4 components (alpha last). Writers convert to linear where their
  host expects it (:func:`srgb_to_linear`).
* Interpolation: ``"linear"``; ``"constant"`` (hold until the next key); ``"bezier"``, which
  means *flat tangents at every key* (ease in and out: a Bezier with handles at one third of the
  segment and the key's own value). That choice is exact in Blender (handle positions), in Maya
  (``flat`` tangents) and bakeable for USD, whose time samples interpolate linearly only, so all
  writers agree with :meth:`Keys.at` to float precision.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

INTERPOLATIONS = ("linear", "constant", "bezier")


class SceneError(Exception):
    """A scene cannot be built or written; the message names the item and the problem."""

    user_facing = True


@dataclass(frozen=True)
class Keys:
    """One animated channel: ``values[i]`` holds at ``frames[i]``."""

    frames: np.ndarray  # (K,) float, strictly increasing
    values: np.ndarray  # (K, ...) value at each key
    interpolation: str = "linear"

    def __post_init__(self):
        frames = np.asarray(self.frames, dtype=np.float64)
        values = np.asarray(self.values)
        object.__setattr__(self, "frames", frames)
        object.__setattr__(self, "values", values)
        if frames.ndim != 1 or frames.shape[0] < 1:
            raise SceneError(f"keys need a 1-D, non-empty frame list, got shape {frames.shape}")
        if values.shape[:1] != frames.shape:
            raise SceneError(f"keys have {frames.shape[0]} frames but {values.shape[0]} values")
        if np.any(np.diff(frames) <= 0):
            raise SceneError("key frames must be strictly increasing")
        if self.interpolation not in INTERPOLATIONS:
            raise SceneError(
                f"unknown interpolation {self.interpolation!r}; use one of {INTERPOLATIONS}"
            )
        if values.dtype.kind == "f" and not np.isfinite(values).all():
            raise SceneError("keys hold non-finite values")

    @classmethod
    def static(cls, value) -> Keys:
        """A channel that never changes (one key at frame 1)."""
        return cls(np.array([1.0]), np.asarray(value, dtype=np.float64)[None], "constant")

    @property
    def animated(self) -> bool:
        return self.frames.shape[0] > 1

    def at(self, frame: float) -> np.ndarray:
        """The channel's value at ``frame`` (held constant before the first and after the last key)."""
        f, v = self.frames, self.values
        if frame <= f[0] or f.shape[0] == 1:
            return v[0].astype(np.float64)
        if frame >= f[-1]:
            return v[-1].astype(np.float64)
        i = int(np.searchsorted(f, frame, side="right")) - 1
        t = (frame - f[i]) / (f[i + 1] - f[i])
        if self.interpolation == "constant":
            w = 0.0
        elif self.interpolation == "bezier":
            w = t * t * (3.0 - 2.0 * t)
        else:
            w = t
        a = v[i].astype(np.float64)
        return a + (v[i + 1].astype(np.float64) - a) * w


@dataclass(frozen=True)
class Image:
    """A texture (the catalog atlas): RGBA uint8 pixels, row 0 at the *top*, sRGB."""

    name: str
    pixels: np.ndarray  # (H, W, 4) uint8
    tile_size: int = 0  # >0 for an atlas of square tiles
    columns: int = 0

    def tile_uv(self, tiles: np.ndarray) -> np.ndarray:
        """(N, 4) UV rectangles (u0, v0, u1, v1) of atlas tiles, V up (OpenGL/Blender/Maya/USD)."""
        tiles = np.asarray(tiles, dtype=np.int64)
        h, w = self.pixels.shape[:2]
        col = tiles % self.columns
        row = tiles // self.columns
        u0 = col * self.tile_size / w
        u1 = (col + 1) * self.tile_size / w
        v1 = 1.0 - row * self.tile_size / h
        v0 = 1.0 - (row + 1) * self.tile_size / h
        return np.stack([u0, v0, u1, v1], axis=1)


@dataclass(frozen=True)
class Material:
    """A principled surface. ``texture`` multiplies ``color`` (per-point colour for point sets)."""

    name: str
    color: tuple[float, float, float, float] = (0.8, 0.8, 0.8, 1.0)
    roughness: float = 0.5
    metallic: float = 0.0
    emission: float = 0.0  # emission strength of ``color`` (self-lit text, outlines)
    texture: str | None = None  # an Image name
    use_vertex_color: bool = False  # colour from the mesh's per-vertex ``colors``


@dataclass(frozen=True)
class Transform:
    location: Keys = field(default_factory=lambda: Keys.static([0.0, 0.0, 0.0]))
    rotation: Keys = field(default_factory=lambda: Keys.static([0.0, 0.0, 0.0]))
    scale: Keys = field(default_factory=lambda: Keys.static([1.0, 1.0, 1.0]))


@dataclass(frozen=True)
class Mesh:
    """A response surface, a profile, a card. Deforming meshes carry keyed vertex states."""

    name: str
    vertices: np.ndarray  # (V, 3) rest positions
    faces: np.ndarray  # (F, n) vertex indices, n = 3 or 4, counter-clockwise seen from outside
    material: str
    states: Keys | None = None  # values (S, V, 3): the vertex positions at each key
    colors: np.ndarray | None = None  # (V, 4) sRGB per-vertex colour
    uvs: np.ndarray | None = None  # (V, 2)
    transform: Transform = field(default_factory=Transform)
    smooth: bool = False


@dataclass(frozen=True)
class PointSet:
    """Many small identical shapes: the t-SNE spheres, the catalog tiles.

    ``colors`` multiplies the material colour and, with an atlas, the point's tile texture.
    ``shape`` is ``"sphere"`` (radius ``radius``) or ``"square"`` (side ``2 * radius`` in the XZ
    plane, normal -Y, so it faces a camera placed on the -Y side; texture upright along +Z).
    """

    name: str
    positions: Keys  # values (K, N, 3)
    colors: Keys  # values (K, N, 4), usually "constant" interpolation
    material: str
    radius: float
    shape: str = "sphere"
    tiles: np.ndarray | None = None  # (N,) atlas tile per point
    atlas: str | None = None  # Image name
    transform: Transform = field(default_factory=Transform)

    @property
    def count(self) -> int:
        return int(self.positions.values.shape[1])


@dataclass(frozen=True)
class Label:
    """Text in the scene (axis titles, stage markers). Faces -Y by default (towards the camera)."""

    name: str
    text: str
    size: float  # letter height, metres
    material: str
    transform: Transform = field(default_factory=Transform)
    align: str = "center"  # left | center | right


@dataclass(frozen=True)
class Light:
    name: str
    kind: str  # sun | area | point
    color: tuple[float, float, float] = (1.0, 1.0, 1.0)
    energy: float = 3.0  # W for point/area, W/m^2 (strength) for sun
    size: float = 1.0  # area side, metres; sun angular diameter (radians)
    transform: Transform = field(default_factory=Transform)


@dataclass(frozen=True)
class Camera:
    name: str
    transform: Transform
    focal_length: Keys = field(default_factory=lambda: Keys.static(50.0))  # mm
    sensor_width: float = 36.0  # mm
    clip_start: float = 0.05
    clip_end: float = 200.0


@dataclass(frozen=True)
class Shot:
    """A stretch of the film. Its items are visible only from ``first_frame`` to ``last_frame``."""

    name: str
    title: str
    first_frame: int
    last_frame: int
    camera: Camera
    items: tuple = ()  # Mesh | PointSet | Label | Light
    # (frame, text) moments inside the shot that compositing may annotate (a checkpoint
    # reached, a stage unfrozen); absolute frames, in order.
    markers: tuple = ()

    @property
    def frames(self) -> int:
        return self.last_frame - self.first_frame + 1


@dataclass(frozen=True)
class Scene:
    shots: tuple[Shot, ...]
    materials: dict  # name -> Material
    images: dict = field(default_factory=dict)  # name -> Image
    lights: tuple[Light, ...] = ()  # scene-wide lights, always on
    fps: int = 24
    resolution: tuple[int, int] = (1280, 720)
    background: tuple[float, float, float, float] = (0.01, 0.012, 0.02, 1.0)  # sRGB
    quality: str = "preview"
    samples: int = 16

    @property
    def frame_start(self) -> int:
        return min(s.first_frame for s in self.shots)

    @property
    def frame_end(self) -> int:
        return max(s.last_frame for s in self.shots)

    def shot_at(self, frame: int) -> Shot:
        for s in self.shots:
            if s.first_frame <= frame <= s.last_frame:
                return s
        raise SceneError(f"frame {frame} belongs to no shot")

    def timeline(self) -> dict:
        """The shot timeline JSON that compositing and the farm read (``timeline.json``)."""
        return {
            "fps": self.fps,
            "frame_start": self.frame_start,
            "frame_end": self.frame_end,
            "resolution": list(self.resolution),
            "shots": [
                {
                    "name": s.name,
                    "title": s.title,
                    "first_frame": s.first_frame,
                    "last_frame": s.last_frame,
                    "markers": [{"frame": int(f), "text": str(t)} for f, t in s.markers],
                }
                for s in self.shots
            ],
        }


def srgb_to_linear(c) -> np.ndarray:
    """sRGB -> linear for the colour channels; alpha (4th component) passes through."""
    c = np.asarray(c, dtype=np.float64)
    rgb = c[..., :3]
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return np.concatenate([lin, c[..., 3:]], axis=-1)


def look_at_euler(eye, target) -> np.ndarray:
    """Blender Euler XYZ that points a camera (looking down -Z, +Y up) from ``eye`` to ``target``."""
    d = np.asarray(target, float) - np.asarray(eye, float)
    d /= np.linalg.norm(d)
    # Camera -Z = d, camera +X horizontal (world Z up).
    z = -d
    x = np.cross([0.0, 0.0, 1.0], z)
    if np.linalg.norm(x) < 1e-9:
        x = np.array([1.0, 0.0, 0.0])
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    r = np.stack([x, y, z], axis=1)  # columns: camera axes in world
    return matrix_to_euler_xyz(r)


def matrix_to_euler_xyz(r: np.ndarray) -> np.ndarray:
    """Euler XYZ (R = Rz @ Ry @ Rx, Blender's 'XYZ') from a rotation matrix."""
    sy = -r[2, 0]
    sy = np.clip(sy, -1.0, 1.0)
    ry = np.arcsin(sy)
    if abs(sy) < 1 - 1e-9:
        rx = np.arctan2(r[2, 1], r[2, 2])
        rz = np.arctan2(r[1, 0], r[0, 0])
    else:
        rx = np.arctan2(-r[1, 2], r[1, 1])
        rz = 0.0
    return np.array([rx, ry, rz])


def euler_xyz_to_matrix(e) -> np.ndarray:
    rx, ry, rz = e
    cx, sx, cy, sy, cz, sz = np.cos(rx), np.sin(rx), np.cos(ry), np.sin(ry), np.cos(rz), np.sin(rz)
    mx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    my = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    mz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return mz @ my @ mx


def visit(item, handlers: dict, *args):
    """Call ``handlers[type(item)](item, *args)``: how writers walk a shot's items.

    An item type a writer has no handler for is a :class:`SceneError` naming it, so adding an
    IR type can never be silently dropped by one writer.
    """
    handler = handlers.get(type(item))
    if handler is None:
        raise SceneError(f"cannot write {type(item).__name__} {getattr(item, 'name', '?')!r}")
    return handler(item, *args)


def check_scene(scene: Scene) -> None:
    """Cross-checks every writer relies on: names, shapes, materials, frame ranges."""
    names: set[str] = set()
    prev_end = None
    for shot in sorted(scene.shots, key=lambda s: s.first_frame):
        if shot.last_frame < shot.first_frame:
            raise SceneError(
                f"shot {shot.name!r}: last frame {shot.last_frame} before first {shot.first_frame}"
            )
        if prev_end is not None and shot.first_frame <= prev_end:
            raise SceneError(f"shot {shot.name!r} overlaps the previous shot")
        prev_end = shot.last_frame
        for item in (shot.camera, *shot.items):
            if item.name in names:
                raise SceneError(f"two scene items are named {item.name!r}")
            names.add(item.name)
            mat = getattr(item, "material", None)
            if mat is not None and mat not in scene.materials:
                raise SceneError(f"{item.name!r} uses unknown material {mat!r}")
            if isinstance(item, Mesh):
                v = item.vertices.shape[0]
                if item.vertices.ndim != 2 or item.vertices.shape[1] != 3:
                    raise SceneError(f"mesh {item.name!r}: vertices shape {item.vertices.shape}")
                if item.faces.size and (item.faces.min() < 0 or item.faces.max() >= v):
                    raise SceneError(f"mesh {item.name!r}: face index out of range")
                if item.states is not None and item.states.values.shape[1:] != (v, 3):
                    raise SceneError(
                        f"mesh {item.name!r}: states shape "
                        f"{item.states.values.shape[1:]}, expected ({v}, 3)"
                    )
                for arr, width, what in ((item.colors, 4, "colors"), (item.uvs, 2, "uvs")):
                    if arr is not None and arr.shape != (v, width):
                        raise SceneError(
                            f"mesh {item.name!r}: {what} shape {arr.shape}, expected ({v}, {width})"
                        )
            if isinstance(item, PointSet):
                n = item.count
                if item.colors.values.shape[1:] != (n, 4):
                    raise SceneError(
                        f"points {item.name!r}: colors shape "
                        f"{item.colors.values.shape[1:]}, expected ({n}, 4)"
                    )
                if item.tiles is not None and item.tiles.shape != (n,):
                    raise SceneError(f"points {item.name!r}: tiles shape {item.tiles.shape}")
                if item.atlas is not None and item.atlas not in scene.images:
                    raise SceneError(f"points {item.name!r} uses unknown image {item.atlas!r}")
    for mat in scene.materials.values():
        if mat.texture is not None and mat.texture not in scene.images:
            raise SceneError(f"material {mat.name!r} uses unknown image {mat.texture!r}")
