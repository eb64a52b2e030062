"""Read members of an image archive (tar, possibly compressed) or an unpacked directory.

Paths are relative (`blobs/sha256/<hex>`, `manifest.json`); `..`, absolute paths
and symlinks leaving the archive are refused. Inside a tar, symlinks between
members are followed (docker save links repeated layers to one layer.tar).
"""

from __future__ import annotations

import os
import posixpath
import tarfile
from pathlib import Path
from typing import BinaryIO, Protocol

from nerdpy.errors import DataCorrupted, InvalidArgument, NotFound


def _clean(path: str) -> str:
    norm = posixpath.normpath(path.replace("\\", "/")).lstrip("/")
    if norm in ("", ".") or norm == ".." or norm.startswith("../"):
        raise DataCorrupted(f"archive path {path!r} leaves the archive")
    return norm


class Source(Protocol):
    def exists(self, path: str) -> bool: ...

    def open(self, path: str) -> BinaryIO: ...

    def read(self, path: str, max_size: int) -> bytes: ...


class TarSource:
    def __init__(self, path: Path) -> None:
        try:
            self.tar = tarfile.open(path, "r:*")
            members = self.tar.getmembers()
        except FileNotFoundError:
            raise NotFound(f"{path}: no such file or directory") from None
        except IsADirectoryError:
            raise InvalidArgument(f"{path} is a directory") from None
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise InvalidArgument(f"{path}: not an image archive ({exc})") from None
        self.members: dict[str, tarfile.TarInfo] = {}
        for member in members:
            try:
                self.members[_clean(member.name)] = member
            except DataCorrupted:
                continue  # "./" and the like: nothing we ever read

    def _resolve(self, path: str) -> tarfile.TarInfo:
        name = _clean(path)
        for _ in range(8):
            member = self.members.get(name)
            if member is None:
                raise NotFound(f"archive has no {path}")
            if member.isfile():
                return member
            if member.issym():
                name = _clean(posixpath.join(posixpath.dirname(name), member.linkname))
            elif member.islnk():
                name = _clean(member.linkname)
            else:
                raise DataCorrupted(f"archive member {path} is not a file")
        raise DataCorrupted(f"archive member {path}: too many links")

    def exists(self, path: str) -> bool:
        try:
            self._resolve(path)
            return True
        except (NotFound, DataCorrupted):
            return False

    def open(self, path: str) -> BinaryIO:
        f = self.tar.extractfile(self._resolve(path))
        if f is None:
            raise DataCorrupted(f"archive member {path} is not a file")
        return f  # type: ignore[return-value]

    def read(self, path: str, max_size: int) -> bytes:
        member = self._resolve(path)
        if member.size > max_size:
            raise DataCorrupted(f"archive member {path} is {member.size} bytes, over the {max_size}-byte limit")
        with self.open(path) as f:
            return f.read()

    def close(self) -> None:
        self.tar.close()


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


def open_source(path: Path) -> TarSource | DirSource:
    return DirSource(path) if path.is_dir() else TarSource(path)
