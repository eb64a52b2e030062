"""File operations inside a container's rootfs that can never leave it.

Every path is resolved with openat2(RESOLVE_IN_ROOT): symlinks in the image are
followed as if the rootfs were `/`, `..` stops at the root, magic links are
refused. The rootfs is untrusted (image content), so nothing here follows a
path on the host side.
"""

from __future__ import annotations

import errno
import os
import stat

from nerdpy.errors import InvalidArgument
from nerdpy.linux import libc

_RESOLVE = libc.RESOLVE_IN_ROOT | libc.RESOLVE_NO_MAGICLINKS
MAX_DB_FILE = 4 << 20  # /etc/passwd, /etc/group: generous, but bounded


def _rel(path: str) -> str:
    parts = [p for p in path.split("/") if p not in ("", ".")]
    return "/".join(parts) or "."


def open_in_root(root_fd: int, path: str, flags: int, mode: int = 0) -> int:
    return libc.openat2(root_fd, _rel(path), flags | os.O_CLOEXEC, mode, _RESOLVE)


def open_root(rootfs: str) -> int:
    return os.open(rootfs, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)


def read_file(rootfs: str, path: str, max_size: int = MAX_DB_FILE) -> bytes | None:
    """The bytes of a regular file inside the rootfs; None when it does not exist.

    Anything that is not a regular file, or is larger than `max_size`, reads as
    absent: image databases are data, never a way to make us read a device.
    """
    root = open_root(rootfs)
    try:
        try:
            fd = open_in_root(root, path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
        except OSError:
            return None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_size > max_size:
                return None
            return os.read(fd, max_size + 1)[:max_size]
        finally:
            os.close(fd)
    finally:
        os.close(root)


def makedirs(rootfs: str, path: str, mode: int = 0o755, uid: int = -1, gid: int = -1,
             what: str = "working directory") -> None:
    """mkdir -p inside the rootfs (Docker's SetupWorkingDirectory).

    Raises InvalidArgument when a component exists and is not a directory.
    New directories get `uid`/`gid` when given (the container user owns its workdir).
    """
    root = open_root(rootfs)
    try:
        current = os.dup(root)
        walked = ""
        for part in _rel(path).split("/"):
            if part == ".":
                continue
            walked += "/" + part
            current = _step_dir(root, current, walked, part, mode, uid, gid, path, what)
        os.close(current)
    finally:
        os.close(root)


def _step_dir(root: int, parent: int, walked: str, part: str, mode: int, uid: int, gid: int, full: str,
              what: str) -> int:
    try:
        fd = open_in_root(root, walked, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        if exc.errno == errno.ENOTDIR:
            os.close(parent)
            raise InvalidArgument(f"cannot use {full!r} as {what}: {walked} is not a directory") from None
        if exc.errno != errno.ENOENT:
            os.close(parent)
            raise
        try:
            os.mkdir(part, mode, dir_fd=parent)
            if uid >= 0 or gid >= 0:
                os.chown(part, uid, gid, dir_fd=parent, follow_symlinks=False)
        except FileExistsError:
            pass  # a symlink (or a racing mkdir): resolve it in root below
        try:
            fd = open_in_root(root, walked, os.O_RDONLY | os.O_DIRECTORY)
        except OSError as exc:
            os.close(parent)
            raise InvalidArgument(f"cannot create {what} {full!r}: {walked}: {exc.strerror}") from None
    os.close(parent)
    return fd


def ensure_mountpoint(rootfs: str, path: str, directory: bool, replace_mismatch: bool = True) -> None:
    """Make `path` a real directory or empty file inside the rootfs, as Docker's
    init layer does: parents are resolved in root, and anything at the final
    component that is not of the right type (a planted symlink above all) is
    removed first, so runc's mounts cannot be redirected. With
    `replace_mismatch=False` only a symlink (or other special file) is replaced:
    an existing directory or regular file of the other kind is left alone."""
    rel = _rel(path)
    parent, _, name = rel.rpartition("/")
    makedirs(rootfs, "/" + parent if parent else "/", what="mount point")
    root = open_root(rootfs)
    try:
        pfd = open_in_root(root, parent or ".", os.O_RDONLY | os.O_DIRECTORY)
        try:
            _replace_entry(pfd, name, directory, replace_mismatch)
        finally:
            os.close(pfd)
    finally:
        os.close(root)


def _replace_entry(dirfd: int, name: str, directory: bool, replace_mismatch: bool = True) -> None:
    try:
        st = os.stat(name, dir_fd=dirfd, follow_symlinks=False)
    except FileNotFoundError:
        st = None
    if st is not None:
        if directory and stat.S_ISDIR(st.st_mode):
            return
        if not directory and stat.S_ISREG(st.st_mode):
            return
        if not replace_mismatch and (stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode)):
            return
        if stat.S_ISDIR(st.st_mode):
            _remove_tree(dirfd, name)
        else:
            os.unlink(name, dir_fd=dirfd)
    if directory:
        os.mkdir(name, 0o755, dir_fd=dirfd)
    else:
        os.close(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644, dir_fd=dirfd))


def _remove_tree(dirfd: int, name: str) -> None:
    from nerdpy.linux.rmtree import remove_at

    remove_at(dirfd, name)


def is_directory(rootfs: str, path: str) -> bool | None:
    """True/False for an existing path (resolved in root); None when absent."""
    root = open_root(rootfs)
    try:
        try:
            fd = open_in_root(root, path, os.O_PATH)
        except OSError:
            return None
        try:
            return stat.S_ISDIR(os.fstat(fd).st_mode)
        finally:
            os.close(fd)
    finally:
        os.close(root)
