"""`build -`: stdin sniffed as the docker CLI does."""

from __future__ import annotations

import io
import tarfile

import pytest

from nerdpy.build.stdin import read_stdin


def _tar(mode: str) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tar:
        info = tarfile.TarInfo("Dockerfile")
        info.size = 13
        tar.addfile(info, io.BytesIO(b"FROM scratch\n"))
    return buf.getvalue()


@pytest.mark.parametrize("mode", ["w", "w:gz", "w:bz2", "w:xz"])
def test_an_archive_is_the_context(mode):
    given = read_stdin(io.BytesIO(_tar(mode)))
    assert given.dockerfile is None and given.archive is not None
    data = given.archive.read()
    if mode == "w:gz":  # left to the layer applier, which inflates gzip and zstd itself
        data = __import__("gzip").decompress(data)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        assert tar.extractfile("Dockerfile").read() == b"FROM scratch\n"


def test_anything_else_is_the_dockerfile():
    text = b"FROM busybox\n" + b"# padding\n" * 200
    assert read_stdin(io.BytesIO(text)).dockerfile == text
    assert read_stdin(io.BytesIO(b"")).dockerfile == b""


def test_an_empty_tar_is_an_empty_context():
    buf = io.BytesIO()
    tarfile.open(fileobj=buf, mode="w").close()
    assert read_stdin(io.BytesIO(buf.getvalue())).archive is not None
