"""`cp` from a container to the host (files, or a tar stream for `cp CONTAINER:PATH -`).

The container's tree is read through checked directory fds (nerdpy.archive.walk):
a symlink, device node or fifo swapped in for a file while we copy is never
followed, opened or read; what vanishes meanwhile is left out. Iterative, so
any depth up to the walker's limit works.
"""

from __future__ import annotations

import os
import stat

from nerdpy.containers.copy import _NOFOLLOW, _open_parent, _pump
from nerdpy.errors import InvalidArgument, NotFound

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO


def copy_out(rootfs: str, path: str, dest: str, archive: bool = False, as_name: str = "") -> None:
    """`archive` (`cp -a`): keep owners; `as_name`: the name a copy into a directory
    takes (`cp -L` copies a link's target under the link's name)."""
    parent_fd, name = _open_parent(rootfs, path)
    try:
        if not name:  # the root itself
            name, parent_fd = ".", parent_fd
        try:
            st = os.stat(name, dir_fd=parent_fd, follow_symlinks=False)
        except FileNotFoundError:
            raise NotFound(f"could not find the file {path} in container") from None
        contents_only = path.endswith("/.")
        target = dest
        if os.path.isdir(dest) and not contents_only:
            target = os.path.join(dest, as_name or os.path.basename(os.path.normpath(path)) or "root")
        elif stat.S_ISDIR(st.st_mode) and os.path.exists(dest) and not os.path.isdir(dest):
            raise InvalidArgument(f"cannot copy a directory to {dest}: it is not a directory")
        _get(parent_fd, name, st, target, archive)
    finally:
        os.close(parent_fd)


def _get(dir_fd: int, name: str, st: os.stat_result, target: str, archive: bool) -> None:
    """Copy entry `name` of `dir_fd` (lstat `st`) to host path `target`, iteratively:
    every container file is read through an fd checked against its entry (nerdpy.archive.walk)."""
    from nerdpy.archive.walk import open_dir, walk

    if not stat.S_ISDIR(st.st_mode):
        _get_one(dir_fd, name, st, target, archive)
        return
    fd = open_dir(dir_fd, name, st)
    if fd is None:
        raise NotFound(f"could not find the file {name} in container: it changed during the copy")
    dirs = [(target, st)]
    try:
        os.makedirs(target, exist_ok=True)
        for entry in walk(fd):
            path = os.path.join(target, entry.rel)
            if stat.S_ISDIR(entry.st.st_mode):
                os.makedirs(path, exist_ok=True)
                dirs.append((path, entry.st))
            else:
                _get_one(entry.dir_fd, entry.name, entry.st, path, archive)
    finally:
        os.close(fd)
    for path, dst in reversed(dirs):  # modes last: a 0500 directory still receives its files
        if archive:
            os.chown(path, dst.st_uid, dst.st_gid)
        os.chmod(path, stat.S_IMODE(dst.st_mode))


def _get_one(dir_fd: int, name: str, st: os.stat_result, target: str, archive: bool) -> None:
    from nerdpy.archive.walk import open_regular, read_link

    mode = st.st_mode
    if stat.S_ISLNK(mode):
        link = read_link(dir_fd, name)
        if link is None:
            return  # replaced meanwhile: not a symlink to copy any more
        if os.path.lexists(target):
            os.unlink(target)
        os.symlink(link, target)
        if archive:
            os.lchown(target, st.st_uid, st.st_gid)
    elif stat.S_ISREG(mode):
        opened = open_regular(dir_fd, name, st)  # a device node swapped in is never read
        if opened is None:
            return
        src = opened[0]
        try:
            if os.path.islink(target):
                os.unlink(target)
            dst = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _NOFOLLOW, 0o600)
            try:
                _pump(src, dst)
                if archive:
                    os.fchown(dst, st.st_uid, st.st_gid)
                os.fchmod(dst, stat.S_IMODE(mode))
            finally:
                os.close(dst)
        finally:
            os.close(src)
    # devices, fifos and sockets are skipped, as on a copy to an unprivileged host


def tar_out(rootfs: str, path: str, out: BinaryIO, as_name: str = "") -> None:
    """`cp CONTAINER:PATH -`: the entry (a directory with everything below it) as a tar
    stream, read through checked fds like export, with the container's owners (as
    Docker's); `as_name`: the top entry's name (`cp -L`: the link's)."""
    from nerdpy.archive.tarwrite import TreeTar
    from nerdpy.archive.walk import Entry, open_dir, walk

    parent_fd, name = _open_parent(rootfs, path)
    try:
        name = name or "."
        try:
            st = os.stat(name, dir_fd=parent_fd, follow_symlinks=False)
        except FileNotFoundError:
            raise NotFound(f"could not find the file {path} in container") from None
        base = as_name or os.path.basename(os.path.normpath(path)) or "."
        tar = TreeTar(out)
        fd = open_dir(parent_fd, name, st) if stat.S_ISDIR(st.st_mode) else -1
        if fd is None:
            raise NotFound(f"could not find the file {path} in container: it changed during the copy")
        try:
            tar.add(Entry(parent_fd, name, base, st, fd))
            if fd >= 0:
                for entry in walk(fd):
                    tar.add(entry, f"{base}/{entry.rel}")
        finally:
            if fd >= 0:
                os.close(fd)
        tar.close()
    finally:
        os.close(parent_fd)
