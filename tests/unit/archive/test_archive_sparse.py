"""Sparse tar entries: GNU tar's four flavours apply with holes kept; malformed maps are refused."""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from nerdpy.archive import ApplyOptions
from nerdpy.archive.apply import apply_layer
from nerdpy.errors import DataCorrupted

OPTS = ApplyOptions(in_userns=True, same_owner=False)  # owners are not the point here (runs as a plain user)
SIZE = 3 << 20
FLAVOURS = {"old-gnu S": ["--format=gnu"], "pax 0.0": ["--format=pax", "--sparse-version=0.0"],
            "pax 0.1": ["--format=pax", "--sparse-version=0.1"], "pax 1.0": ["--format=pax", "--sparse-version=1.0"]}


def _sparse_file(path: Path, blocks: int = 3) -> bytes:
    with open(path, "wb") as f:
        f.truncate(SIZE)
        f.seek(4096)
        f.write(b"A" * 5000)
        for i in range(blocks):  # many blocks: old-GNU needs extension headers past 4
            f.seek((1 << 20) + i * 16384)
            f.write(b"B%d" % i)
        f.seek(SIZE - 3)
        f.write(b"END")
    return path.read_bytes()


def _gnu_tar(src: Path, flags: list[str], member: str = "data/sparse.bin") -> bytes:
    out = src.parent / "out.tar"
    subprocess.run(["tar", "--sparse", *flags, "-cf", str(out), "-C", str(src.parent),
                    "--transform", f"s,^{src.name}$,{member},", "--owner=0", "--group=0", src.name], check=True)
    return out.read_bytes()


@pytest.mark.parametrize("flavour", list(FLAVOURS))
@pytest.mark.parametrize("blocks", [1, 30])
def test_gnu_tar_sparse_files_keep_content_and_holes(tmp_path: Path, flavour: str, blocks: int) -> None:
    src = tmp_path / "src" / "sparse.bin"
    src.parent.mkdir()
    want = _sparse_file(src, blocks)
    layer = _gnu_tar(src, FLAVOURS[flavour])
    assert tarfile.open(fileobj=io.BytesIO(layer)).getmembers()[0].sparse  # really a sparse entry
    root = tmp_path / "root"
    root.mkdir()
    apply_layer(io.BytesIO(layer + b"trailing"), str(root), OPTS)
    out = root / "data/sparse.bin"
    assert sorted(os.listdir(root)) == ["data"] and os.listdir(root / "data") == ["sparse.bin"]
    assert out.read_bytes() == want
    assert out.stat().st_blocks * 512 < 1 << 20  # the holes stayed holes


def _old_gnu(slots: list[tuple[int, int]], real: int, stored: int, data: bytes) -> bytes:
    """A hand-made old-GNU 'S' header (tarfile cannot write sparse members)."""
    h = bytearray(512)
    h[0:8] = b"evil.bin"
    h[100:108], h[108:116], h[116:124] = b"0000644\0", b"0000000\0", b"0000000\0"
    h[124:136] = b"%011o\0" % stored
    h[136:148] = b"%011o\0" % 1_700_000_000
    h[156:157] = b"S"
    h[257:265] = b"ustar  \0"
    for i, (off, size) in enumerate(slots):
        h[386 + 24 * i:398 + 24 * i] = b"%011o\0" % off
        h[398 + 24 * i:410 + 24 * i] = b"%011o\0" % size
    h[483:495] = b"%011o\0" % real
    h[148:156] = b" " * 8
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h) + data + bytes(-len(data) % 512) + bytes(1024)


def test_hand_made_old_gnu_sparse_applies(tmp_path: Path) -> None:
    apply_layer(io.BytesIO(_old_gnu([(0, 2), (10, 3)], 20, 5, b"abxyz")), str(tmp_path), OPTS)
    assert (tmp_path / "evil.bin").read_bytes() == b"ab" + bytes(8) + b"xyz" + bytes(7)


@pytest.mark.parametrize("slots,real,stored", [
    ([(10, 3), (0, 2)], 20, 5),   # out of order
    ([(0, 4), (2, 1)], 20, 5),    # overlapping
    ([(0, 2), (18, 3)], 20, 5),   # beyond the real size
    ([(0, 2), (10, 2)], 20, 5),   # map shorter than the stored data
])
def test_malformed_old_gnu_maps_are_refused(tmp_path: Path, slots: list, real: int, stored: int) -> None:
    with pytest.raises(DataCorrupted, match="sparse map"):
        apply_layer(io.BytesIO(_old_gnu(slots, real, stored, b"abxyz")), str(tmp_path), OPTS)
    assert os.listdir(tmp_path) == []


def _pax_sparse(headers: dict[str, str], data: bytes) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        ti = tarfile.TarInfo("GNUSparseFile.0/f")
        ti.size, ti.pax_headers = len(data), headers
        tf.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


@pytest.mark.parametrize("headers,data", [
    ({"GNU.sparse.map": "0,4,2,1", "GNU.sparse.size": "20"}, b"abcde"),
    ({"GNU.sparse.map": "0,4,x,1", "GNU.sparse.size": "20"}, b"abcde"),
    ({"GNU.sparse.map": "0,5", "GNU.sparse.size": "3"}, b"abcde"),
    ({"GNU.sparse.map": "0,5,9", "GNU.sparse.size": "30"}, b"abcde"),
    ({"GNU.sparse.major": "1", "GNU.sparse.minor": "0", "GNU.sparse.realsize": "30", "GNU.sparse.name": "f"},
     b"99999999\n" + bytes(503) + b"abcde"),
    ({"GNU.sparse.major": "1", "GNU.sparse.minor": "0", "GNU.sparse.realsize": "30", "GNU.sparse.name": "f"},
     b"1\n0\n" + b"7" * 600),
])
def test_malformed_pax_maps_are_refused(tmp_path: Path, headers: dict, data: bytes) -> None:
    with pytest.raises(DataCorrupted, match="sparse map"):
        apply_layer(io.BytesIO(_pax_sparse(headers, data)), str(tmp_path), OPTS)


def test_pax_1_0_uses_the_real_name(tmp_path: Path) -> None:
    data = b"1\n4\n3\n".ljust(512, b"\0") + b"xyz"
    headers = {"GNU.sparse.major": "1", "GNU.sparse.minor": "0", "GNU.sparse.realsize": "9",
               "GNU.sparse.name": "dir/real"}
    apply_layer(io.BytesIO(_pax_sparse(headers, data)), str(tmp_path), OPTS)
    assert (tmp_path / "dir/real").read_bytes() == bytes(4) + b"xyz" + bytes(2)
    assert not (tmp_path / "GNUSparseFile.0").exists()


def test_sparse_name_cannot_escape(tmp_path: Path) -> None:
    headers = {"GNU.sparse.map": "0,3", "GNU.sparse.size": "3", "GNU.sparse.name": "../../escape"}
    root = tmp_path / "r"
    root.mkdir()
    with pytest.raises(DataCorrupted, match="outside the root"):
        apply_layer(io.BytesIO(_pax_sparse(headers, b"abc")), str(root), OPTS)
    assert os.listdir(tmp_path) == ["r"] and os.listdir(root) == []
