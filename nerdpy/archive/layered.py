"""Resolve paths in an overlay upper directory as the merged view would, without mounting.

Applying a layer through a mounted overlay costs a kernel overlay lookup per
created file (measured ~290 us per file rootless on ext4, 15x a plain create).
Docker and podman write straight into the upper directory instead; this module
keeps the merged-view semantics that writing through the mount gave:

* a parent path is walked one component at a time over the upper dir and the
  lower dirs (nearest first), as overlayfs looks names up: the topmost entry
  wins, a whiteout (0/0 char device) hides the name, an opaque directory or a
  non-directory stops merging with the layers below;
* a symlink met on the way (in any layer) is followed with RESOLVE_IN_ROOT
  semantics: absolute targets restart at the root, `..` never climbs above it;
* a directory that exists only in a lower layer is copied up (an empty directory
  with the lower's owner, mode and times), exactly what overlayfs does on a write.

Lower layers are committed snapshots (immutable while we read them) and every
component appended to a lower path was first seen there as a real directory
(lstat), so no symlink inside a lower layer is ever followed by a path call.
Writes happen only in the upper directory, through dir fds and no-follow calls.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import Iterator, Sequence

from nerdpy.archive.confine import _DIR_PATH, _MAX_CACHED, _MAX_LINK_HOPS, Root, entry_error
from nerdpy.errors import DataCorrupted

OPAQUE_XATTRS = ("trusted.overlay.opaque", "user.overlay.opaque", "user.fuseoverlayfs.opaque")
_NOFOLLOW_DIR = _DIR_PATH | os.O_NOFOLLOW
_PRIVATE_XATTRS = ("trusted.overlay.", "user.overlay.", "user.fuseoverlayfs.")


def _opaque(path: str) -> bool:
    for name in OPAQUE_XATTRS:
        try:
            if os.getxattr(path, name) == b"y":
                return True
        except OSError:
            continue
    return False


def _whiteout(st: os.stat_result) -> bool:
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == 0


class LayeredRoot(Root):
    """A `Root` over an overlay upper dir whose lower dirs are `lowers` (nearest first)."""

    def __init__(self, upper: str, lowers: Sequence[str], opaque_xattr: str) -> None:
        super().__init__(upper)
        self.opaque_xattr = opaque_xattr
        self.lowers = self._below(list(lowers))

    @staticmethod
    def _below(paths: list[str]) -> list[str]:
        """The dirs that merge into one directory: up to the first opaque one."""
        for i, path in enumerate(paths):
            if _opaque(path):
                return paths[: i + 1]
        return paths

    # -- Root overrides: fall back to the merged walk where the upper dir alone fails --
    def open_dir(self, path: str, flags: int = _DIR_PATH) -> int:
        try:
            return super().open_dir(path, flags)
        except OSError as exc:
            if exc.errno not in (errno.ENOENT, errno.ENOTDIR):
                raise
        fd, _ = self.resolve(path)
        if flags == _DIR_PATH:
            return fd
        try:
            return os.open(".", flags, dir_fd=fd)
        finally:
            os.close(fd)

    def parent(self, path: str, create: bool = True) -> int | None:
        """Cached fd of merged directory `path`, created (or copied up) when missing.
        `create` is ignored: with overlay whiteouts every parent is made."""
        if not path:
            return self.fd
        fd = self._dirs.get(path)
        if fd is None:
            try:
                fd = self.open_dir(path)
            except OSError as exc:
                raise entry_error(path, exc) from None
            if len(self._dirs) >= _MAX_CACHED:
                self._evict()
            self._dirs[path] = fd
        return fd

    # -- the merged walk ---------------------------------------------------------------
    def resolve(self, path: str) -> tuple[int, list[str]]:
        """(O_PATH fd of the upper dir for merged directory `path`, the lower dirs that
        merge into it). Missing directories are created, lower-only ones copied up."""
        fd, lowers = os.dup(self.fd), self._root_lowers()
        stack: list[tuple[int, list[str]]] = []
        comps = [c for c in reversed(path.split("/"))]
        hops = 0
        try:
            while comps:
                comp = comps.pop()
                if comp in ("", "."):
                    continue
                if comp == "..":
                    if stack:
                        os.close(fd)
                        fd, lowers = stack.pop()
                    continue
                link, step = self._step(fd, lowers, comp)
                if link is not None:
                    hops += 1
                    if hops > _MAX_LINK_HOPS:
                        raise DataCorrupted(f"layer path {path!r}: too many levels of symbolic links")
                    comps.extend(reversed(link.split("/")))
                    if link.startswith("/"):
                        for old, _ in stack:
                            os.close(old)
                        stack.clear()
                        os.close(fd)
                        fd, lowers = os.dup(self.fd), self._root_lowers()
                    continue
                assert step is not None
                stack.append((fd, lowers))
                fd, lowers = step
            return fd, lowers
        except BaseException:
            os.close(fd)
            raise
        finally:
            for old, _ in stack:
                os.close(old)

    def _root_lowers(self) -> list[str]:
        # An opaque marker at the layer's root hides every lower layer.
        return [] if _opaque(f"/proc/self/fd/{self.fd}") else list(self.lowers)

    def _step(self, fd: int, lowers: list[str], comp: str) -> tuple[str | None, tuple[int, list[str]] | None]:
        """One component: (symlink target to follow, None) or (None, (child fd, child lowers))."""
        try:
            st = os.stat(comp, dir_fd=fd, follow_symlinks=False)
        except FileNotFoundError:
            st = None
        if st is not None:
            if stat.S_ISLNK(st.st_mode):
                return os.readlink(comp, dir_fd=fd), None
            if stat.S_ISDIR(st.st_mode):
                child = os.open(comp, _NOFOLLOW_DIR, dir_fd=fd)
                opaque = _opaque(f"/proc/self/fd/{child}")
                return None, (child, [] if opaque else self._merging(lowers, comp))
            if not _whiteout(st):
                raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), comp)
            # A whiteout made by this layer: a new directory hides everything below it.
            os.unlink(comp, dir_fd=fd)
            return None, (self._mkdir(fd, comp, None, opaque=True), [])
        found = self._lookup(lowers, comp)
        if found is None:
            return None, (self._mkdir(fd, comp, None), [])
        lst, lpath = found
        if stat.S_ISLNK(lst.st_mode):
            return os.readlink(lpath), None
        if not stat.S_ISDIR(lst.st_mode):
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), comp)
        return None, (self._mkdir(fd, comp, lst), self._merging(lowers, comp))

    def _mkdir(self, fd: int, comp: str, like: os.stat_result | None, opaque: bool = False) -> int:
        """Create directory `comp` in the upper dir: 0755, or a copy-up of lower dir `like`."""
        os.mkdir(comp, 0o755 if like is None else 0o700, dir_fd=fd)
        if like is not None:
            os.chown(comp, like.st_uid, like.st_gid, dir_fd=fd, follow_symlinks=False)
            os.chmod(comp, stat.S_IMODE(like.st_mode), dir_fd=fd)
            os.utime(comp, ns=(like.st_atime_ns, like.st_mtime_ns), dir_fd=fd, follow_symlinks=False)
        child = os.open(comp, _NOFOLLOW_DIR, dir_fd=fd)
        if opaque:
            os.setxattr(f"/proc/self/fd/{child}", self.opaque_xattr, b"y")
        return child

    @staticmethod
    def _present(lowers: list[str], comp: str) -> Iterator[tuple[os.stat_result, str]]:
        """(lstat, path) of `comp` in each lower dir that has it, nearest first."""
        for base in lowers:
            path = f"{base}/{comp}"
            try:
                yield os.lstat(path), path
            except FileNotFoundError:
                continue

    def _lookup(self, lowers: list[str], comp: str) -> tuple[os.stat_result, str] | None:
        """The topmost lower entry named `comp` (lstat, path); None if absent or whited out."""
        for st, path in self._present(lowers, comp):
            return None if _whiteout(st) else (st, path)
        return None

    def _merging(self, lowers: list[str], comp: str) -> list[str]:
        """Lower dirs named `comp` that merge below the topmost one: stop at a non-directory."""
        out = []
        for st, path in self._present(lowers, comp):
            if not stat.S_ISDIR(st.st_mode):
                break
            out.append(path)
            if _opaque(path):
                break
        return out

    # -- hardlinks to lower files --------------------------------------------------------
    def copy_up(self, parent: str, name: str) -> bool:
        """Copy lower file `parent/name` into the upper dir (a link target); False if absent."""
        fd, lowers = self.resolve(parent)
        try:
            found = self._lookup(lowers, name)
            if found is None:
                return False
            st, path = found
            if stat.S_ISLNK(st.st_mode):
                os.symlink(os.readlink(path), name, dir_fd=fd)
                os.chown(name, st.st_uid, st.st_gid, dir_fd=fd, follow_symlinks=False)
            elif stat.S_ISREG(st.st_mode):
                _copy_file(path, fd, name, st)
            else:
                return False
            os.utime(name, ns=(st.st_atime_ns, st.st_mtime_ns), dir_fd=fd, follow_symlinks=False)
            return True
        finally:
            os.close(fd)


def _copy_file(path: str, dir_fd: int, name: str, st: os.stat_result) -> None:
    src = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        dst = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600,
                      dir_fd=dir_fd)
        try:
            left = st.st_size
            while left > 0:
                n = os.copy_file_range(src, dst, left)
                if n == 0:
                    break
                left -= n
            os.fchown(dst, st.st_uid, st.st_gid)
            os.fchmod(dst, stat.S_IMODE(st.st_mode))  # after chown, which clears setuid
            for attr in os.listxattr(src):
                if not attr.startswith(_PRIVATE_XATTRS):
                    try:
                        os.setxattr(dst, attr, os.getxattr(src, attr))
                    except OSError:
                        pass  # as overlay's copy-up: xattrs the filesystem refuses are dropped
        finally:
            os.close(dst)
    finally:
        os.close(src)
