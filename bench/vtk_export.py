"""ParaView export: time and size of the VTK series, against the obvious alternatives.

Paper-sized catalog (1000 galaxies, 11 checkpoints, 1024 units) and 256 recorded iterations,
numpy sample run (no training). Compares, back to back on the same data:

* the export's encoding (XML, appended raw binary, zlib) vs VTK's ASCII XML and vs uncompressed
  binary, for the t-SNE series and for the growing surfaces;
* ``max_surface_steps`` 64 / 128 / all iterations: the growing surface is quadratic in its rows.

The machine is shared with other jobs (2 cores): read the ratios, not the seconds.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scene_builders import vtk_export as vx  # noqa: E402
from scene_builders.sample_run import make_sample_run  # noqa: E402


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def encode(steps, folder: Path, mode: str) -> tuple[float, int]:
    """Write ``steps`` with one encoding; return (seconds, bytes)."""
    v = vx._vtk()
    folder.mkdir(parents=True)
    t0 = time.perf_counter()
    for i, step in enumerate(steps):
        w = v["grid_writer" if step.grid is not None else "poly_writer"]()
        w.SetFileName(str(folder / f"{i:05d}.{'vts' if step.grid else 'vtp'}"))
        w.SetInputData(vx._dataset(v, step))
        if mode == "ascii":
            w.SetDataModeToAscii()
        else:
            w.SetDataModeToAppended()
            w.EncodeAppendedDataOff()
            if mode.startswith("zlib"):
                from vtkmodules.vtkIOCore import vtkZLibDataCompressor

                c = vtkZLibDataCompressor()
                c.SetCompressionLevel(int(mode[-1]))
                w.SetCompressor(c)
            elif mode == "lz4":
                w.SetCompressorTypeToLZ4()
            else:
                w.SetCompressorTypeToNone()
        w.Write()
    return time.perf_counter() - t0, _size(folder)


def main() -> None:
    run = make_sample_run(iterations=256, checkpoints=11, catalog=1000, units=1024, thumb=16)
    tmp = Path(tempfile.mkdtemp(prefix="galaxyreel-bench-vtk-"))
    try:
        print(
            "bench/vtk_export.py: 1000 galaxies x 11 checkpoints, 2 probes x 256 iterations x "
            "1024 units (shared 2-core machine: compare ratios)"
        )
        tsne = vx.tsne_steps(run, frames_per_checkpoint=24)
        surf = vx.surface_steps(run, 0, max_steps=64)
        for label, steps in (("t-SNE, 24 frames/checkpoint", tsne), ("1 surface, 64 steps", surf)):
            modes = ("zlib1", "zlib6", "lz4", "raw", "ascii")
            res = {m: encode(steps, tmp / f"{label[:4]}-{m}", m) for m in modes}
            zt, zs = res["zlib1"]
            print(f"\n{label}: {len(steps)} files")
            for m, (t, s) in res.items():
                print(
                    f"  {m:<6} {t:6.2f} s  {s / 1e6:8.1f} MB   time x{t / zt:5.2f}  "
                    f"size x{s / zs:5.2f}  (vs zlib1, the export's choice)"
                )

        print("\nwhole export (write_vtk_run, both probes), by max_surface_steps:")
        base = None
        for cap in (64, 128, 256):  # 256 = every iteration
            out = tmp / f"cap{cap}"
            t0 = time.perf_counter()
            vx.write_vtk_run(
                run, out, frames_per_checkpoint=24, max_surface_steps=cap, progress=False
            )
            t = time.perf_counter() - t0
            s = _size(out)
            base = base or (t, s)
            print(
                f"  cap {cap:>3}: {t:6.2f} s  {s / 1e6:8.1f} MB   time x{t / base[0]:5.2f}  "
                f"size x{s / base[1]:5.2f}  (vs cap 64)"
            )
        t0 = time.perf_counter()
        vx.write_vtk_run(
            run, tmp / "cap64", frames_per_checkpoint=24, max_surface_steps=64, progress=False
        )
        print(f"  re-run with the same inputs: {time.perf_counter() - t0:.3f} s (up to date)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
