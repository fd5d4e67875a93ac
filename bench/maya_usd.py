"""Sizes and write times of the Maya and USD outputs for the demo scene, against the obvious
alternatives, measured back to back in one run (other jobs share the CPUs: read the ratios).

* .ma growing surfaces: sparse step-to-step blendShape targets (what maya_ascii writes) vs
  dense per-state targets (every vertex of every state relative to the rest mesh), bytes of
  ``pointArray`` text formatted by the writer's own number formatter.
* USD: .usda text vs .usdc binary (write time and size), and the Maya JSON+NPZ export.
"""

from __future__ import annotations

import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scene_builders.build import build_scene  # noqa: E402
from scene_builders.ir import Mesh  # noqa: E402
from scene_builders.look import load_look  # noqa: E402
from scene_builders.maya_ascii import _geo, _join, write_ma  # noqa: E402
from scene_builders.maya_convert import points_to_maya  # noqa: E402
from scene_builders.maya_export import export_for_maya  # noqa: E402
from scene_builders.sample_run import make_sample_run  # noqa: E402
from scene_builders.usd import write_usd  # noqa: E402


def timed(fn, *a, **k):
    t = time.perf_counter()
    out = fn(*a, **k)
    return out, time.perf_counter() - t


def size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.iterdir())
    return path.stat().st_size


def dense_target_bytes(scene) -> tuple[int, int]:
    """(sparse, dense) pointArray bytes for every deforming mesh of the scene."""
    sparse = dense = 0
    for shot in scene.shots:
        for item in shot.items:
            if not isinstance(item, Mesh) or item.states is None or not item.states.animated:
                continue
            st = points_to_maya(item.states.values)
            for k in range(1, st.shape[0]):
                d = st[k] - st[k - 1]
                moved = d[np.any(d != 0, axis=1)]
                sparse += len(_join(np.c_[moved, np.ones(len(moved))], _geo))
            for k in range(st.shape[0]):
                d = st[k] - st[0]
                dense += len(_join(np.c_[d, np.ones(len(d))], _geo))
    return sparse, dense


def main() -> None:
    warnings.simplefilter("ignore")
    for label, kw in (
        ("sample (40 it, 120 galaxies, 64 units)", dict(iterations=40, catalog=120, units=64, thumb=16)),
        ("medium (60 it, 1000 galaxies, 128 units)", dict(iterations=60, catalog=1000, units=128, thumb=16)),
    ):  # fmt: skip
        run = make_sample_run(checkpoints=11, **kw)
        (scene, _), t_build = timed(build_scene, run, load_look(None, "preview"))
        print(f"== {label}: frames {scene.frame_start}-{scene.frame_end}, build {t_build:.2f} s")
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            ma, t_ma = timed(write_ma, scene, tmp / "scene.ma", arnold=True)
            usda, t_usda = timed(write_usd, scene, tmp / "scene.usda")
            usdc, t_usdc = timed(write_usd, scene, tmp / "scene.usdc")
            exp, t_exp = timed(export_for_maya, scene, tmp / "export")
            print(f"  scene.ma        {size(ma) / 1e6:8.2f} MB  {t_ma:6.2f} s")
            print(f"  scene.usda      {size(usda) / 1e6:8.2f} MB  {t_usda:6.2f} s")
            print(f"  scene.usdc      {size(usdc) / 1e6:8.2f} MB  {t_usdc:6.2f} s")
            print(
                f"  maya export     {size(exp.parent) / 1e6:8.2f} MB  {t_exp:6.2f} s (json+npz+png)"
            )
            print(f"  usda/usdc size ratio {size(usda) / size(usdc):.1f}x, write time ratio "
                  f"{t_usda / t_usdc:.2f}x")  # fmt: skip
        sparse, dense = dense_target_bytes(scene)
        print(f"  .ma blendShape targets: sparse steps {sparse / 1e6:.2f} MB vs dense per-state "
              f"{dense / 1e6:.2f} MB ({dense / max(sparse, 1):.2f}x larger)")  # fmt: skip


if __name__ == "__main__":
    main()
