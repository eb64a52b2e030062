"""The content store on disk: verified, immutable blobs and resumable ingests.

Layout under `root` (`<data_root>/content`)::

    blobs/sha256/<hex>           committed blob, 0444; appears only by rename
    ingest/<key>.lock            flock()ed while a writer owns the ref (key = sha256(ref)[:32])
    ingest/<key>/data            bytes received so far; `.offset` = its size (resume point)
    ingest/<key>/ref             the ref, for humans and for `walk_ingests`

Rules: a blob path never holds partial bytes (data is written under ingest/,
fsync'ed, verified against the expected digest and size, renamed into blobs/,
then the directory is fsync'ed). One writer per ref across processes: the
flock on `<key>.lock` (an open-file-description lock, so threads conflict too);
a second writer of the same ref waits, then sees the blob committed. Every
descriptor is opened O_CLOEXEC, so runc or a shim never inherits a lock.
Disk full while writing: the partial data is discarded, blobs/ is untouched.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path

from nerdpy.content import Descriptor, Info
from nerdpy.digest import sha256_digest, sha256_hex
from nerdpy.errors import DataCorrupted, InvalidArgument, NotFound, Unavailable
from nerdpy.paths import private_dirs, write_private
from nerdpy.reference import check_digest

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO, Iterator

CHUNK = 1 << 20
_SPACE_ERRORS = (errno.ENOSPC, errno.EDQUOT)


def _hex(digest: str) -> str:
    return check_digest(digest)[len("sha256:") :]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class ContentStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.blobs = self.root / "blobs" / "sha256"
        self.ingest = self.root / "ingest"

    # -- reading -----------------------------------------------------------
    def path(self, digest: str) -> Path:
        return self.blobs / _hex(digest)

    def has(self, digest: str) -> bool:
        return self.path(digest).is_file()

    def info(self, digest: str) -> Info:
        try:
            st = os.stat(self.path(digest))
        except FileNotFoundError:
            raise NotFound(f"content {digest} not found") from None
        return Info(digest, st.st_size, st.st_mtime)

    def open(self, digest: str) -> BinaryIO:
        try:
            fd = os.open(self.path(digest), os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            raise NotFound(f"content {digest} not found") from None
        return os.fdopen(fd, "rb")

    def read_bytes(self, digest: str, max_size: int) -> bytes:
        """The whole blob, verified; refuses blobs larger than `max_size`."""
        with self.open(digest) as f:
            size = os.fstat(f.fileno()).st_size
            if size > max_size:
                raise DataCorrupted(f"content {digest} is {size} bytes, over the {max_size}-byte limit")
            data = f.read()
        if sha256_digest(data) != digest:
            raise DataCorrupted(f"content {digest} does not match its digest", hint="remove the image and pull/load it again")
        return data

    def walk(self) -> Iterator[Info]:
        try:
            entries = list(os.scandir(self.blobs))
        except FileNotFoundError:
            return
        for entry in entries:
            if len(entry.name) == 64 and not entry.name.startswith("."):
                try:
                    st = entry.stat()
                except FileNotFoundError:
                    continue
                yield Info("sha256:" + entry.name, st.st_size, st.st_mtime)

    # -- writing -----------------------------------------------------------
    def delete(self, digest: str) -> None:
        try:
            os.unlink(self.path(digest))
        except FileNotFoundError:
            raise NotFound(f"content {digest} not found") from None

    @contextmanager
    def writer(self, ref: str, expected: Descriptor | None = None) -> Iterator["Writer"]:
        """Own `ref` (waiting for another process that owns it) and write to it.

        Leaving the block without `commit()` keeps the partial data for a resume,
        unless the error was a verification failure or a full disk.
        """
        if not ref:
            raise InvalidArgument("content ref must not be empty")
        if expected is not None:
            check_digest(expected.digest)
        private_dirs(self.ingest)
        key = sha256_hex(ref.encode())[:32]
        lock_fd = self._lock(self.ingest / f"{key}.lock")
        assert lock_fd is not None  # a waiting lock is always taken
        w = None
        try:
            w = Writer(self, ref, self.ingest / key, expected)
            yield w
        except (DataCorrupted, Unavailable):
            if w is not None:
                w.discard()
            raise
        finally:
            if w is not None:
                w.close()
            self._drop_lock(key, lock_fd)

    def add_bytes(self, data: bytes, digest: str | None = None) -> str:
        """Store `data` (verified against `digest` when given); return its digest."""
        actual = sha256_digest(data)
        if digest is not None and digest != actual:
            raise DataCorrupted(f"content does not match its digest: expected {digest}, got {actual}")
        if self.has(actual):
            return actual
        with self.writer(f"bytes-{actual}", Descriptor("", actual, len(data))) as w:
            if not w.exists:
                w.truncate(0)
                w.write(data)
            w.commit()
        return actual

    def add_stream(self, ref: str, stream: BinaryIO, expected: Descriptor | None = None) -> Descriptor:
        """Copy `stream` into the store from its start; return the committed descriptor."""
        with self.writer(ref, expected) as w:
            if w.exists and expected is not None:
                return expected
            w.truncate(0)
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                w.write(chunk)
            digest = w.commit()
            return Descriptor(expected.media_type if expected else "", digest, w.offset)

    def abort(self, ref: str) -> None:
        """Drop the partial data of `ref` (waits for its writer)."""
        with self.writer(ref) as w:
            w.discard()

    def walk_ingests(self) -> Iterator[tuple[str, int, float]]:
        """(ref, offset, mtime) of every partial ingest."""
        try:
            entries = [e for e in os.scandir(self.ingest) if e.is_dir()]
        except FileNotFoundError:
            return
        for entry in entries:
            try:
                ref = (Path(entry.path) / "ref").read_text()
                st = os.stat(Path(entry.path) / "data")
            except OSError:
                continue
            yield ref, st.st_size, st.st_mtime

    def prune_ingests(self, older_than_s: float, any_age: tuple[str, ...] = ()) -> int:
        """Remove partial ingests nobody owns and nobody touched for a while; refs starting
        with an `any_age` prefix (never resumed, e.g. random per-load refs) whatever their age.
        Lock files without an ingest (left by older versions or killed writers) go too."""
        removed = 0
        for ref, _, mtime in list(self.walk_ingests()):
            if time.time() - mtime < older_than_s and not ref.startswith(any_age or ("\0",)):
                continue
            key = sha256_hex(ref.encode())[:32]
            fd = self._lock(self.ingest / f"{key}.lock", wait=False)
            if fd is None:
                continue
            _remove_tree(self.ingest / key)
            removed += 1
            self._drop_lock(key, fd)
        for entry in _listdir(self.ingest):
            key = entry[: -len(".lock")]
            if entry.endswith(".lock") and not os.path.exists(self.ingest / key / "data"):
                fd = self._lock(self.ingest / entry, wait=False)
                if fd is not None:  # no writer: an empty or half-made ingest dir goes too
                    _remove_tree(self.ingest / key)
                    self._drop_lock(key, fd)
        return removed

    def _drop_lock(self, key: str, fd: int) -> None:
        """Release the ref's flock; delete its lock file first when no ingest is left.
        Safe while others wait on it: `_lock` re-checks the inode after locking."""
        try:
            if not os.path.isdir(self.ingest / key):
                os.unlink(self.ingest / f"{key}.lock")
        except FileNotFoundError:
            pass
        finally:
            os.close(fd)

    @staticmethod
    def _lock(path: Path, wait: bool = True) -> int | None:
        while True:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                os.close(fd)
                return None
            except BaseException:
                os.close(fd)
                raise
            try:
                same = os.fstat(fd).st_ino == os.stat(path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                return fd
            os.close(fd)  # the lock file was replaced while we waited: lock the new one


class Writer:
    """One ref's ingest, owned by this process until the `writer()` block ends."""

    def __init__(self, store: ContentStore, ref: str, directory: Path, expected: Descriptor | None) -> None:
        self.store = store
        self.ref = ref
        self.directory = directory
        self.expected = expected
        self.exists = expected is not None and store.has(expected.digest)
        self._committed = False
        directory.mkdir(mode=0o700, exist_ok=True)
        ref_file = directory / "ref"
        if not ref_file.exists():
            write_private(ref_file, ref)
        self._fd = os.open(directory / "data", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        import hashlib  # streams: OpenSSL's speed matters more than its load time

        self._hash = hashlib.sha256()
        self.offset = 0
        self._rehash(os.fstat(self._fd).st_size)

    def _rehash(self, size: int) -> None:
        """Hash the first `size` bytes already received (a resumed ingest)."""
        import hashlib  # streams: OpenSSL's speed matters more than its load time

        self._hash = hashlib.sha256()
        self.offset = 0
        os.lseek(self._fd, 0, os.SEEK_SET)
        while self.offset < size:
            chunk = os.read(self._fd, min(CHUNK, size - self.offset))
            if not chunk:
                break
            self._hash.update(chunk)
            self.offset += len(chunk)
        if self.expected is not None and self.offset > self.expected.size:
            self._rehash(0)
            return
        os.ftruncate(self._fd, self.offset)
        os.lseek(self._fd, self.offset, os.SEEK_SET)

    def truncate(self, size: int) -> None:
        """Restart at `size` bytes (0: from scratch, e.g. the server ignored a Range)."""
        self._rehash(min(size, self.offset))

    def write(self, data: bytes) -> None:
        if self.expected is not None and self.offset + len(data) > self.expected.size:
            raise DataCorrupted(
                f"{self.ref}: more data than the expected {self.expected.size} bytes of {self.expected.digest}"
            )
        view = memoryview(data)
        try:
            while view:
                n = os.write(self._fd, view)
                view = view[n:]
        except OSError as exc:
            raise _space_error(exc, self.ref) from None
        self._hash.update(data)
        self.offset += len(data)

    def digest(self) -> str:
        return "sha256:" + self._hash.hexdigest()

    def commit(self, size: int | None = None, digest: str | None = None) -> str:
        """Verify and publish the blob; return its digest. Idempotent if it exists."""
        if self.exists and self.offset == 0 and self.expected is not None:
            # Another process committed it while we waited for the ref: nothing to publish.
            self.discard()
            return self.expected.digest
        actual = self.digest()
        want_digest = digest or (self.expected.digest if self.expected else None)
        want_size = size if size is not None else (self.expected.size if self.expected else None)
        if want_size is not None and self.offset != want_size:
            raise DataCorrupted(f"{self.ref}: got {self.offset} bytes, expected {want_size}")
        if want_digest is not None and actual != want_digest:
            raise DataCorrupted(f"{self.ref}: content digest {actual} does not match the expected {want_digest}")
        target = self.store.path(actual)
        if not target.exists():
            try:
                os.fsync(self._fd)
                os.fchmod(self._fd, 0o400)  # immutable, and private like every record
                private_dirs(self.store.blobs)
                os.rename(self.directory / "data", target)
                _fsync_dir(self.store.blobs)
            except OSError as exc:
                raise _space_error(exc, self.ref) from None
        self._committed = True
        self.discard()
        return actual

    def discard(self) -> None:
        _remove_tree(self.directory)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def _listdir(path: Path) -> list[str]:
    try:
        return os.listdir(path)
    except FileNotFoundError:
        return []


def _remove_tree(path: Path) -> None:
    """An ingest dir holds only the files `data` and `ref`: no tree walk needed."""
    for name in _listdir(path):
        try:
            os.unlink(path / name)
        except (FileNotFoundError, IsADirectoryError):
            pass
    try:
        os.rmdir(path)
    except (FileNotFoundError, OSError):
        pass


def _space_error(exc: OSError, ref: str) -> Exception:
    if exc.errno in _SPACE_ERRORS:
        return Unavailable(f"no space left on device while storing {ref}", hint="free disk space and retry")
    return Unavailable(f"cannot store {ref}: {exc.strerror}")
