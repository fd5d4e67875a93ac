"""Read a .pvd index (ElementTree) and .vtp/.vts files (vtk's XML readers) back into numpy.

Independent of the writer: ParaView reads the same XML through the same VTK readers.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

FPC = 3  # frames per checkpoint in the shared export (conftest.py)


def pvd_entries(pvd: Path) -> list[dict]:
    """The DataSet entries of a .pvd, with absolute file paths and float times."""
    root = ET.parse(pvd).getroot()
    assert root.get("type") == "Collection"
    out = []
    for ds in root.iter("DataSet"):
        out.append(
            {
                "time": float(ds.get("timestep")),
                "part": int(ds.get("part", 0)),
                "name": ds.get("name"),
                "file": (pvd.parent / ds.get("file")).resolve(),
            }
        )
    return out


def read_vtk(path: Path) -> dict:
    """Points, point data, field data and (for grids) dimensions of a .vtp or .vts file."""
    from vtkmodules.util.numpy_support import vtk_to_numpy
    from vtkmodules.vtkIOXML import vtkXMLPolyDataReader, vtkXMLStructuredGridReader

    reader = {".vtp": vtkXMLPolyDataReader, ".vts": vtkXMLStructuredGridReader}[path.suffix]()
    reader.SetFileName(str(path))
    reader.Update()
    ds = reader.GetOutput()
    assert ds.GetNumberOfPoints() > 0, f"{path} read back empty"
    pd, fd = ds.GetPointData(), ds.GetFieldData()
    point_data = {
        pd.GetArrayName(i): vtk_to_numpy(pd.GetArray(i)) for i in range(pd.GetNumberOfArrays())
    }
    field = {}
    for i in range(fd.GetNumberOfArrays()):
        arr = fd.GetAbstractArray(i)
        if arr.IsA("vtkStringArray"):
            field[arr.GetName()] = arr.GetValue(0)
        else:
            field[arr.GetName()] = vtk_to_numpy(arr)[0]
    out = {
        "points": vtk_to_numpy(ds.GetPoints().GetData()).astype(np.float64),
        "point_data": point_data,
        "field": field,
        "class": ds.GetClassName(),
    }
    if path.suffix == ".vts":
        dims = [0, 0, 0]
        ds.GetDimensions(dims)
        out["dims"] = tuple(dims)
    else:
        out["verts"] = ds.GetNumberOfVerts()
        out["polys"] = ds.GetNumberOfPolys()
    return out


def require(available: bool, what: str) -> None:
    """The root conftest's rule (fail in CI, skip on a laptop), loaded by path: every test
    folder has a ``conftest`` module, so ``from conftest import require`` is ambiguous."""
    import importlib.util

    root = Path(__file__).resolve().parents[1] / "conftest.py"
    spec = importlib.util.spec_from_file_location("_galaxyreel_root_conftest", root)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.require(available, what)
