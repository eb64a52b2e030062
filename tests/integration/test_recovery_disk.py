"""A full disk (issue 18): the real error is one line, read-only commands still
work, `rmi` and `prune` free space with nerdpy itself, and a retry then works.

The data root is a small tmpfs. As root it is mounted on the host; the unprivileged
user cannot mount there, so it is mounted inside nerdpy's own user+mount namespace
(`nerdpy unshare mount ...`), which every later command joins: the store lives on
the small filesystem for nerdpy exactly as a host mount would be seen."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import IS_ROOT, requires
from tests.integration.registry_fake import fake  # noqa: F401 - fixture

pytestmark = pytest.mark.integration

SIZE_MB = 24


def mount_small_tmpfs(np) -> None:
    opts = f"size={SIZE_MB}m,mode=0700"
    if IS_ROOT:
        subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(np.data_root)], check=True)
    else:
        np("unshare", "mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(np.data_root))


def fill(np, name: str) -> None:
    """Fill the data root's filesystem to the last byte."""
    np.unshare("sh", "-c", f"dd if=/dev/zero of={np.data_root}/{name} bs=64k 2>/dev/null; true")


def free_bytes(np) -> int:
    out = np.unshare("stat", "-f", "-c", "%a %S", str(np.data_root)).stdout.split()
    return int(out[0]) * int(out[1])


def error_line(result) -> str:
    assert result.returncode == 125, result
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


@requires("userns")
def test_full_disk_keeps_nerdpy_usable(fresh_nerdpy, busybox_tar, images, fake):
    np = fresh_nerdpy
    mount_small_tmpfs(np)
    try:
        np("load", "-i", busybox_tar, timeout=120)
        cid = np("create", "--name", "c1", "--network", "none", "busybox:latest", "true").stdout.strip()[:12]
        big = images.build_image([images.LayerSpec().file("/big", os.urandom(6 << 20))], compression=None)
        fake.add("full/big", "v1", big)
        reference = f"{fake.address}/full/big:v1"
        fill(np, "filler")
        line = error_line(np("pull", "-q", reference, check=False))
        assert "no space left on device" in line.lower(), line
        fill(np, "filler2")  # whatever the failed pull gave back: the disk stays full
        assert free_bytes(np) < 64 * 1024
        for argv in (("ps", "-a"), ("images",), ("system", "df"), ("inspect", "c1"),
                     ("image", "inspect", "busybox:latest"), ("volume", "ls"), ("network", "ls"),
                     ("ps", "-a", "--format", "{{.Names}} {{.Status}}")):
            result = np(*argv, check=False)
            assert result.returncode == 0, (argv, result.stderr)
        # Writers fail with the real error, in one line, and leave nothing behind.
        for argv in (("create", "--name", "c2", "--network", "none", "busybox:latest", "true"),
                     ("volume", "create", "v1")):
            result = np(*argv, check=False)
            assert "no space left on device" in error_line(result).lower(), (argv, result.stderr)
        assert np("ps", "-aq").stdout.split() == [cid] and np("volume", "ls", "-q").stdout == ""
        # Freeing space with nerdpy itself works on the full disk.
        np("rm", "c1")
        np("rmi", "busybox:latest")
        np("system", "prune", "-f")
        assert np("images", "-q").stdout.strip() == ""
        np.unshare("rm", "-f", f"{np.data_root}/filler", f"{np.data_root}/filler2")
        out = np("pull", reference, timeout=120).stdout
        assert f"Digest: {big.digest}" in out
    finally:
        np("rm", "-f", "c1", check=False)
        if IS_ROOT:
            subprocess.run(["umount", "-l", str(np.data_root)], check=False)
