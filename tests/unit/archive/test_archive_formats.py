"""Compression detection, the tar header reader, and the overlay whiteout format."""

from __future__ import annotations

import gzip
import io
import os
import stat
import tarfile
from pathlib import Path

import pytest

from nerdpy.archive import ApplyOptions, Whiteouts
from nerdpy.archive.apply import apply_layer
from nerdpy.archive.compression import LayerStream, detect
from nerdpy.archive.tarstream import TarReader
from nerdpy.errors import DataCorrupted
from tests.unit.archive.tarbuild import tar


def test_detect_by_magic() -> None:
    assert detect(gzip.compress(b"x")) == "gzip"
    assert detect(b"\x28\xb5\x2f\xfd....") == "zstd"
    assert detect(b"\x5a\x2a\x4d\x18....") == "zstd"  # skippable frame first
    assert detect(b"usr/\x00\x00") == "none" and detect(b"") == "none"


def _headers(data: bytes) -> list[tarfile.TarInfo]:
    stream = LayerStream(io.BytesIO(data), 1 << 30)
    try:
        return [ti for ti in TarReader(stream)]
    finally:
        stream.close()


def test_reader_gnu_base256_pax_and_globals() -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tf:
        ti = tarfile.TarInfo("big-uid")
        ti.uid, ti.gid, ti.mtime = 3_000_000, 70_000_000, 1_700_000_000
        tf.addfile(ti, io.BytesIO(b""))
    (info,) = _headers(buf.getvalue())
    assert (info.uid, info.gid) == (3_000_000, 70_000_000)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT, pax_headers={"SCHILY.xattr.user.g": "1"}) as tf:
        ti = tarfile.TarInfo("p" * 150 + "/" + "q" * 120)
        ti.mtime = 1_700_000_000.25
        ti.size = 3
        tf.addfile(ti, io.BytesIO(b"abc"))
        link = tarfile.TarInfo("l")
        link.type, link.linkname = tarfile.SYMTYPE, "t" * 200
        tf.addfile(link)
    first, second = _headers(buf.getvalue())
    assert first.name == "p" * 150 + "/" + "q" * 120 and first.size == 3 and first.mtime == 1_700_000_000.25
    assert first.pax_headers["SCHILY.xattr.user.g"] == "1" and second.linkname == "t" * 200


def test_reader_rejects_bad_checksum() -> None:
    raw = bytearray(tar(("a", "f", "x")))
    raw[0:1] = b"b"
    with pytest.raises(DataCorrupted, match="checksum"):
        _headers(bytes(raw))


@pytest.mark.skipif(os.geteuid() != 0, reason="identity: char devices 0:0 and trusted.* xattrs need root")
def test_overlay_whiteout_format(tmp_path: Path) -> None:
    opts = ApplyOptions(whiteouts=Whiteouts.OVERLAY, opaque_xattr="trusted.overlay.opaque")
    apply_layer(io.BytesIO(tar(("dir", "d"), ("dir/.wh..wh..opq", "f", ""), ("dir/new", "f", "n"),
                               ("sub/.wh.gone", "f", ""))), str(tmp_path), opts)
    assert os.getxattr(tmp_path / "dir", "trusted.overlay.opaque") == b"y"
    st = os.lstat(tmp_path / "sub" / "gone")
    assert stat.S_ISCHR(st.st_mode) and st.st_rdev == 0 and (tmp_path / "dir" / "new").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="identity: chown to other uids needs root")
def test_merged_directory_and_hardlink_take_the_header_owner(tmp_path: Path) -> None:
    apply_layer(io.BytesIO(tar(("d", "d", None, {"uid": 1000, "gid": 1000}), ("f", "f", "x", {"uid": 7}))),
                str(tmp_path))
    apply_layer(io.BytesIO(tar(("d", "d", None, {"uid": 0, "gid": 0, "mode": 0o711}),
                               ("h", "h", "f", {"uid": 8, "gid": 9, "mode": 0o600}))), str(tmp_path))
    assert os.lstat(tmp_path / "d")[4:6] == (0, 0) and os.lstat(tmp_path / "d").st_mode & 0o777 == 0o711
    st = os.lstat(tmp_path / "f")
    assert (st.st_uid, st.st_gid, st.st_mode & 0o777, st.st_nlink) == (8, 9, 0o600, 2)


@pytest.mark.skipif(os.geteuid() != 0, reason="identity: chown to other gids needs root")
def test_entries_in_a_setgid_dir_keep_the_header_group(tmp_path: Path) -> None:
    apply_layer(io.BytesIO(tar(("g", "d", None, {"mode": 0o2775, "gid": 50}))), str(tmp_path))
    apply_layer(io.BytesIO(tar(("g/f", "f", "x", {"uid": 0, "gid": 0}), ("g/sub", "d", None, {"uid": 0, "gid": 0}),
                               ("g/sub/f2", "f", "y", {"uid": 0, "gid": 0}), ("g/l", "s", "f", {"uid": 0, "gid": 0}),
                               ("g/f50", "f", "z", {"uid": 0, "gid": 50}))), str(tmp_path))
    for name in ("f", "sub", "sub/f2", "l"):
        assert os.lstat(tmp_path / "g" / name).st_gid == 0, name  # not inherited from the setgid dir
    assert os.lstat(tmp_path / "g/f50").st_gid == 50 and os.lstat(tmp_path / "g").st_mode & 0o2000
