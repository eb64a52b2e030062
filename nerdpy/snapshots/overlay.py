"""Overlay snapshotters: kernel overlayfs and fuse-overlayfs.

A snapshot's `fs` dir is an overlay upper dir; its parents' `fs` dirs are the
lower dirs, nearest first. Inside a user namespace the kernel (>= 5.11) needs
the `userxattr` option: opaque/whiteout metadata then lives in `user.overlay.*`.
`index=off` because hardlink indexing across copied-up lower layers is not
needed and fails on some backing filesystems.
"""

from __future__ import annotations

import os
from pathlib import Path

from nerdpy.snapshots import Kind, Mount
from nerdpy.snapshots.store import SnapshotStore

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def in_user_namespace() -> bool:
    """True unless this process sees the initial user namespace's full identity map."""
    try:
        text = Path("/proc/self/uid_map").read_text().split()
    except OSError:
        return False
    return text != ["0", "0", "4294967295"]


class OverlaySnapshotter(SnapshotStore):
    name = "overlay"
    mount_type = "overlay"
    extra_options: tuple[str, ...] = ()  # overlay.mountopt (nerdpy.snapshots.options)

    def configure(self, storage: Any) -> None:
        self.extra_options = tuple(storage.mountopt)

    def _populate(self, staging: Path, parents: list[Path], kind: Kind) -> None:
        super()._populate(staging, parents, kind)
        (staging / "work").mkdir(mode=0o700)

    def _options(self) -> tuple[str, ...]:
        base = ("index=off", "userxattr") if in_user_namespace() else ("index=off",)
        return base + self.extra_options

    def _mounts(self, snap_dir: Path, kind: Kind, parents: list[Path]) -> list[Mount]:
        fs = os.fspath(snap_dir / "fs")
        lowers = [os.fspath(p) for p in parents]
        if kind == Kind.ACTIVE and not lowers:
            return [Mount("bind", fs, ("rbind", "rw"))]
        if kind != Kind.ACTIVE:
            if not lowers:
                return [Mount("bind", fs, ("rbind", "ro"))]
            if len(lowers) == 1:
                return [Mount("bind", lowers[0], ("rbind", "ro"))]
            return [Mount(self.mount_type, "overlay", (*self._options(), "lowerdir=" + ":".join(lowers)))]
        return [Mount(self.mount_type, "overlay", (
            *self._options(),
            f"workdir={snap_dir / 'work'}",
            f"upperdir={fs}",
            "lowerdir=" + ":".join(lowers),
        ))]


class FuseOverlaySnapshotter(OverlaySnapshotter):
    name = "fuse-overlayfs"
    mount_type = "fuse3.fuse-overlayfs"
    helper: str | None = None  # overlay.mount_program

    def configure(self, storage: Any) -> None:
        super().configure(storage)
        self.helper = storage.mount_program

    def _options(self) -> tuple[str, ...]:
        from nerdpy.snapshots.options import HELPER_OPTION

        return ((HELPER_OPTION + self.helper,) if self.helper else ()) + self.extra_options
