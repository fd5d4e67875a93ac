"""Fixtures for the ParaView export: one export of the shared sample run, and vtk readers.

Files are read back with vtk's XML *readers* (not the writer's objects) and the ``.pvd`` index
with ElementTree, so a test sees what ParaView would.
"""

from __future__ import annotations

import pytest
from pv_readback import FPC


@pytest.fixture(scope="module")
def exported(tmp_path_factory, sample_run):
    from scene_builders.vtk_export import write_vtk_run

    out = tmp_path_factory.mktemp("paraview")
    pvd = write_vtk_run(sample_run, out, frames_per_checkpoint=FPC, progress=False)
    return pvd
