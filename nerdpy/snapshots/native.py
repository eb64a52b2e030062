"""The native (copying) snapshotter: every snapshot is a full copy of its parent.

Always works (no mounts beyond a bind), at the cost of disk space and copy time.
The copy uses `cp -a --reflink=auto`, which keeps owners, modes, xattrs and
hardlinks and shares extents on filesystems that can (btrfs, xfs).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from nerdpy.errors import Unavailable
from nerdpy.snapshots import Kind, Mount
from nerdpy.snapshots.store import SnapshotStore


class NativeSnapshotter(SnapshotStore):
    name = "native"

    def _populate(self, staging: Path, parents: list[Path], kind: Kind) -> None:
        fs = staging / "fs"
        if not parents:
            super()._populate(staging, parents, kind)
            return
        # cp creates fs itself (with the parent's mode and owner).
        proc = subprocess.run(["cp", "-a", "--reflink=auto", "--", os.fspath(parents[0]), os.fspath(fs)],
                              capture_output=True, text=True, close_fds=True)
        if proc.returncode != 0:
            detail = (proc.stderr.strip().splitlines() or ["failed"])[-1]
            raise Unavailable(f"cannot copy snapshot {parents[0]}: {detail}")

    def _mounts(self, snap_dir: Path, kind: Kind, parents: list[Path]) -> list[Mount]:
        mode = "ro" if kind != Kind.ACTIVE else "rw"
        return [Mount("bind", os.fspath(snap_dir / "fs"), ("rbind", mode))]
