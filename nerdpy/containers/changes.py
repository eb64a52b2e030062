"""`export` (the container's filesystem as a tar) and `diff` (what the container
changed, read from its snapshot's upper directory)."""

from __future__ import annotations

import os
import stat
import tarfile
from typing import Any, BinaryIO

from nerdpy.archive.diff import is_opaque, is_whiteout
from nerdpy.config import Settings
from nerdpy.containers import Container
from nerdpy.errors import NotImplementedYet



def export(settings: Settings, container: Container, out: BinaryIO) -> None:
    from nerdpy.containers.copy import rootfs_view

    with rootfs_view(settings, container) as rootfs:
        with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            for name in sorted(os.listdir(rootfs)):
                # tarfile.add never follows symlinks (lstat), so the walk stays in the rootfs.
                tar.add(os.path.join(rootfs, name), arcname=name, recursive=True)


def _lowers(mounts: list[Any]) -> list[str]:
    for mount in mounts:
        for option in mount.options:
            if option.startswith("lowerdir="):
                return option[len("lowerdir="):].split(":")
    return []


def changes(upper: str, lowers: list[str]) -> list[tuple[str, str]]:
    """[(kind, path)] with kind A (added), C (changed), D (deleted), sorted by path."""
    out: dict[str, str] = {}

    def in_lower(rel: str) -> bool:
        return any(os.path.lexists(os.path.join(low, rel)) for low in lowers)

    for dirpath, dirnames, filenames in os.walk(upper):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, upper)
            st = os.lstat(full)
            if is_whiteout(st):
                out["/" + rel] = "D"
            elif stat.S_ISDIR(st.st_mode) and is_opaque(full) and in_lower(rel):
                out["/" + rel] = "C"
            else:
                out["/" + rel] = "C" if in_lower(rel) else "A"
    return sorted(((kind, path) for path, kind in out.items()), key=lambda item: item[1])


def diff(settings: Settings, container: Container) -> list[tuple[str, str]]:
    if container.runtime.rootfs:
        raise NotImplementedYet("diff of a --rootfs container is not available: it has no image layers")
    from nerdpy.snapshots import get_snapshotter

    snapshotter = get_snapshotter(settings)
    mounts = snapshotter.mounts(container.id)
    if not mounts or mounts[0].type != "overlay":
        raise NotImplementedYet(f"diff needs the overlay storage driver (this store uses {snapshotter.name})")
    result = changes(snapshotter.upper_dir(container.id), _lowers(mounts))
    # The mount points nerdpy creates for every start are not the container's changes.
    return drop_generated(result)


GENERATED = ("/proc", "/sys", "/dev", "/dev/pts", "/dev/shm", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf")


def drop_generated(result: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Without nerdpy's own mount points, and without parents changed only by them."""
    kept = [(k, p) for k, p in result if not (k == "A" and p in GENERATED)]
    parents = {os.path.dirname(p) for p in GENERATED}
    paths = [p for _, p in kept]
    return [(k, p) for k, p in kept
            if not (k == "C" and p in parents and not any(q.startswith(p + "/") for q in paths))]
