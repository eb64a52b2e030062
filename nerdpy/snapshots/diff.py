"""A snapshot's changes, for every storage driver: as a layer tar (`commit`, `build`)
or as a list (`diff`).

Overlay drivers (kernel overlay, fuse-overlayfs) record changes in the upper dir
(whiteouts, opaque markers), so the changeset is a walk of that dir; the native
driver keeps full copies, so its changeset compares the snapshot with its
parent. Both go through nerdpy.archive.diff on the race-free walker: a running
container may change the tree meanwhile and never makes us follow its symlinks
or read its devices. Call inside the rootless namespace (files belong to subuids).
"""

from __future__ import annotations

import os
from contextlib import ExitStack, contextmanager

from nerdpy.snapshots import Snapshotter

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO, Callable, Iterable, Iterator

    from nerdpy.archive.diff import Change

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC


@contextmanager
def changeset(snapshotter: Snapshotter, key: str) -> Iterator[tuple[Iterator["Change"], list[int]]]:
    """(the changes of snapshot `key`, fds of the trees they are relative to: the
    lower dirs for overlay drivers, the parent's tree for native)."""
    from nerdpy.archive.diff import overlay_changes, tree_changes

    with ExitStack() as stack:
        def opened(path: str) -> int:
            fd = os.open(path, _DIR)
            stack.callback(os.close, fd)
            return fd

        upper = opened(snapshotter.upper_dir(key))
        if snapshotter.name == "native":
            parent = snapshotter.stat(key).parent
            lowers = [opened(snapshotter.upper_dir(parent))] if parent else []
            yield tree_changes(lowers[0] if lowers else None, upper), lowers
        else:
            lowers = [opened(p) for p in _lower_dirs(snapshotter, key)]
            yield overlay_changes(upper, named_whiteouts=snapshotter.name == "fuse-overlayfs"), lowers


def _lower_dirs(snapshotter: Snapshotter, key: str) -> list[str]:
    for mount in snapshotter.mounts(key):
        for option in mount.options:
            if option.startswith("lowerdir="):
                return option[len("lowerdir="):].split(":")
    return []


def write_diff(snapshotter: Snapshotter, key: str, out: BinaryIO,
               skip: Callable[["Change"], bool] | None = None) -> None:
    """The layer tar (OCI changeset) of snapshot `key`; `skip(change)` leaves entries out."""
    from nerdpy.archive.diff import write_changes

    with changeset(snapshotter, key) as (changes, _):
        write_changes(changes, out, skip)


def list_changes(snapshotter: Snapshotter, key: str) -> list[tuple[str, str]]:
    """[(kind, "/path")] with kind A (added), C (changed), D (deleted), sorted by path."""
    with changeset(snapshotter, key) as (changes, lowers):
        return classify(changes, lowers)


def classify(changes: Iterable["Change"], lowers: list[int]) -> list[tuple[str, str]]:
    """Docker's A/C/D for a changeset: an entry the lower trees have is a change."""
    from nerdpy.archive.diff import ADDED, DELETED
    from nerdpy.archive.walk import lstat_beneath

    out: dict[str, str] = {}
    for change in changes:
        if change.kind == DELETED:
            out["/" + change.rel] = "D"
        elif change.kind == ADDED:
            known = any(lstat_beneath(fd, change.rel) is not None for fd in lowers)
            out["/" + change.rel] = "C" if known else "A"
    for path in list(out):  # as Docker: the directories holding changes changed too
        parent = os.path.dirname(path)
        while parent != "/" and parent not in out:
            out[parent] = "C"
            parent = os.path.dirname(parent)
    return sorted(((kind, path) for path, kind in out.items()), key=lambda item: item[1])
