"""`build -`: what stdin holds, sniffed as the docker CLI does (buildx LoadInputs).

An archive (a tar, plain or gzip/bzip2/xz/zstd compressed) is the build context;
anything else is the Dockerfile, built with an empty context (`docker build - < Dockerfile`).
"""

from __future__ import annotations

import tarfile

from nerdpy.images.layers import DecompressedReader, PeekStream, Reader, detect
from nerdpy.records import record

_HEAD = 1024  # buildx peeks two tar blocks


@record
class StdinInput:
    archive: Reader | None  # the context tar (gzip and zstd are left to the layer applier)
    dockerfile: bytes | None  # or the Dockerfile's bytes


def read_stdin(stream: Reader) -> StdinInput:
    peek = PeekStream(stream, _HEAD)
    kind = detect(peek.head)
    if not kind and not _is_tar(peek.head):
        return StdinInput(None, peek.read())
    return StdinInput(DecompressedReader(peek, kind) if kind in ("bzip2", "xz") else peek, None)


def _is_tar(head: bytes) -> bool:
    try:
        tarfile.TarInfo.frombuf(head[:tarfile.BLOCKSIZE], tarfile.ENCODING, "surrogateescape")
        return True
    except tarfile.EOFHeaderError:  # type: ignore[attr-defined]  # in tarfile, not in typeshed
        return True  # an empty tar: an empty context (not a Dockerfile of NUL bytes)
    except tarfile.HeaderError:
        return False
