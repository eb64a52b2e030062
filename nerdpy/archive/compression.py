"""Decompress a layer stream (gzip, zstd or none, detected by magic bytes), hashing
the uncompressed bytes (the DiffID) and refusing to inflate beyond a size limit.

`LayerStream` is forward-only: tarfile may `seek` ahead (skipping bytes), never back.
"""

from __future__ import annotations

import hashlib
import os
import zlib
from typing import BinaryIO, Iterator

from nerdpy.errors import DataCorrupted

TYPE_CHECKING = False
if TYPE_CHECKING:
    from nerdpy.archive import InflateLimit

CHUNK = 1 << 20


def detect(head: bytes) -> str:
    """"gzip", "zstd" or "none"."""
    if head[:3] == b"\x1f\x8b\x08":
        return "gzip"
    if head[:4] == b"\x28\xb5\x2f\xfd":
        return "zstd"
    if len(head) >= 4 and head[1:4] == b"\x2a\x4d\x18" and head[0] & 0xF0 == 0x50:
        return "zstd"  # a skippable frame first (0x184D2A50..5F, little endian)
    return "none"


def _gzip_chunks(src: BinaryIO, first: bytes) -> Iterator[bytes]:
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    data, fed = first, False
    while True:
        if not data:
            data = src.read(CHUNK)
            if not data:
                break
        fed = True
        out = d.decompress(data, CHUNK)  # bounded output per call: bombs inflate in steps
        if out:
            yield out
        data = d.unconsumed_tail
        if d.eof:
            # Concatenated gzip members are one stream (RFC 1952).
            data = d.unused_data + data
            d, fed = zlib.decompressobj(16 + zlib.MAX_WBITS), False
    if fed and not d.eof:
        raise DataCorrupted("truncated gzip stream in layer")


def _zstd_chunks(src: BinaryIO, first: bytes) -> Iterator[bytes]:
    import io

    import zstandard  # only layers compressed with zstd pay for the import

    # BufferedReader needs only readinto/readable/closed of its raw reader; typeshed asks for all of RawIOBase.
    joined = io.BufferedReader(_Prefixed(first, src), CHUNK)  # type: ignore[type-var]
    # The default window limit (128 MiB) bounds decoder memory.
    reader = zstandard.ZstdDecompressor().stream_reader(joined, read_size=CHUNK, read_across_frames=True)
    try:
        while chunk := reader.read(CHUNK):
            yield chunk
    except zstandard.ZstdError as exc:
        raise DataCorrupted(f"corrupt zstd stream in layer: {exc}") from None


class _Prefixed:
    """A raw reader: `first`, then the rest of `src`."""

    def __init__(self, first: bytes, src: BinaryIO) -> None:
        self.first, self.src = first, src

    def readable(self) -> bool:
        return True

    def readinto(self, buf: memoryview) -> int:
        if self.first:
            n = min(len(buf), len(self.first))
            buf[:n] = self.first[:n]
            self.first = self.first[n:]
            return n
        data = self.src.read(len(buf))
        buf[: len(data)] = data
        return len(data)

    @property
    def closed(self) -> bool:
        return False


def _plain_chunks(src: BinaryIO, first: bytes) -> Iterator[bytes]:
    if first:
        yield first
    while chunk := src.read(CHUNK):
        yield chunk


