"""Tighten a store made by an older nerdpy: the one-time migration "private-store".

Stores before version 1 were created under the caller's umask (0755 dirs, 0644
files), so another local user could read `-e` secrets from config.json and
meta.db-wal and run setuid files a rootful container left in its rootfs or a
volume (issue 12, finding 1). Every directory nerdpy keeps is now 0700 and every
record file 0600; this walk strips group and other bits from what an older
version left, once: `schema_versions` records that it ran, so later commands pay
one indexed SELECT, not a walk.

Trees whose modes belong to the container are left alone: snapshot contents
(`fs`, overlay's `work`), volume contents (`_data`), anything mounted, and the
network files bind-mounted into containers (hosts, hostname, resolv.conf: 0644
as Docker has them, so a non-root process in the container can read them; they
sit in a 0700 directory).
"""

from __future__ import annotations

import os
import stat

TYPE_CHECKING = False
if TYPE_CHECKING:
    from nerdpy.metadata.db import Database

DOMAIN = "private-store"
VERSION = 1

_CONTAINER_OWNED = frozenset({"fs", "work", "_data"})
_BIND_MOUNTED = frozenset({"hosts", "hostname", "resolv.conf"})


def make_store_private(db: Database) -> None:
    """Strip group/other bits below the data root once, then record it."""
    root = os.fspath(db.path.parent)
    _tighten(root)
    _walk(root, os.lstat(root).st_dev)
    with db.transaction() as conn:
        conn.execute(
            "INSERT INTO schema_versions(domain, version) VALUES(?, ?) "
            "ON CONFLICT(domain) DO UPDATE SET version = excluded.version",
            (DOMAIN, VERSION),
        )


def _walk(top: str, device: int) -> None:
    """Iterative (a store can be deep) and never through a symlink or a mount."""
    stack = [top]
    while stack:
        path = stack.pop()
        try:
            entries = list(os.scandir(path))
        except OSError:
            continue
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(st.st_mode):
                if st.st_dev != device or entry.name in _CONTAINER_OWNED:
                    continue  # a mounted tree or a container's own: its modes are the container's
                if entry.name == "rootfs":
                    if _empty(entry.path):  # only an unmounted mount point (a bind shares st_dev)
                        _tighten(entry.path, st.st_mode)
                    continue
                _tighten(entry.path, st.st_mode)
                stack.append(entry.path)
            elif stat.S_ISREG(st.st_mode) and entry.name not in _BIND_MOUNTED:
                _tighten(entry.path, st.st_mode)


def _empty(path: str) -> bool:
    try:
        with os.scandir(path) as it:
            return next(it, None) is None
    except OSError:
        return False


def _tighten(path: str, mode: int | None = None) -> None:
    if mode is None:
        mode = os.lstat(path).st_mode
    if mode & 0o077:
        try:
            os.chmod(path, stat.S_IMODE(mode) & ~0o077)  # lstat said: not a symlink
        except OSError:
            pass  # rootless: a file a container's subuid owns; its directory is private now
