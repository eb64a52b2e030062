"""Filesystem operations confined to a root directory, for untrusted layer entries.

Names are cleaned lexically and refused if they climb above the root. Parent
directories are opened with openat2(RESOLVE_IN_ROOT): every symlink on the way
(from this layer or a lower one) resolves as if the root were `/`, so `..` and
absolute targets cannot leave it. The final component is then only ever used
with dir-fd, no-follow calls, so a symlink in that position is never traversed.
"""

from __future__ import annotations

import errno
import os
import posixpath
import stat
from typing import Callable

from nerdpy.errors import DataCorrupted
from nerdpy.linux import libc

_RESOLVE = libc.RESOLVE_IN_ROOT | libc.RESOLVE_NO_MAGICLINKS
_DIR_PATH = os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC
_MAX_CACHED = 256
_MAX_LINK_HOPS = 40


def _openat2(dirfd: int, path: str, flags: int, resolve: int = _RESOLVE) -> int:
    return libc.openat2(dirfd, path, flags, 0, resolve)  # retries EAGAIN itself


def clean(name: str) -> str:
    """The entry name relative to the root ("" for the root itself); refuses escapes."""
    if "\x00" in name:
        raise DataCorrupted(f"layer entry {name!r} has a NUL byte in its name")
    path = posixpath.normpath(name.lstrip("/")) if name.strip("/") else "."
    if path == ".." or path.startswith("../"):
        raise DataCorrupted(f"layer entry {name!r} points outside the root", hint="the image is malformed or hostile")
    return "" if path == "." else path


class Root:
    """An open root directory and a cache of resolved parent directories."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, _DIR_PATH)
        self._real = os.readlink(f"/proc/self/fd/{self.fd}")
        self._dirs: dict[str, int] = {}

    def close(self) -> None:
        self.forget()
        os.close(self.fd)

    def forget(self, keep: str | None = None) -> None:
        """Drop cached directory fds: call after anything was removed or replaced.

        `keep`: the directory a child was removed from; its fd stays valid (and
        the caller may still be using it).
        """
        kept = self._dirs.pop(keep, None) if keep is not None else None
        for fd in self._dirs.values():
            os.close(fd)
        self._dirs.clear()
        if keep is not None and kept is not None:
            self._dirs[keep] = kept

    def open_dir(self, path: str, flags: int = _DIR_PATH) -> int:
        """A new fd for directory `path` resolved in the root (caller closes it)."""
        if not path:
            return os.open(".", flags, dir_fd=self.fd) if flags != _DIR_PATH else os.dup(self.fd)
        return _openat2(self.fd, path, flags)

    def parent(self, path: str, create: bool = True) -> int | None:
        """O_PATH fd (cached, do not close) of directory `path`; missing dirs are
        created 0755 when `create`, else None is returned."""
        if not path:
            return self.fd
        fd = self._dirs.get(path)
        if fd is not None:
            return fd
        try:
            fd = self.open_dir(path)
        except OSError as exc:
            if exc.errno == errno.ENOENT and create:
                fd = self._make_dirs(path, 0)
            elif exc.errno in (errno.ENOENT, errno.ENOTDIR) and not create:
                return None
            else:
                raise _entry_error(path, exc) from None
        if len(self._dirs) >= _MAX_CACHED:
            self._evict()
        self._dirs[path] = fd
        return fd

    def _evict(self) -> None:
        # Close the older half; a caller never holds more than the newest fd.
        for path in list(self._dirs)[: len(self._dirs) // 2]:
            os.close(self._dirs.pop(path))

    def _make_dirs(self, path: str, hops: int) -> int:
        """Create the missing components of `path`, following (in-root) dangling
        symlinks the way the kernel would resolve them once their targets exist."""
        if hops > _MAX_LINK_HOPS:
            raise DataCorrupted(f"layer path {path!r}: too many levels of symbolic links")
        cur = os.dup(self.fd)
        prefix = ""
        try:
            for comp in path.split("/"):
                prefix = f"{prefix}/{comp}" if prefix else comp
                try:
                    nxt = _openat2(self.fd, prefix, _DIR_PATH)
                except OSError as exc:
                    if exc.errno != errno.ENOENT:
                        raise _entry_error(prefix, exc) from None
                    nxt = self._make_one(cur, comp, hops)
                os.close(cur)
                cur = nxt
            return cur
        except BaseException:
            os.close(cur)
            raise

    def _make_one(self, parent_fd: int, comp: str, hops: int) -> int:
        try:
            os.mkdir(comp, 0o755, dir_fd=parent_fd)
        except FileExistsError:
            # A dangling symlink (lib -> usr/lib with usr/lib missing): create its target.
            st = os.stat(comp, dir_fd=parent_fd, follow_symlinks=False)
            if not stat.S_ISLNK(st.st_mode):
                raise
            link = os.readlink(comp, dir_fd=parent_fd)
            here = self.path_of(parent_fd)
            target = posixpath.normpath(posixpath.join("/" + here, link)).lstrip("/")
            if target and not target.startswith(".."):
                os.close(self._make_dirs(target, hops + 1))
        return self._reopen(parent_fd, comp)

    def _reopen(self, parent_fd: int, comp: str) -> int:
        path = posixpath.join(self.path_of(parent_fd), comp)
        return _openat2(self.fd, path, _DIR_PATH)

    def path_of(self, fd: int) -> str:
        """Where an fd below the root is, relative to the root (kernel's view)."""
        real = os.readlink(f"/proc/self/fd/{fd}")
        rel = os.path.relpath(real, self._real)
        if rel == ".":
            return ""
        if rel.startswith(".."):
            raise DataCorrupted(f"layer path escaped the root: {real}")
        return rel


def remove(dir_fd: int, name: str) -> bool:
    """Remove `name` in `dir_fd` (iteratively, never following symlinks). False if absent."""
    from nerdpy.linux.rmtree import remove_at

    return remove_at(dir_fd, name)


def remove_children(dir_fd: int, doomed: Callable[[str], bool]) -> None:
    """Remove every child of the open directory `dir_fd` for which doomed(name) is true."""
    for name in os.listdir(dir_fd):
        if doomed(name):
            remove(dir_fd, name)


_RESOURCE_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.ENOMEM, errno.EMFILE)


def _entry_error(path: str, exc: OSError) -> Exception:
    from nerdpy.errors import Unavailable

    text = f"cannot apply layer entry {path!r}: {exc.strerror}"
    if exc.errno in _RESOURCE_ERRORS:
        return Unavailable(text)
    return DataCorrupted(text)


entry_error = _entry_error
