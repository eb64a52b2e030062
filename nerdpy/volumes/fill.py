"""Filling volumes from the image (Docker's copy-up) and `:U` chowns.

Runs inside the rootless namespace, after the rootfs is mounted. The rootfs
is image content, so it is untrusted: the copy opens the destination with
openat2(RESOLVE_IN_ROOT) and then walks by directory file descriptor without
following symlinks, so an image cannot make us read host files.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from nerdpy.errors import InvalidArgument
from nerdpy.volumes import RuntimeMount

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Sequence

    from nerdpy.archive.walk import Entry

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def populate(mounts: Sequence[RuntimeMount], rootfs: Path, uid: int, gid: int) -> None:
    for mount in mounts:
        if mount.volume and mount.copy_up:
            copy_up(rootfs, mount.destination, Path(mount.source))
        if mount.chown:
            chown_tree(Path(mount.source), uid, gid)


def _open_in_root(rootfs: Path, path: str) -> int | None:
    from nerdpy.linux import libc

    root_fd = os.open(rootfs, _DIR_FLAGS)
    try:
        return libc.openat2(root_fd, path.lstrip("/") or ".", _DIR_FLAGS, 0, libc.RESOLVE_IN_ROOT | libc.RESOLVE_NO_MAGICLINKS)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP):
            return None
        raise
    finally:
        os.close(root_fd)


def copy_up(rootfs: Path, destination: str, volume_dir: Path) -> bool:
    """Copy the image's `destination` into `volume_dir` when the volume is
    empty; the volume's root takes the image directory's owner and mode.
    Returns True when something was copied."""
    try:
        if any(os.scandir(volume_dir)):
            return False
    except FileNotFoundError:
        return False
    src_fd = _open_in_root(rootfs, destination)
    if src_fd is None:
        return False
    dst_fd = os.open(volume_dir, _DIR_FLAGS)
    try:
        _copy_dir(src_fd, dst_fd, str(volume_dir), {})
        st = os.fstat(src_fd)
        os.fchown(dst_fd, st.st_uid, st.st_gid)
        os.fchmod(dst_fd, stat.S_IMODE(st.st_mode))
    except OSError as exc:
        raise InvalidArgument(f"cannot fill volume {volume_dir} from the image's {destination}: {exc.strerror}") from None
    finally:
        os.close(src_fd)
        os.close(dst_fd)
    return True


def _copy_dir(src_fd: int, dst_fd: int, dst_path: str, links: dict[tuple[int, int], str]) -> None:
    """Copy the tree below `src_fd` into `dst_fd`, iteratively (any depth) and through
    checked fds (nerdpy.archive.walk). dst_path is ours (the volume), so hard links
    and the way back to a directory may go by path below it."""
    from nerdpy.archive.walk import walk

    dirs: list[tuple[str, os.stat_result]] = []
    parent = _Parent(dst_fd)
    try:
        for entry in walk(src_fd):
            st, name = entry.st, entry.name
            out_fd = parent.get(os.path.dirname(entry.rel))
            mode = st.st_mode
            if stat.S_ISDIR(mode):
                os.mkdir(name, 0o700, dir_fd=out_fd)
                dirs.append((entry.rel, st))
                continue
            if stat.S_ISREG(mode):
                key = (st.st_dev, st.st_ino)
                if st.st_nlink > 1 and key in links:
                    os.link(links[key], name, dst_dir_fd=out_fd, follow_symlinks=False)
                    continue
                if not _copy_file(entry, out_fd):
                    continue
                if st.st_nlink > 1:
                    links[key] = os.path.join(dst_path, entry.rel)
            elif stat.S_ISLNK(mode):
                os.symlink(os.readlink(name, dir_fd=entry.dir_fd), name, dir_fd=out_fd)
            elif stat.S_ISFIFO(mode):
                os.mkfifo(name, 0o600, dir_fd=out_fd)
            else:
                continue  # devices and sockets are not copied (and cannot be made in a user namespace)
            _copy_meta(name, out_fd, st)
        for rel, st in reversed(dirs):  # after their children: those change a directory's mtime
            _copy_meta(os.path.basename(rel), parent.get(os.path.dirname(rel)), st)
    finally:
        parent.close()


class _Parent:
    """The destination directory entries go into, reopened (below the volume) only when it changes."""

    def __init__(self, root_fd: int) -> None:
        self.root_fd, self.rel, self.fd = root_fd, "", root_fd

    def get(self, rel: str) -> int:
        if rel != self.rel:
            self.close()
            self.fd = os.open(rel, _DIR_FLAGS, dir_fd=self.root_fd) if rel else self.root_fd
            self.rel = rel
        return self.fd

    def close(self) -> None:
        if self.fd != self.root_fd:
            os.close(self.fd)
        self.fd, self.rel = self.root_fd, ""


def _copy_file(entry: "Entry", dst_fd: int) -> bool:
    from nerdpy.archive.walk import open_regular

    opened = open_regular(entry.dir_fd, entry.name, entry.st)
    if opened is None:
        return False
    fin, now = opened
    try:
        size = now.st_size
        fout = os.open(entry.name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600, dir_fd=dst_fd)
        try:
            for start, end in _data_extents(fin, size):
                os.lseek(fout, start, os.SEEK_SET)  # sendfile writes at the output's position
                while start < end:
                    n = os.sendfile(fout, fin, start, min(end - start, 1 << 30))
                    if n == 0:
                        break
                    start += n
            os.ftruncate(fout, size)  # a trailing hole
        finally:
            os.close(fout)
    finally:
        os.close(fin)
    return True


def _data_extents(fd: int, size: int) -> list[tuple[int, int]]:
    """(start, end) of the parts of `fd` holding data: holes stay holes in the copy
    (a sparse file in an image VOLUME must not become gigabytes of zeros)."""
    extents: list[tuple[int, int]] = []
    pos = 0
    while pos < size:
        try:
            start = os.lseek(fd, pos, os.SEEK_DATA)
        except OSError as exc:
            if exc.errno == errno.ENXIO:  # nothing but a hole from here
                break
            if exc.errno in (errno.EINVAL, errno.EOPNOTSUPP):  # no SEEK_DATA here: all data
                return [(pos, size)]
            raise
        end = min(os.lseek(fd, start, os.SEEK_HOLE), size)
        if end > start:
            extents.append((start, end))
        pos = max(end, start + 1)
    return extents


def _copy_meta(name: str, dst_fd: int, st: os.stat_result) -> None:
    os.chown(name, st.st_uid, st.st_gid, dir_fd=dst_fd, follow_symlinks=False)
    if not stat.S_ISLNK(st.st_mode):
        os.chmod(name, stat.S_IMODE(st.st_mode), dir_fd=dst_fd)
    os.utime(name, ns=(st.st_atime_ns, st.st_mtime_ns), dir_fd=dst_fd, follow_symlinks=False)


def chown_tree(root: Path, uid: int, gid: int) -> None:
    """`:U`: give `root` and everything below it to uid:gid, symlinks themselves, not their targets."""
    from nerdpy.archive.walk import walk

    try:
        os.chown(root, uid, gid)
        root_fd = os.open(root, _DIR_FLAGS)
        try:
            for entry in walk(root_fd):  # iterative, one fd at a time: any depth
                st = entry.st
                if (st.st_uid, st.st_gid) != (uid, gid):  # every start chowns: skip what is done (and its ctime)
                    os.chown(entry.name, uid, gid, dir_fd=entry.dir_fd, follow_symlinks=False)
        finally:
            os.close(root_fd)
    except OSError as exc:
        raise InvalidArgument(
            f"cannot chown {root} to {uid}:{gid} for :U: {exc.strerror}",
            hint="the ids must exist in the rootless namespace (see `nerdpy info` for the mapping)",
        ) from None
