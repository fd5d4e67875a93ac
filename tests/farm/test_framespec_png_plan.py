"""Pure parts: frame ranges, PNG verification, cost-balanced chunking (no Blender)."""

from __future__ import annotations

import struct
import zlib

import pytest

from render_farm import FarmError, format_frames, parse_frames, png_problem
from render_farm.framespec import runs
from render_farm.plan import balance, make_chunks, probe_frames


def write_png(path, w=32, h=18, *, rgba=True):
    ch = 4 if rgba else 3
    raw = b"".join(b"\x00" + bytes((x * 7 + y) % 256 for x in range(w * ch)) for y in range(h))

    def chunk(t, body):
        return struct.pack(">I", len(body)) + t + body + struct.pack(">I", zlib.crc32(t + body))

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 6 if rgba else 2, 0, 0, 0)
    data = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "spec, frames",
    [
        ("1-5", [1, 2, 3, 4, 5]),
        ("1-3,7-8", [1, 2, 3, 7, 8]),
        ("1-9x4", [1, 5, 9]),
        ("10-14:2, 3", [3, 10, 12, 14]),
        ("4", [4]),
        ("1-3,2-4", [1, 2, 3, 4]),
    ],
)
def test_frame_ranges_parse(spec, frames):
    assert parse_frames(spec) == frames


@pytest.mark.parametrize("spec", ["", "a-b", "5-1", "1-4x0", "1--3", "1,,2"])
def test_bad_frame_range_is_one_clear_error(spec):
    with pytest.raises(FarmError, match="frame range"):
        parse_frames(spec)


def test_frames_format_back_to_ranges():
    assert format_frames([1, 2, 3, 7, 9, 10]) == "1-3,7,9-10"
    assert runs([5, 1, 2, 3, 9]) == [(1, 3), (5, 5), (9, 9)]


def test_complete_png_of_the_planned_size_verifies(tmp_path):
    p = write_png(tmp_path / "0001.png")
    assert png_problem(p, (32, 18)) is None
    assert png_problem(write_png(tmp_path / "rgb.png", rgba=False), (32, 18)) is None


def test_wrong_size_is_reported(tmp_path):
    p = write_png(tmp_path / "0001.png", 16, 9)
    assert "wrong size 16x9" in png_problem(p, (32, 18))


@pytest.mark.parametrize("keep", [0, 8, 30, 60, -12, -1])
def test_truncated_png_never_verifies(tmp_path, keep):
    p = write_png(tmp_path / "0001.png")
    data = p.read_bytes()
    p.write_bytes(data[:keep])
    assert png_problem(p, (32, 18)) is not None


def test_flipped_byte_fails_the_crc(tmp_path):
    p = write_png(tmp_path / "0001.png")
    data = bytearray(p.read_bytes())
    data[50] ^= 0xFF
    p.write_bytes(bytes(data))
    assert png_problem(p, (32, 18)) is not None


def test_missing_frame_is_missing(tmp_path):
    assert png_problem(tmp_path / "0009.png", (32, 18)) == "missing"


SHOTS = [
    {"name": "cheap", "first_frame": 1, "last_frame": 60},
    {"name": "dear", "first_frame": 61, "last_frame": 120},
]


def test_chunks_balance_cost_and_respect_shot_boundaries():
    frames = list(range(1, 121))
    costs = [1.0] * 60 + [4.0] * 60  # the second shot is 4x slower per frame
    chunks = make_chunks(frames, costs, slots=2, load=1.0, shots=SHOTS)
    assert [f for c in chunks for f in c.frames] == frames
    for c in chunks:
        assert c.frames[-1] <= 60 or c.frames[0] > 60  # never straddles a shot
    dear = [len(c.frames) for c in chunks if c.frames[0] > 60]
    cheap = [len(c.frames) for c in chunks if c.frames[0] <= 60]
    assert max(dear) < min(cheap)  # slow frames -> shorter chunks
    assert balance(chunks) < 1.5


def test_a_chunk_pays_for_its_load():
    chunks = make_chunks(list(range(1, 101)), [0.1] * 100, slots=2, load=2.0)
    # 4 x 2 s of load per chunk at 0.1 s/frame -> >= 80 frames, but >= 1 chunk per slot
    assert len(chunks) == 2


def test_forced_chunk_size():
    chunks = make_chunks(list(range(1, 11)), chunk=4)
    assert [c.frames for c in chunks] == [(1, 2, 3, 4), (5, 6, 7, 8), (9, 10)]
    assert [c.index for c in chunks] == [0, 1, 2]


def test_one_probe_per_shot_in_the_middle():
    assert probe_frames(list(range(1, 121)), SHOTS) == [31, 91]
    assert probe_frames([1, 2, 3], SHOTS) == [2]


def test_short_shots_share_a_chunk():
    shots = [{"name": f"s{i}", "first_frame": 2 * i + 1, "last_frame": 2 * i + 2} for i in range(6)]
    chunks = make_chunks(list(range(1, 13)), slots=1, load=8.0, shots=shots)
    assert [c.frames for c in chunks] == [tuple(range(1, 13))]  # one .blend load, not six
