"""Tar entries from walked entries (nerdpy.archive.walk), for export, commit and cp.

Everything is read through the fds the walk checked: file data from an fd whose
fstat matches the entry (never a device swapped in), link targets with
readlinkat. A file that changes size after its header is written is cut or
zero-padded to the size the header promised, so the archive stays well formed
(Docker's archive has the same window); an entry that vanished is left out.
"""

from __future__ import annotations

import errno
import os
import stat
import tarfile
from typing import BinaryIO

from nerdpy.archive.walk import Entry, open_regular, read_link, xattrs


class _Exact:
    """A file object giving exactly `size` bytes of `fd` (tarfile reads it in chunks)."""

    def __init__(self, fd: int, size: int) -> None:
        self.fd, self.left = fd, size

    def read(self, n: int = -1, /) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        parts, got = [], 0
        while got < n:
            try:
                chunk = os.read(self.fd, n - got)
            except OSError as exc:
                if exc.errno != errno.EIO:
                    raise
                chunk = b""
            if not chunk:
                parts.append(bytes(n - got))
                got = n
                break
            parts.append(chunk)
            got += len(chunk)
        self.left -= n
        return parts[0] if len(parts) == 1 else b"".join(parts)


def _pax(attrs: dict[str, bytes]) -> dict[str, str]:
    return {"SCHILY.xattr." + k: v.decode("utf-8", "surrogateescape") for k, v in attrs.items()}


class TreeTar:
    """A PAX tar stream of walked entries; hardlinks inside it become tar hardlinks."""

    def __init__(self, out: BinaryIO) -> None:
        self.tar = tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT)
        self.links: dict[tuple[int, int], str] = {}

    def add(self, entry: Entry, name: str | None = None) -> bool:
        """Write `entry` as `name` (default: its path in the walk). False if it vanished."""
        st = entry.st
        arcname = name if name is not None else entry.rel
        info = tarfile.TarInfo(arcname)
        info.mode, info.uid, info.gid = stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid
        info.mtime = st.st_mtime
        mode = st.st_mode
        if stat.S_ISREG(mode):
            return self._regular(entry, info)
        if stat.S_ISDIR(mode):
            info.type = tarfile.DIRTYPE
            if entry.fd >= 0:
                info.pax_headers = _pax(xattrs(entry.fd))
        elif stat.S_ISLNK(mode):
            target = read_link(entry.dir_fd, entry.name)
            if target is None:
                return False
            info.type, info.linkname = tarfile.SYMTYPE, target
        elif stat.S_ISFIFO(mode):
            info.type = tarfile.FIFOTYPE
        elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            info.type = tarfile.CHRTYPE if stat.S_ISCHR(mode) else tarfile.BLKTYPE
            info.devmajor, info.devminor = os.major(st.st_rdev), os.minor(st.st_rdev)
        else:
            return False  # sockets are not part of images
        self.tar.addfile(info)
        return True

    def _regular(self, entry: Entry, info: tarfile.TarInfo) -> bool:
        st = entry.st
        key = (st.st_dev, st.st_ino)
        if st.st_nlink > 1 and key in self.links:
            info.type, info.linkname = tarfile.LNKTYPE, self.links[key]
            self.tar.addfile(info)
            return True
        opened = open_regular(entry.dir_fd, entry.name, st)
        if opened is None:
            return False
        fd, now = opened
        try:
            info.size = now.st_size
            info.pax_headers = _pax(xattrs(fd))
            self.tar.addfile(info, _Exact(fd, now.st_size))
        finally:
            os.close(fd)
        if st.st_nlink > 1:
            self.links[key] = info.name
        return True

    def marker(self, name: str) -> None:
        """An empty regular file entry (whiteouts and opaque markers)."""
        self.tar.addfile(tarfile.TarInfo(name))

    def close(self) -> None:
        self.tar.close()
