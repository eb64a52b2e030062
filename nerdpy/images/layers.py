"""Layer streams: detect compression by magic bytes, decompress while streaming,
and compute a layer's blob digest and diff ID in one pass."""

from __future__ import annotations

import hashlib
import io
import zlib

from nerdpy.errors import DataCorrupted, InvalidArgument
from nerdpy.images import manifest as mf
from nerdpy.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO, Callable, Iterator, Protocol
else:
    Protocol = object  # a structural type only for checkers

CHUNK = 1 << 20
_GZIP = b"\x1f\x8b"
_ZSTD = b"\x28\xb5\x2f\xfd"
_BZIP2 = b"BZh"
_XZ = b"\xfd7zXZ\x00"


class Reader(Protocol):
    """The one thing streaming needs of its source: a file, stdin, a PeekStream."""

    def read(self, n: int = -1, /) -> bytes: ...


def detect(head: bytes) -> str:
    """"gzip", "zstd", "bzip2", "xz" or "" from the first bytes of a stream."""
    if head.startswith(_GZIP):
        return "gzip"
    if head.startswith(_ZSTD):
        return "zstd"
    if head.startswith(_BZIP2):
        return "bzip2"
    if head.startswith(_XZ):
        return "xz"
    return ""


def layer_media_type(compression: str) -> str:
    if compression == "gzip":
        return mf.OCI_LAYER_GZIP
    if compression == "zstd":
        return mf.OCI_LAYER_ZSTD
    if compression == "":
        return mf.OCI_LAYER
    raise InvalidArgument(f"{compression}-compressed layers are not supported in images", hint="use gzip, zstd or none")


class PeekStream:
    """A read-only stream whose first bytes can be looked at without losing them (stdin)."""

    def __init__(self, raw: Reader, size: int = 8) -> None:
        self.raw = raw
        self.head = _read_full(raw, size)
        self._pos = 0

    def read(self, n: int = -1) -> bytes:
        if self._pos < len(self.head):
            part = self.head[self._pos :] if n < 0 else self.head[self._pos : self._pos + n]
            self._pos += len(part)
            if n < 0:
                return part + self.raw.read()
            if len(part) == n:
                return part
            return part + self.raw.read(n - len(part))
        return self.raw.read(n)


def _read_full(f: Reader, n: int) -> bytes:
    out = b""
    while len(out) < n:
        chunk = f.read(n - len(out))
        if not chunk:
            break
        out += chunk
    return out


def _decompressor(kind: str) -> Callable[[bytes], bytes]:
    if kind == "gzip":
        d = zlib.decompressobj(wbits=47)

        def gz(chunk: bytes) -> bytes:
            nonlocal d
            out = d.decompress(chunk)
            # Concatenated gzip members (pigz, some tools) continue in a new object.
            while d.eof and d.unused_data:
                rest = d.unused_data
                d = zlib.decompressobj(wbits=47)
                out += d.decompress(rest)
            return out

        return gz
    if kind == "zstd":
        import zstandard

        return zstandard.ZstdDecompressor().decompressobj().decompress
    if kind == "bzip2":
        import bz2

        return bz2.BZ2Decompressor().decompress
    if kind == "xz":
        import lzma

        return lzma.LZMADecompressor().decompress
    return lambda chunk: chunk


def decompressed_chunks(stream: Reader, kind: str, on_raw: Callable[[bytes], None] | None = None) -> Iterator[bytes]:
    """Yield the decompressed bytes of `stream`; `on_raw` sees every raw chunk first."""
    decompress = _decompressor(kind)
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            return
        if on_raw is not None:
            on_raw(chunk)
        try:
            out = decompress(chunk)
        except (zlib.error, EOFError, OSError, ValueError) as exc:
            raise DataCorrupted(f"corrupt {kind} stream: {exc}") from None
        except Exception as exc:  # zstandard.ZstdError and friends
            raise DataCorrupted(f"corrupt {kind} stream: {exc}") from None
        if out:
            yield out


class DecompressedReader:
    """A read()-able view of a compressed stream's decompressed bytes."""

    def __init__(self, stream: Reader, kind: str) -> None:
        self._chunks: Iterator[bytes] = decompressed_chunks(stream, kind)
        self._buffer = b""

    def read(self, n: int = -1) -> bytes:
        while n < 0 or len(self._buffer) < n:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if n < 0:
            out, self._buffer = self._buffer, b""
        else:
            out, self._buffer = self._buffer[:n], self._buffer[n:]
        return out


@record
class LayerDigests:
    digest: str  # of the bytes as stored
    diff_id: str  # of the uncompressed tar
    size: int
    compression: str
    uncompressed: int = -1  # bytes after decompression; -1 when not measured


def digest_layer(stream: Reader, sink: Callable[[bytes], None] | None = None) -> LayerDigests:
    """Hash a layer as stored and uncompressed in one pass; `sink` gets the stored bytes."""
    peek = PeekStream(stream)
    kind = detect(peek.head)
    raw_hash = hashlib.sha256()
    size = 0

    def on_raw(chunk: bytes) -> None:
        nonlocal size
        raw_hash.update(chunk)
        size += len(chunk)
        if sink is not None:
            sink(chunk)

    if not kind:
        for chunk in decompressed_chunks(peek, "", on_raw):
            pass
        digest = "sha256:" + raw_hash.hexdigest()
        return LayerDigests(digest, digest, size, "", size)
    diff_hash = hashlib.sha256()
    plain = 0
    for out in decompressed_chunks(peek, kind, on_raw):
        diff_hash.update(out)
        plain += len(out)
    return LayerDigests("sha256:" + raw_hash.hexdigest(), "sha256:" + diff_hash.hexdigest(), size, kind, plain)


def check_tar_header(block: bytes) -> None:
    """Refuse input that is not a tar archive (first header's checksum), as Docker does."""
    if len(block) == 0:
        raise InvalidArgument("empty archive: expected a tar file")
    if len(block) < 512 or block[:512] == b"\0" * 512:
        if block[:1024] == b"\0" * min(len(block), 1024):
            return  # an empty tar is legal
        raise InvalidArgument("invalid tar archive: truncated header")
    try:
        stored = int(block[148:156].split(b"\0", 1)[0].strip() or b"-1", 8)
    except ValueError:
        raise InvalidArgument("invalid tar archive: bad header") from None
    computed = sum(block[:148]) + 8 * 32 + sum(block[156:512])
    if stored != computed:
        raise InvalidArgument("invalid tar archive: bad header checksum", hint="import takes a tar of a root filesystem")


def bytes_stream(data: bytes) -> BinaryIO:
    return io.BytesIO(data)
