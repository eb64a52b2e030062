"""A snapshot's changes, as a list (`diff`) or as a layer tar (`commit`, `build`).

One changeset reader for every storage driver, on the race-free walker
(nerdpy.archive.walk):
* an overlay upper dir (`overlay_changes`, kernel overlay and fuse-overlayfs):
  whiteout char devices 0:0 (and, for fuse-overlayfs, `.wh.NAME` files) are
  deletions; directories marked opaque (trusted.overlay.opaque,
  user.overlay.opaque, user.fuseoverlayfs.opaque = "y", or a `.wh..wh..opq`
  file) hide everything below them in the lowers;
* a full tree compared with its parent's tree (`tree_changes`, the native
  driver): entries that differ in type, mode, owner, size, mtime, link target
  or xattrs are changes; entries gone from the tree are deletions.
`write_changes` turns either into an OCI changeset (hardlinks as tar hardlinks,
overlay's own xattrs never exported, deterministic order).
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO, Callable, Iterator

from nerdpy.archive.walk import Entry, lstat_beneath, readlink_beneath, walk
from nerdpy.records import record

_OPAQUE_XATTRS = ("trusted.overlay.opaque", "user.overlay.opaque", "user.fuseoverlayfs.opaque")
WHITEOUT_PREFIX = ".wh."
OPAQUE_MARKER = ".wh..wh..opq"
_FUSE_OPAQUE = ".wh..opq"

ADDED, DELETED, OPAQUE = "entry", "whiteout", "opaque"


@record
class Change:
    kind: str  # ADDED (added or changed: `entry` says what it is now), DELETED, OPAQUE
    rel: str
    entry: Entry | None = None


def is_whiteout(st: os.stat_result) -> bool:
    """An overlay whiteout: a 0/0 character device."""
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == 0


def is_opaque_fd(fd: int) -> bool:
    """An opaque directory (open fd), in any of the spellings overlay and fuse-overlayfs use."""
    for name in _OPAQUE_XATTRS:
        try:
            if os.getxattr(fd, name) == b"y":
                return True
        except OSError:
            continue
    return False


def overlay_changes(upper_fd: int, named_whiteouts: bool = False) -> Iterator[Change]:
    """The changeset recorded in an overlay upper dir. `named_whiteouts`: `.wh.` files
    are whiteouts too (fuse-overlayfs writes them where it cannot make 0:0 devices)."""
    for entry in walk(upper_fd):
        st = entry.st
        if named_whiteouts and entry.name.startswith(WHITEOUT_PREFIX):
            # fuse-overlayfs marks an opaque dir with a `.wh..wh..opq` file plus a `.wh..opq`
            # 0:0 device, and writes `.wh.NAME` files where it cannot make devices.
            parent = entry.rel[: -len(entry.name)].rstrip("/")
            if entry.name == OPAQUE_MARKER:
                yield Change(OPAQUE, parent)
            elif entry.name != _FUSE_OPAQUE and (stat.S_ISREG(st.st_mode) or is_whiteout(st)):
                yield Change(DELETED, f"{parent}/{entry.name[4:]}" if parent else entry.name[4:])
            continue
        if is_whiteout(st):
            yield Change(DELETED, entry.rel)
            continue
        yield Change(ADDED, entry.rel, entry)
        if entry.fd >= 0 and is_opaque_fd(entry.fd):
            yield Change(OPAQUE, entry.rel)


def _same(new: Entry, old: os.stat_result, lower_fd: int) -> bool:
    a = new.st
    if (a.st_mode, a.st_uid, a.st_gid) != (old.st_mode, old.st_uid, old.st_gid):
        return False
    if stat.S_ISDIR(a.st_mode):
        return True  # a directory's own change is its mode or owner; its children speak for themselves
    if stat.S_ISLNK(a.st_mode):
        try:
            return os.readlink(new.name, dir_fd=new.dir_fd) == readlink_beneath(lower_fd, new.rel)
        except OSError:
            return False
    return (a.st_size, a.st_mtime_ns, a.st_rdev) == (old.st_size, old.st_mtime_ns, old.st_rdev)


def tree_changes(lower_fd: int | None, upper_fd: int) -> Iterator[Change]:
    """The changeset turning tree `lower_fd` (None: empty) into tree `upper_fd`."""
    seen: set[str] = set()
    for entry in walk(upper_fd):
        if lower_fd is not None:
            seen.add(entry.rel)
            old = lstat_beneath(lower_fd, entry.rel)
            if old is not None and _same(entry, old, lower_fd):
                continue
        yield Change(ADDED, entry.rel, entry)
    if lower_fd is None:
        return
    gone_dirs: list[str] = []
    for entry in walk(lower_fd):
        rel = entry.rel
        if rel in seen or (gone_dirs and rel.startswith(gone_dirs[-1] + "/")):
            continue
        yield Change(DELETED, rel)
        if stat.S_ISDIR(entry.st.st_mode):
            gone_dirs.append(rel)  # parents come first: the last one gone is the only one to check


def write_changes(changes: Iterator[Change], out: BinaryIO,
                  skip: Callable[[Change], bool] | None = None) -> None:
    """An OCI changeset tar of `changes` (entries the walk lost meanwhile are left out)."""
    from nerdpy.archive.tarwrite import TreeTar

    tar = TreeTar(out)
    for change in changes:
        if skip is not None and skip(change):
            continue
        if change.kind == DELETED:
            parent, name = os.path.split(change.rel)
            tar.marker(os.path.join(parent, WHITEOUT_PREFIX + name))
        elif change.kind == OPAQUE:
            tar.marker(os.path.join(change.rel, OPAQUE_MARKER))
        else:
            assert change.entry is not None
            tar.add(change.entry)
    tar.close()


def write_overlay_diff(upper: str, out: BinaryIO, named_whiteouts: bool = False) -> None:
    """The changeset recorded in the overlay upper dir at path `upper`."""
    fd = os.open(upper, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        write_changes(overlay_changes(fd, named_whiteouts), out)
    finally:
        os.close(fd)


def write_tree_diff(lower: str | None, upper: str, out: BinaryIO) -> None:
    """The changeset turning tree `lower` (None: empty) into tree `upper` (paths)."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
    upper_fd = os.open(upper, flags)
    lower_fd = os.open(lower, flags) if lower is not None else None
    try:
        write_changes(tree_changes(lower_fd, upper_fd), out)
    finally:
        os.close(upper_fd)
        if lower_fd is not None:
            os.close(lower_fd)
