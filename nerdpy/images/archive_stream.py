"""Read an image archive tar in one sequential pass (a file, stdin, gzip/zstd/xz or not).

Small members (JSON documents, up to 1 MiB each and 64 MiB in all) stay in
memory; every larger member goes straight into the content store as a blob,
hashed as stored and, for layers, uncompressed, in the same pass. So `load`
writes each byte once, never needs random access, and works on a pipe.
Blobs stored here are only candidates: `load` verifies them against digests
and diff IDs, and GC removes whatever no image ended up holding.
"""

from __future__ import annotations

import io
import posixpath
import tarfile
import uuid

from nerdpy.content.store import ContentStore
from nerdpy.errors import DataCorrupted, InvalidArgument, NotFound
from nerdpy.images.archive_source import _clean
from nerdpy.images.layers import DecompressedReader, LayerDigests, PeekStream, Reader, detect, digest_layer

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO, IO

SMALL_MAX = 1 << 20
SMALL_TOTAL = 64 << 20


class StreamedTar:
    """A `Source` over a tar read once; large members already in the content store."""

    def __init__(self, content: ContentStore, stream: BinaryIO) -> None:
        self.content = content
        self.small: dict[str, bytes] = {}
        self.blobs: dict[str, LayerDigests] = {}
        self.links: dict[str, str] = {}
        peek = PeekStream(stream, 8)
        if not peek.head:
            raise InvalidArgument("empty input: expected an image archive (tar)")
        kind = detect(peek.head)
        raw: Reader = DecompressedReader(peek, kind) if kind else peek
        try:
            # Stream mode ("r|") only calls read(); typeshed's _Fileobj asks for more.
            self._read(tarfile.open(fileobj=raw, mode="r|"))  # type: ignore[call-overload]
        except (tarfile.TarError, EOFError) as exc:
            raise InvalidArgument(f"not an image archive: {exc}") from None

    def _read(self, tar: tarfile.TarFile) -> None:
        total = 0
        for member in tar:
            try:
                name = _clean(member.name)
            except DataCorrupted:
                continue  # "./" and the like
            if member.issym():
                self.links[name] = posixpath.normpath(posixpath.join(posixpath.dirname(name), member.linkname))
            elif member.islnk():
                self.links[name] = posixpath.normpath(member.linkname)
            elif member.isfile():
                f = tar.extractfile(member)
                assert f is not None
                if member.size <= SMALL_MAX and total + member.size <= SMALL_TOTAL:
                    self.small[name] = f.read()
                    total += member.size
                else:
                    self.blobs[name] = self._store(name, f)

    def _store(self, name: str, f: IO[bytes]) -> LayerDigests:
        # OCI blobs are named by digest and need no diff ID here: skip decompressing them.
        with self.content.writer(f"load-{uuid.uuid4().hex}") as writer:
            if name.startswith("blobs/"):
                kind = "?"
                while chunk := f.read(1 << 20):
                    if kind == "?":
                        kind = detect(chunk[:8])
                    writer.write(chunk)
                digest = writer.digest()
                # An uncompressed blob is its own diff ID (if it is a layer at all).
                result = LayerDigests(digest, digest if kind == "" else "", writer.offset, kind,
                                      writer.offset if kind == "" else -1)
            else:
                result = digest_layer(f, writer.write)
            writer.commit()
        return result

    def _resolve(self, path: str) -> str:
        name = _clean(path)
        for _ in range(8):
            if name in self.small or name in self.blobs:
                return name
            if name not in self.links:
                raise NotFound(f"archive has no {path}")
            name = _clean(self.links[name])
        raise DataCorrupted(f"archive member {path}: too many links")

    def exists(self, path: str) -> bool:
        try:
            self._resolve(path)
            return True
        except (NotFound, DataCorrupted):
            return False

    def open(self, path: str) -> BinaryIO:
        name = self._resolve(path)
        if name in self.small:
            return io.BytesIO(self.small[name])
        return self.content.open(self.blobs[name].digest)

    def read(self, path: str, max_size: int) -> bytes:
        name = self._resolve(path)
        size = len(self.small[name]) if name in self.small else self.blobs[name].size
        if size > max_size:
            raise DataCorrupted(f"archive member {path} is {size} bytes, over the {max_size}-byte limit")
        with self.open(path) as f:
            return f.read()

    def digests(self, path: str) -> LayerDigests | None:
        """The stored blob's digests, when this member went to the content store with its diff ID."""
        found = self.blobs.get(self._resolve(path))
        return found if found is not None and found.diff_id else None

    def close(self) -> None:
        self.small.clear()
