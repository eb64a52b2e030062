"""rm -rf for trees nerdpy does not control (image layers, container changes, volumes).

Iterative and fd-based: no recursion (a 100,000-level tree removes like a flat
one), one directory fd open at a time (no fd-per-level exhaustion), symlinks are
unlinked and never followed. Going back up uses `..` of the open directory and
checks it is the directory we came from (st_dev, st_ino), so a tree moved under
us stops the removal with an error instead of deleting somewhere else.
Directories whose mode forbids removal (0500 in an image) are made writable
through the fd that was opened and checked. No shutil: it recurses, and it
drags zlib, bz2 and lzma onto the `run` path.
"""

from __future__ import annotations

import errno
import os
import stat

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def remove_tree(path: str | os.PathLike[str]) -> bool:
    """Remove `path` (a tree, file or symlink). False when it did not exist."""
    parent, name = os.path.split(os.path.abspath(os.fspath(path)))
    try:
        dir_fd = os.open(parent or "/", _DIR & ~os.O_NOFOLLOW)
    except FileNotFoundError:
        return False
    try:
        return remove_at(dir_fd, name)
    finally:
        os.close(dir_fd)


def remove_quietly(path: str | os.PathLike[str]) -> None:
    """remove_tree, best effort (leftovers are retried by the next cleanup)."""
    try:
        remove_tree(path)
    except OSError:
        pass


def remove_at(dir_fd: int, name: str) -> bool:
    """Remove `name` in the open directory `dir_fd`. False when it did not exist."""
    try:
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    if not stat.S_ISDIR(st.st_mode):
        _unlink(dir_fd, name)
        return True
    empty_dir(dir_fd, name, st)
    try:
        os.rmdir(name, dir_fd=dir_fd)
    except FileNotFoundError:
        pass
    return True


def empty_dir(parent_fd: int, name: str, st: os.stat_result) -> None:
    """Remove everything below directory `name` (whose lstat is `st`), depth first."""
    fd = _open_dir(parent_fd, name, st)
    path: list[tuple[str, tuple[int, int]]] = [(name, (st.st_dev, st.st_ino))]
    try:
        while True:
            child = _clear_files(fd)
            if child is not None:
                child_fd = _open_dir(fd, *child)
                os.close(fd)
                fd = child_fd
                path.append((child[0], (child[1].st_dev, child[1].st_ino)))
                continue
            if len(path) == 1:
                return
            done, _ = path.pop()
            up = os.open("..", _DIR & ~os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = up
            ident = os.fstat(fd)
            if (ident.st_dev, ident.st_ino) != path[-1][1]:
                raise OSError(errno.ESTALE, f"{'/'.join(p for p, _ in path)} moved while it was being removed")
            try:
                os.rmdir(done, dir_fd=fd)
            except FileNotFoundError:
                pass
    finally:
        os.close(fd)


def _clear_files(fd: int) -> tuple[str, os.stat_result] | None:
    """Unlink every non-directory in `fd`; the first subdirectory left, if any."""
    with os.scandir(fd) as entries:
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            if stat.S_ISDIR(st.st_mode):
                return entry.name, st
            _unlink(fd, entry.name)
    return None


def _unlink(dir_fd: int, name: str) -> None:
    try:
        os.unlink(name, dir_fd=dir_fd)
    except FileNotFoundError:
        pass
    except PermissionError:
        _make_writable(dir_fd)
        try:
            os.unlink(name, dir_fd=dir_fd)
        except FileNotFoundError:
            pass


def _open_dir(parent_fd: int, name: str, st: os.stat_result) -> int:
    """The directory `name`, checked to be the one lstat saw, made writable for removal."""
    try:
        fd = os.open(name, _DIR, dir_fd=parent_fd)
    except PermissionError:  # mode 0000 and no CAP_DAC_OVERRIDE: open by O_PATH, chmod, reopen
        _make_writable(parent_fd, name, st)
        fd = os.open(name, _DIR, dir_fd=parent_fd)
    now = os.fstat(fd)
    if (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
        os.close(fd)
        raise OSError(errno.ESTALE, f"{name} was replaced while it was being removed")
    if now.st_mode & 0o300 != 0o300:
        _make_writable(fd)
    return fd


def _make_writable(dir_fd: int, name: str | None = None, st: os.stat_result | None = None) -> None:
    """chmod u+rwx of `dir_fd` (or of its child `name`, a directory matching `st`), never by path."""
    fd = dir_fd
    if name is not None:
        fd = os.open(name, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
    try:
        now = os.fstat(fd)
        if st is not None and (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
            return
        if stat.S_ISDIR(now.st_mode):
            os.chmod(f"/proc/self/fd/{fd}", stat.S_IMODE(now.st_mode) | 0o700)
    except OSError:
        pass  # not ours to change: the removal reports what fails
    finally:
        if fd != dir_fd:
            os.close(fd)
