"""Host-side views of a container's tree are nosuid,nodev; the rootfs runc
starts a container in is nodev only (issue 12, finding 1)."""

from __future__ import annotations

import os

import pytest

from nerdpy.snapshots import Mount
from nerdpy.snapshots.mount import mount_all, unmount_all


def _flags(target: str) -> set[str]:
    found: set[str] = set()
    with open("/proc/self/mountinfo") as mountinfo:
        for line in mountinfo:
            fields = line.split()
            if fields[4] == target:
                found = set(fields[5].split(","))
    return found


@pytest.mark.skipif(os.getuid() != 0, reason="mounting on the host needs root (rootless mounts are in the holder's namespace)")
@pytest.mark.parametrize("setuid, want, not_want", [(False, {"nosuid", "nodev"}, set()), (True, {"nodev"}, {"nosuid"})])
def test_views_are_nosuid_nodev(tmp_path, setuid, want, not_want):
    src, target = tmp_path / "fs", tmp_path / "rootfs"
    src.mkdir()
    target.mkdir()
    mount_all([Mount("bind", str(src), ("rbind", "rw"))], target, setuid=setuid)
    try:
        flags = _flags(str(target))
    finally:
        unmount_all(target)
    assert want <= flags and not (not_want & flags), flags
