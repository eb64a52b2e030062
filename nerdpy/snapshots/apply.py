"""Apply a layer into an active snapshot (containerd's diff applier).

A snapshot without parents is a plain directory: the layer is written straight
into it. With parents, the snapshot is mounted (overlay or fuse-overlayfs) in a
child process with a private mount namespace and the layer is applied through
the merged view, as containerd does inside a user namespace: the filesystem
itself turns deletions into whiteouts in its native format, and symlinks from
lower layers resolve exactly as the container will see them.
"""

from __future__ import annotations

import logging
import os
import tempfile
from nerdpy.records import asdict
from pathlib import Path
from typing import BinaryIO

from nerdpy.archive import ApplyOptions, ApplyResult
from nerdpy.snapshots import Snapshotter
from nerdpy.snapshots.isolated import run_isolated

log = logging.getLogger("nerdpy.snapshots")


def apply_to_snapshot(snapshotter: Snapshotter, key: str, src: BinaryIO,
                      options: ApplyOptions = ApplyOptions()) -> ApplyResult:
    from nerdpy.archive.apply import apply_layer

    mounts = snapshotter.mounts(key)
    if len(mounts) == 1 and mounts[0].type == "bind" and "ro" not in mounts[0].options:
        result = apply_layer(src, mounts[0].source, options)
    else:
        from nerdpy.snapshots.mount import mount_all, unmount_all

        target = tempfile.mkdtemp(prefix="apply-", dir=Path(snapshotter.upper_dir(key)).parent)

        def work() -> dict:
            mount_all(mounts, target)
            try:
                return asdict(apply_layer(src, target, options))
            finally:
                unmount_all(target)

        try:
            data = run_isolated(work)
        finally:
            os.rmdir(target)
        data["warnings"] = tuple(data["warnings"])
        result = ApplyResult(**data)
    for warning in result.warnings:
        log.warning("WARNING: %s", warning)
    return result
