"""Race-free reads of a tree someone else controls (a container's rootfs, a snapshot's upper dir).

One walker for export, commit, diff and cp. Every step goes through directory
fds: a child is opened relative to its parent's fd with O_NOFOLLOW, then
fstat'ed and compared with the lstat it was chosen by (st_dev, st_ino, type);
file data is read only from an fd checked the same way (and opened first with
O_PATH, so a device node swapped in is never even opened for reading);
symlinks are read with readlinkat and never followed. A tree that changes
under the walk is not an error: a vanished or replaced entry is skipped.

The walk is iterative and holds one directory fd at a time (the way back up is
`..`, checked against the directory we came from), so depth costs neither
recursion nor file descriptors. It stops with a clear error below MAX_DEPTH
levels: past that, tar names alone grow with the square of the depth.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import Iterator

from nerdpy.errors import InvalidArgument
from nerdpy.linux import libc
from nerdpy.records import record

# Twice what a path can reach (PATH_MAX 4096: 2048 one-letter levels); deeper
# trees exist only when built fd by fd, and would cost quadratic time and memory.
MAX_DEPTH = 4096

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_BENEATH = libc.RESOLVE_BENEATH | libc.RESOLVE_NO_SYMLINKS | libc.RESOLVE_NO_MAGICLINKS
_VANISHED = (errno.ENOENT, errno.ENOTDIR, errno.ELOOP, errno.ESTALE, errno.EACCES, errno.EPERM, errno.ENXIO)
PRIVATE_XATTR_PREFIXES = ("trusted.overlay.", "user.overlay.", "user.fuseoverlayfs.")


@record
class Entry:
    """One entry of a walk. `dir_fd` (its parent) and `fd` (the entry itself, for
    directories) are valid only until the walk moves on."""

    dir_fd: int
    name: str
    rel: str  # path below the walk's root, no leading slash
    st: os.stat_result
    fd: int = -1


class _Frame:
    __slots__ = ("rel", "ident", "names")

    def __init__(self, rel: str, ident: tuple[int, int], names: list[str]) -> None:
        self.rel, self.ident, self.names = rel, ident, names


def same(a: os.stat_result, b: os.stat_result) -> bool:
    """The same inode, of the same type."""
    return (a.st_dev, a.st_ino, stat.S_IFMT(a.st_mode)) == (b.st_dev, b.st_ino, stat.S_IFMT(b.st_mode))


def open_dir(dir_fd: int, name: str, st: os.stat_result | None = None) -> int | None:
    """Directory `name` of `dir_fd`, never through a symlink; None if it is gone or is
    no longer the directory `st` described."""
    try:
        fd = os.open(name, _DIR, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno in _VANISHED:
            return None
        raise
    if st is not None and not same(os.fstat(fd), st):
        os.close(fd)
        return None
    return fd


def open_regular(dir_fd: int, name: str, st: os.stat_result) -> tuple[int, os.stat_result] | None:
    """(fd for reading, fstat) of regular file `name`, only if it is still the inode `st`
    describes. Opened as O_PATH first: a device or fifo swapped in is never opened."""
    try:
        path_fd = os.open(name, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno in _VANISHED:
            return None
        raise
    try:
        now = os.fstat(path_fd)
        if not stat.S_ISREG(now.st_mode) or not same(now, st):
            return None
        try:  # the magic link names this inode; no name is resolved again
            fd = os.open(f"/proc/self/fd/{path_fd}", os.O_RDONLY | os.O_CLOEXEC | os.O_NOCTTY)
        except OSError as exc:
            if exc.errno in _VANISHED:
                return None
            raise
        return fd, now
    finally:
        os.close(path_fd)


def read_link(dir_fd: int, name: str) -> str | None:
    try:
        return os.readlink(name, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno in _VANISHED or exc.errno == errno.EINVAL:  # gone, or no longer a symlink
            return None
        raise


def xattrs(fd: int) -> dict[str, bytes]:
    """The xattrs of an open file or directory, without overlay's private ones."""
    out: dict[str, bytes] = {}
    try:
        names = os.listxattr(fd)
    except OSError:
        return out
    for name in names:
        if name.startswith(PRIVATE_XATTR_PREFIXES):
            continue
        try:
            out[name] = os.getxattr(fd, name)
        except OSError:
            continue
    return out