class LayerStream:
    """Uncompressed layer bytes with read/skip/tell, a running sha256 and a size cap.

    A producer thread reads, decompresses and hashes (zlib and hashlib release
    the GIL) while the caller parses and writes: on two CPUs unpacking overlaps
    with decompression. Call `close()` (apply_layer does) to stop it early.
    """

    def __init__(self, src: BinaryIO, max_size: int, limit: "InflateLimit | None" = None) -> None:
        import queue
        import threading

        first = src.read(CHUNK)
        self.compression = detect(first)
        maker = {"gzip": _gzip_chunks, "zstd": _zstd_chunks, "none": _plain_chunks}[self.compression]
        self._chunks = maker(src, first)
        self._hash = hashlib.sha256()
        self._max = limit.size if limit is not None else max_size
        self._limit_text = (limit.what, limit.setting) if limit is not None else (f"{max_size} bytes", "max_layer_size")
        self._produced = 0
        self._size = 0  # bytes handed to the reader so far (incl. the current chunk)
        self._buf = b""
        self._off = 0  # read position inside _buf
        self._eof = False
        self._stop = False
        self._queue: "queue.Queue[object]" = queue.Queue(maxsize=8)
        self._thread = threading.Thread(target=self._produce, name="layer-decompress", daemon=True)
        self._thread.start()

    def _produce(self) -> None:
        try:
            for chunk in self._chunks:
                self._produced += len(chunk)
                if self._produced > self._max:
                    what, setting = self._limit_text
                    raise DataCorrupted(f"layer inflates beyond the limit of {what}",
                                        hint=f"a decompression bomb, or raise the {setting} setting")
                self._hash.update(chunk)
                if not self._put(chunk):
                    return
            self._put(None)
        except zlib.error as exc:
            self._put(DataCorrupted(f"corrupt gzip stream in layer: {exc}"))
        except BaseException as exc:  # handed to the reader, raised there
            self._put(exc)

    def _put(self, item: object) -> bool:
        import queue

        while not self._stop:
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def close(self) -> None:
        import queue

        self._stop = True
        while self._thread.is_alive():
            try:
                self._queue.get(timeout=0.05)
            except queue.Empty:
                pass
        self._thread.join()

    def _fill(self) -> bool:
        if self._eof:
            return False
        item = self._queue.get()
        if item is None:
            self._eof = True
            return False
        if isinstance(item, BaseException):
            self._eof = True
            raise item
        assert isinstance(item, bytes)
        self._size += len(item)
        self._buf, self._off = item, 0
        return True

    def read(self, n: int = -1) -> bytes:
        if n < 0:
            n = 1 << 62
        avail = len(self._buf) - self._off
        if avail >= n:
            out = self._buf[self._off:self._off + n]
            self._off += n
            return out
        parts = [self._buf[self._off:]] if avail else []
        need = n - avail
        self._buf, self._off = b"", 0
        while need > 0 and self._fill():
            take = min(need, len(self._buf))
            parts.append(self._buf[:take])
            self._off = take
            need -= take
        return b"".join(parts)

    def chunks(self, n: int) -> Iterator[memoryview]:
        """The next `n` bytes as views, without copying; short at end of stream."""
        while n > 0:
            if self._off >= len(self._buf) and not self._fill():
                return
            take = min(n, len(self._buf) - self._off)
            yield memoryview(self._buf)[self._off:self._off + take]
            self._off += take
            n -= take

    def take(self, n: int) -> memoryview | None:
        """The next `n` bytes as one view if the current chunk holds them, else None (nothing read)."""
        off = self._off
        end = off + n
        if end > len(self._buf):
            return None
        self._off = end
        return memoryview(self._buf)[off:end]

    def write_to(self, fd: int, n: int) -> int:
        """Write the next `n` bytes to `fd`; returns how many there were (short at end of stream)."""
        view = self.take(n)  # a small file is usually inside the current chunk: one write
        if view is not None:
            _write_all(fd, view)
            return n
        written = 0
        for view in self.chunks(n):
            _write_all(fd, view)
            written += len(view)
        return written

    def write_sparse_to(self, fd: int, blocks: list[tuple[int, int]]) -> bool:
        """Write the next bytes as the (offset, size) blocks of a sparse file; False if short."""
        for offset, size in blocks:
            pos = offset
            for view in self.chunks(size):
                while view:
                    n = os.pwrite(fd, view, pos)
                    view, pos = view[n:], pos + n
            if pos != offset + size:
                return False
        return True

    def skip(self, n: int) -> None:
        avail = len(self._buf) - self._off
        if n <= avail:
            self._off += n
            return
        for _ in self.chunks(n):
            pass

    def tell(self) -> int:
        return self._size - (len(self._buf) - self._off)

    def seek(self, pos: int, whence: int = 0) -> int:
        here = self.tell()
        if whence != 0 or pos < here:
            raise DataCorrupted("layer tar needs to seek backwards (unsupported archive layout)")
        self.skip(pos - here)
        return self.tell()

    def drain(self) -> None:
        """Consume what follows the tar's end: the DiffID covers the whole stream."""
        self._buf, self._off = b"", 0
        while self._fill():
            pass
        self._buf = b""
        self._thread.join()

    @property
    def size(self) -> int:
        return self._size

    def digest(self) -> str:
        return "sha256:" + self._hash.hexdigest()


def _write_all(fd: int, view: memoryview) -> None:
    while view:
        n = os.write(fd, view)
        view = view[n:]
