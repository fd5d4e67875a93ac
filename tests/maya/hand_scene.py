"""A small IR scene built by hand that exercises every writer feature (shared with tests/usd)."""

from __future__ import annotations

import numpy as np

from scene_builders.ir import (
    Camera,
    Image,
    Keys,
    Label,
    Light,
    Material,
    Mesh,
    PointSet,
    Scene,
    Shot,
    Transform,
    look_at_euler,
)


def grid_mesh(rows: int, cols: int):
    """A rows x cols vertex grid in the XY plane and its CCW quads (seen from +Z)."""
    y, x = np.mgrid[0:rows, 0:cols].astype(float)
    verts = np.stack([x.ravel() * 0.2, y.ravel() * 0.3, np.zeros(rows * cols)], axis=1)
    faces = []
    for r in range(rows - 1):
        for c in range(cols - 1):
            a = r * cols + c
            faces.append((a, a + 1, a + cols + 1, a + cols))
    return verts, np.asarray(faces, dtype=np.int64)


def atlas(tile: int = 8, columns: int = 4, count: int = 16) -> Image:
    rng = np.random.default_rng(3)
    rows = -(-count // columns)
    px = rng.integers(0, 256, (rows * tile, columns * tile, 4), dtype=np.uint8)
    px[..., 3] = 255
    return Image("atlas", px, tile_size=tile, columns=columns)


def hand_scene(fps: int = 24) -> Scene:
    rows, cols = 4, 5
    verts, faces = grid_mesh(rows, cols)
    # The surface grows row by row: state k has rows > k flattened onto row k.
    states = []
    for k in range(rows):
        s = verts.copy()
        s[:, 2] = np.sin(s[:, 0] * 3) * 0.2 * (s[:, 1] <= k * 0.3 + 1e-9)
        s[:, 1] = np.minimum(s[:, 1], k * 0.3)
        states.append(s)
    surface = Mesh(
        "surface",
        verts,
        faces,
        "surf_blue",
        states=Keys(np.array([1.0, 6.0, 12.0, 20.0]), np.asarray(states), "bezier"),
        transform=Transform(
            location=Keys(np.array([1.0, 24.0]), np.array([[0.0, 0.0, 0.0], [0.5, -0.25, 1.0]])),
            rotation=Keys(
                np.array([1.0, 10.0, 24.0]),
                np.array([[0.0, 0.0, 0.0], [0.3, -0.2, 0.9], [0.1, 0.4, -0.6]]),
                "bezier",
            ),
            scale=Keys.static([1.0, 2.0, 0.5]),
        ),
        smooth=True,
    )
    card_v = np.array([[-1, 0, -1], [1, 0, -1], [1, 0, 1], [-1, 0, 1]], dtype=float) * 0.5
    card = Mesh(
        "card",
        card_v,
        np.array([[0, 1, 2, 3]]),
        "vertex_col",
        colors=np.array([[1, 0, 0, 1], [0, 1, 0, 1], [0, 0, 1, 1], [1, 1, 1, 1]], dtype=float),
        uvs=np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float),
        transform=Transform(location=Keys.static([0.0, -1.0, 0.5])),
    )
    eye = np.array([0.0, -6.0, 2.0])
    cam_a = Camera(
        "cam_a",
        Transform(
            location=Keys(np.array([1.0, 24.0]), np.array([eye, eye + [1.0, 1.0, 0.5]])),
            rotation=Keys(
                np.array([1.0, 24.0]),
                np.array(
                    [look_at_euler(eye, [0, 0, 0]), look_at_euler(eye + [1, 1, 0.5], [0, 0, 0])]
                ),
                "bezier",
            ),
        ),
        focal_length=Keys(np.array([1.0, 24.0]), np.array([35.0, 50.0])),
    )
    title = Label(
        "title",
        'Spiral "response"',
        0.2,
        "text_white",
        transform=Transform(location=Keys.static([0.0, 0.0, 1.5])),
    )
    area = Light(
        "key_area",
        "area",
        energy=200.0,
        size=2.0,
        transform=Transform(
            location=Keys.static([2.0, -2.0, 3.0]),
            rotation=Keys.static(look_at_euler([2, -2, 3], [0, 0, 0])),
        ),
    )
    shot_a = Shot("surface", "The response grows", 1, 24, cam_a, (surface, card, title, area))

    n = 6
    rng = np.random.default_rng(7)
    pos = rng.uniform(-1, 1, (3, n, 3))
    cols_ = np.zeros((3, n, 4))
    cols_[..., 3] = 1
    cols_[:, :3, 2] = 1.0  # three blue
    cols_[:, 3:, 0] = 1.0  # three ...
    cols_[:2, 3:, 1] = 0.8  # yellow until the last key, then red
    galaxies = PointSet(
        "galaxies",
        positions=Keys(np.array([25.0, 40.0, 60.0]), pos, "bezier"),
        colors=Keys(np.array([25.0, 40.0, 60.0]), cols_, "constant"),
        material="galaxy_mat",
        radius=0.05,
        tiles=np.arange(n),
        atlas="atlas",
    )
    grid_pos = np.stack([np.arange(4) * 0.3, np.zeros(4), np.zeros(4) + 1.0], axis=1)[None]
    tiles = PointSet(
        "catalog",
        positions=Keys.static(grid_pos[0]),
        colors=Keys.static(np.ones((4, 4))),
        material="galaxy_mat",
        radius=0.1,
        shape="square",
        tiles=np.arange(4) + 6,
        atlas="atlas",
        transform=Transform(location=Keys.static([0.0, 0.5, 0.0])),
    )
    bulb = Light("bulb", "point", color=(1.0, 0.9, 0.8), energy=50.0,
                 transform=Transform(location=Keys.static([0.0, -1.0, 2.0])))  # fmt: skip
    cam_b = Camera(
        "cam_b",
        Transform(
            location=Keys.static([0.0, -4.0, 0.0]),
            rotation=Keys.static(look_at_euler([0, -4, 0], [0, 0, 0])),
        ),
        sensor_width=24.0,
    )
    shot_b = Shot("tsne", "Clusters form", 25, 60, cam_b, (galaxies, tiles, bulb))
    sun = Light(
        "sun", "sun", energy=2.0, size=0.01,
        transform=Transform(rotation=Keys.static([0.5, 0.2, 0.3])),
    )  # fmt: skip
    materials = {
        "surf_blue": Material("surf_blue", (0.2, 0.4, 0.9, 1.0), roughness=0.4),
        "vertex_col": Material("vertex_col", use_vertex_color=True),
        "text_white": Material("text_white", (1, 1, 1, 1), emission=2.0),
        "galaxy_mat": Material("galaxy_mat", (1, 1, 1, 1), texture="atlas"),
    }
    return Scene(
        shots=(shot_a, shot_b),
        materials=materials,
        images={"atlas": atlas()},
        lights=(sun,),
        fps=fps,
        resolution=(64, 36),
    )