def _parent_beneath(root_fd: int, rel: str) -> tuple[int, str] | None:
    parent, _, name = rel.rpartition("/")
    try:
        return libc.openat2(root_fd, parent or ".", _DIR, 0, _BENEATH), name
    except OSError:
        return None


def lstat_beneath(root_fd: int, rel: str) -> os.stat_result | None:
    """lstat of `rel` below `root_fd`, no symlink followed on the way; None if absent."""
    found = _parent_beneath(root_fd, rel)
    if found is None:
        return None
    try:
        return os.stat(found[1], dir_fd=found[0], follow_symlinks=False)
    except OSError:
        return None
    finally:
        os.close(found[0])


def readlink_beneath(root_fd: int, rel: str) -> str | None:
    """The target of symlink `rel` below `root_fd`; None if it is not one."""
    found = _parent_beneath(root_fd, rel)
    if found is None:
        return None
    try:
        return read_link(found[0], found[1])
    finally:
        os.close(found[0])


def walk(root_fd: int, max_depth: int = MAX_DEPTH) -> Iterator[Entry]:
    """Every entry below `root_fd`, parents before children, names sorted."""
    fd = os.open(".", _DIR, dir_fd=root_fd)
    top = os.fstat(fd)
    frames = [_Frame("", (top.st_dev, top.st_ino), sorted(os.listdir(fd), reverse=True))]
    try:
        while frames:
            frame = frames[-1]
            if not frame.names:
                frames.pop()
                if frames:
                    fd = _up(root_fd, fd, frames)
                continue
            name = frame.names.pop()
            try:
                st = os.stat(name, dir_fd=fd, follow_symlinks=False)
            except OSError as exc:
                if exc.errno in _VANISHED:
                    continue
                raise
            rel = f"{frame.rel}/{name}" if frame.rel else name
            if not stat.S_ISDIR(st.st_mode):
                yield Entry(fd, name, rel, st)
                continue
            child = _enter(fd, name, st, rel, len(frames), max_depth)
            if child is None:
                continue
            child_fd, names = child
            try:
                yield Entry(fd, name, rel, st, child_fd)
            except BaseException:
                os.close(child_fd)
                raise
            os.close(fd)
            fd = child_fd
            frames.append(_Frame(rel, (st.st_dev, st.st_ino), sorted(names, reverse=True)))
    finally:
        os.close(fd)


def _enter(fd: int, name: str, st: os.stat_result, rel: str, depth: int,
           max_depth: int) -> tuple[int, list[str]] | None:
    if depth >= max_depth:
        raise InvalidArgument(f"{rel[:200]}...: the tree is deeper than {max_depth} levels",
                              hint="nerdpy reads trees up to that depth")
    child_fd = open_dir(fd, name, st)
    if child_fd is None:
        return None
    try:
        return child_fd, os.listdir(child_fd)
    except OSError as exc:
        os.close(child_fd)
        if exc.errno in _VANISHED:
            return None
        raise


def _up(root_fd: int, fd: int, frames: list[_Frame]) -> int:
    """The fd of frames[-1]'s directory, reached from its child `fd` (which is closed).
    If the directory moved meanwhile, it is reopened below the root by its path; a
    frame that cannot be is dropped (its remaining entries vanished with it)."""
    try:
        up = os.open("..", _DIR & ~os.O_NOFOLLOW, dir_fd=fd)
    finally:
        os.close(fd)
    st = os.fstat(up)
    if (st.st_dev, st.st_ino) == frames[-1].ident:
        return up
    os.close(up)
    while len(frames) > 1:
        try:
            up = libc.openat2(root_fd, frames[-1].rel, _DIR, 0, _BENEATH)
        except OSError:
            frames.pop()
            continue
        st = os.fstat(up)
        if (st.st_dev, st.st_ino) == frames[-1].ident:
            return up
        os.close(up)
        frames.pop()
    return os.open(".", _DIR, dir_fd=root_fd)
