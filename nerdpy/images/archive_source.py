"""Read members of an unpacked image archive directory (OCI layout, extracted docker-archive);
the `Source` protocol that `load` reads through (tars: `archive_stream.StreamedTar`).

Paths are relative (`blobs/sha256/<hex>`, `manifest.json`); `..`, absolute paths
and symlinks leaving the directory are refused.
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path

from nerdpy.errors import DataCorrupted, NotFound

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO, Protocol
else:
    Protocol = object  # a structural type only for checkers


def _clean(path: str) -> str:
    norm = posixpath.normpath(path.replace("\\", "/")).lstrip("/")
    if norm in ("", ".") or norm == ".." or norm.startswith("../"):
        raise DataCorrupted(f"archive path {path!r} leaves the archive")
    return norm


class Source(Protocol):
    def exists(self, path: str) -> bool: ...

    def open(self, path: str) -> BinaryIO: ...

    def read(self, path: str, max_size: int) -> bytes: ...


class DirSource:
    def __init__(self, root: Path) -> None:
        self.root = Path(os.path.realpath(root))

    def _path(self, path: str) -> Path:
        full = os.path.realpath(self.root / _clean(path))
        if not (full + "/").startswith(str(self.root) + "/"):
            raise DataCorrupted(f"archive path {path!r} leaves the directory")
        return Path(full)

    def exists(self, path: str) -> bool:
        try:
            return self._path(path).is_file()
        except DataCorrupted:
            return False

    def open(self, path: str) -> BinaryIO:
        try:
            return open(self._path(path), "rb")
        except FileNotFoundError:
            raise NotFound(f"image directory has no {path}") from None

    def read(self, path: str, max_size: int) -> bytes:
        with self.open(path) as f:
            data = f.read(max_size + 1)
        if len(data) > max_size:
            raise DataCorrupted(f"{path} is over the {max_size}-byte limit")
        return data

    def close(self) -> None:
        pass
