"""A snapshot's changes as a layer tar (for commit and export).

Overlay drivers record changes in the upper dir (whiteouts, opaque markers), so
the diff is a walk of that dir; the native driver keeps full copies, so its diff
compares the snapshot with its parent. Call inside the rootless namespace
(files belong to subuids).
"""

from __future__ import annotations

from typing import BinaryIO

from nerdpy.snapshots import Snapshotter


def write_diff(snapshotter: Snapshotter, key: str, out: BinaryIO) -> None:
    from nerdpy.archive.diff import write_overlay_diff, write_tree_diff

    upper = snapshotter.upper_dir(key)
    if snapshotter.name == "native":
        parent = snapshotter.stat(key).parent
        write_tree_diff(snapshotter.upper_dir(parent) if parent else None, upper, out)
    else:
        write_overlay_diff(upper, out)
