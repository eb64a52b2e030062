"""The decompression-ratio limit (issue 12): a small gzip of zeros may not fill the disk."""

from __future__ import annotations

import gzip
import io
import tarfile

import pytest

from nerdpy.archive import ApplyOptions, inflate_limit
from nerdpy.archive.apply import apply_layer
from nerdpy.errors import DataCorrupted


def zeros_layer(size: int) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo("zeros")
        info.size = size
        tar.addfile(info, io.BytesIO(bytes(size)))
    return gzip.compress(raw.getvalue(), 9)


def test_limit_is_the_ratio_past_the_floor():
    opts = ApplyOptions(max_size=64 << 20, max_ratio=100)
    assert inflate_limit(opts, 1000).size == 1 << 20  # the floor: 1/64 of the size limit
    assert inflate_limit(opts, 100_000).size == 10_000_000 and inflate_limit(opts, 100_000).setting == "max_layer_ratio"
    assert inflate_limit(opts, 1 << 20).size == 64 << 20  # the size limit comes first
    assert inflate_limit(opts, -1).setting == "max_layer_size"  # compressed size unknown
    assert inflate_limit(ApplyOptions(max_size=64 << 20, max_ratio=0), 1000).size == 64 << 20


def test_highly_compressible_layer_is_refused(tmp_path):
    blob = tmp_path / "layer.tar.gz"
    blob.write_bytes(zeros_layer(24 << 20))  # ~24 KiB: ~1000 times smaller
    root = tmp_path / "root"
    root.mkdir()
    opts = ApplyOptions(max_size=64 << 20, in_userns=True, same_owner=False)
    with blob.open("rb") as src, pytest.raises(DataCorrupted, match="100 times its compressed size") as info:
        apply_layer(src, str(root), opts)
    assert "max_layer_ratio" in (info.value.hint or "")
    with blob.open("rb") as src:  # the setting raises it
        assert apply_layer(src, str(root), ApplyOptions(max_size=64 << 20, max_ratio=0, in_userns=True,
                                                               same_owner=False)).size > 24 << 20
