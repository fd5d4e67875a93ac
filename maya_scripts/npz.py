"""Read the NPZ arrays of a galaxyreel Maya export with the standard library only.

Maya's Python may have no numpy, so this reads the ``.npy`` members of the zip directly:
the header is a Python literal (parsed with ``ast.literal_eval``, never ``eval`` or pickle)
and the data a flat little-endian block. Only what ``export_for_maya`` writes is supported:
C-ordered float64/float32/int32/int64/uint8/bool arrays, no object arrays.
"""

from __future__ import annotations

import ast
import struct
import zipfile
from array import array

_CODES = {"<f8": "d", "<f4": "f", "<i4": "i", "<i8": "q", "|u1": "B", "|b1": "B"}


class NpyArray:
    """A flat array with a shape: ``rows()`` gives nested lists for 2-D data."""

    def __init__(self, shape, data):
        self.shape = tuple(shape)
        self.data = data

    def __len__(self):
        return self.shape[0] if self.shape else 1

    def rows(self, level_shape=None):
        """Nested lists: the last axis grouped, e.g. (N, 3) -> [[x, y, z], ...]."""
        shape = level_shape or self.shape
        flat = list(self.data)
        for size in reversed(shape[1:]):
            flat = [flat[i : i + size] for i in range(0, len(flat), size)]
        return flat


def read_npy(raw: bytes, name: str = "array") -> NpyArray:
    if raw[:6] != b"\x93NUMPY":
        raise ValueError(f"{name}: not an .npy member")
    major = raw[6]
    if major == 1:
        (hlen,) = struct.unpack("<H", raw[8:10])
        start = 10
    else:
        (hlen,) = struct.unpack("<I", raw[8:12])
        start = 12
    header = ast.literal_eval(raw[start : start + hlen].decode("latin1"))
    descr, fortran, shape = header["descr"], header["fortran_order"], header["shape"]
    if fortran:
        raise ValueError(f"{name}: Fortran-ordered arrays are not supported")
    if descr not in _CODES:
        raise ValueError(f"{name}: dtype {descr!r} is not supported")
    data = array(_CODES[descr])
    data.frombytes(raw[start + hlen :])
    count = 1
    for s in shape:
        count *= s
    if len(data) != count:
        raise ValueError(f"{name}: {len(data)} values for shape {shape}")
    return NpyArray(shape, data)


def load_npz(path) -> dict:
    """{array name: NpyArray} for every member of the NPZ at ``path``."""
    out = {}
    with zipfile.ZipFile(path) as zf:
        for member in zf.namelist():
            if not member.endswith(".npy"):
                continue
            name = member[: -len(".npy")]
            out[name] = read_npy(zf.read(member), f"{path}:{name}")
    return out
