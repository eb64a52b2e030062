"""The reverse of apply: a layer tar (OCI changeset) from a directory of changes.

Two sources:
* an overlay upper dir (`write_overlay_diff`): whiteout char devices 0:0 become
  `.wh.NAME`, directories marked opaque (trusted.overlay.opaque or
  user.overlay.opaque = "y") get a `.wh..wh..opq` entry;
* a full tree compared with its parent's tree (`write_tree_diff`, for the native
  driver): entries that differ in type, mode, owner, size, mtime, link target or
  xattrs are written; entries gone from the tree become whiteouts.
Hardlinks inside the changes are written as tar hardlinks; overlay's own xattrs are
never exported. Entries are sorted (parents first) so output is deterministic.
"""

from __future__ import annotations

import os
import stat
import tarfile
from typing import BinaryIO, Iterator

_OPAQUE_XATTRS = ("trusted.overlay.opaque", "user.overlay.opaque", "user.fuseoverlayfs.opaque")
_PRIVATE_XATTR_PREFIXES = ("trusted.overlay.", "user.overlay.", "user.fuseoverlayfs.")


def _xattrs(path: str) -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError:
        return out
    for name in names:
        if name.startswith(_PRIVATE_XATTR_PREFIXES):
            continue
        try:
            out["SCHILY.xattr." + name] = os.getxattr(path, name, follow_symlinks=False).decode(
                "utf-8", "surrogateescape")
        except OSError:
            continue
    return out


def is_whiteout(st: os.stat_result) -> bool:
    """An overlay whiteout: a 0/0 character device."""
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == 0


def is_opaque(path: str) -> bool:
    """An opaque directory, in any of the spellings overlay and fuse-overlayfs use."""
    for name in _OPAQUE_XATTRS:
        try:
            if os.getxattr(path, name, follow_symlinks=False) == b"y":
                return True
        except OSError:
            continue
    return False


def _walk(root: str) -> Iterator[tuple[str, os.stat_result]]:
    """(relative path, lstat) of everything below root, parents before children, sorted."""
    stack = [""]
    while stack:
        rel = stack.pop()
        names = sorted(os.listdir(os.path.join(root, rel) if rel else root), reverse=True)
        for name in names:
            child = f"{rel}/{name}" if rel else name
            st = os.lstat(os.path.join(root, child))
            yield child, st
            if stat.S_ISDIR(st.st_mode):
                stack.append(child)


class _Writer:
    def __init__(self, out: BinaryIO) -> None:
        self.tar = tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT)
        self.links: dict[tuple[int, int], str] = {}

    def entry(self, root: str, rel: str, st: os.stat_result) -> None:
        path = os.path.join(root, rel)
        info = tarfile.TarInfo(rel + ("/" if stat.S_ISDIR(st.st_mode) else ""))
        info.mode, info.uid, info.gid = stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid
        info.mtime = st.st_mtime
        info.pax_headers = _xattrs(path)
        key = (st.st_dev, st.st_ino)
        if stat.S_ISREG(st.st_mode) and st.st_nlink > 1 and key in self.links:
            info.type, info.linkname = tarfile.LNKTYPE, self.links[key]
            self.tar.addfile(info)
            return
        if stat.S_ISREG(st.st_mode):
            info.size = st.st_size
            if st.st_nlink > 1:
                self.links[key] = rel
            with open(path, "rb") as data:
                self.tar.addfile(info, data)
            return
        if stat.S_ISDIR(st.st_mode):
            info.type = tarfile.DIRTYPE
        elif stat.S_ISLNK(st.st_mode):
            info.type, info.linkname = tarfile.SYMTYPE, os.readlink(path)
        elif stat.S_ISFIFO(st.st_mode):
            info.type = tarfile.FIFOTYPE
        elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
            info.type = tarfile.CHRTYPE if stat.S_ISCHR(st.st_mode) else tarfile.BLKTYPE
            info.devmajor, info.devminor = os.major(st.st_rdev), os.minor(st.st_rdev)
        else:
            return  # sockets are not part of images
        self.tar.addfile(info)

    def whiteout(self, rel: str) -> None:
        parent, name = os.path.split(rel)
        info = tarfile.TarInfo(os.path.join(parent, ".wh." + name))
        self.tar.addfile(info)

    def opaque(self, rel: str) -> None:
        self.tar.addfile(tarfile.TarInfo(os.path.join(rel, ".wh..wh..opq")))

    def close(self) -> None:
        self.tar.close()


def write_overlay_diff(upper: str, out: BinaryIO) -> None:
    """The changeset recorded in an overlay upper dir."""
    writer = _Writer(out)
    for rel, st in _walk(upper):
        if stat.S_ISCHR(st.st_mode) and st.st_rdev == 0:
            writer.whiteout(rel)
            continue
        writer.entry(upper, rel, st)
        if stat.S_ISDIR(st.st_mode) and is_opaque(os.path.join(upper, rel)):
            writer.opaque(rel)
    writer.close()


def _same(a: os.stat_result, b: os.stat_result, pa: str, pb: str) -> bool:
    if (stat.S_IFMT(a.st_mode), a.st_mode, a.st_uid, a.st_gid) != (stat.S_IFMT(b.st_mode), b.st_mode, b.st_uid,
                                                                   b.st_gid):
        return False
    if stat.S_ISDIR(a.st_mode):
        return _xattrs(pa) == _xattrs(pb)
    if stat.S_ISLNK(a.st_mode):
        return os.readlink(pa) == os.readlink(pb)
    if (a.st_size, a.st_mtime_ns, a.st_rdev) != (b.st_size, b.st_mtime_ns, b.st_rdev):
        return False
    return _xattrs(pa) == _xattrs(pb)


def write_tree_diff(lower: str | None, upper: str, out: BinaryIO) -> None:
    """The changeset turning tree `lower` (None: empty) into tree `upper`."""
    writer = _Writer(out)
    seen: set[str] = set()
    for rel, st in _walk(upper):
        seen.add(rel)
        if lower is not None:
            try:
                old = os.lstat(os.path.join(lower, rel))
            except (FileNotFoundError, NotADirectoryError):
                old = None
            if old is not None and _same(st, old, os.path.join(upper, rel), os.path.join(lower, rel)):
                continue
        writer.entry(upper, rel, st)
    if lower is not None:
        gone_dirs: list[str] = []
        for rel, _ in _walk(lower):
            if rel in seen or any(rel.startswith(d + "/") for d in gone_dirs):
                continue
            writer.whiteout(rel)
            if os.path.isdir(os.path.join(lower, rel)) and not os.path.islink(os.path.join(lower, rel)):
                gone_dirs.append(rel)
    writer.close()
