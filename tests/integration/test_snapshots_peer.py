"""Correctness against a peer: the tree a container sees equals podman's for the same image.

The image (tests/integration/snapshots_harness.py: peer_image) has whiteouts, an
opaque dir, hardlinks, absolute/relative/dangling symlinks, setuid/setgid/sticky
modes, a fifo, an xattr and files owned by several uids. nerdpy unpacks it with
each driver; podman (as root, its default overlay driver) loads the same bytes
from a docker-archive, creates a container and mounts it. Paths, types, modes,
owners, sizes, content hashes and link targets must be equal.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO, requires
from tests.integration.test_snapshots_conformance import run_scenario
from tests.unit.archive.tarbuild import snapshot_tree


def _podman_tree(tmp_path) -> dict:
    sys.path.insert(0, str(REPO))
    from tests.fixtures import images
    from tests.integration.snapshots_harness import peer_image

    archive = images.write_docker_archive(tmp_path / "peer.tar", peer_image(), ["localhost/peer:latest"])
    base = ["podman", "--root", str(tmp_path / "root"), "--runroot", str(tmp_path / "run"),
            "--runtime", "runc", "--cgroup-manager", "cgroupfs", "--events-backend", "file"]

    def podman(*args: str) -> str:
        proc = subprocess.run([*base, *args], capture_output=True, text=True, timeout=180)
        assert proc.returncode == 0, f"podman {' '.join(args)}: {proc.stderr}"
        return proc.stdout.strip()

    try:  # reset even when load fails: podman's overlay home stays bind-mounted on itself otherwise
        podman("load", "-q", "-i", str(archive))
        podman("create", "--name", "peer", "localhost/peer:latest", "true")
        path = podman("mount", "peer")
        try:
            return {k: list(v) for k, v in snapshot_tree(path).items()}
        finally:
            podman("umount", "peer")
            podman("rm", "-f", "peer")
    finally:
        subprocess.run([*base, "system", "reset", "-f"], capture_output=True, timeout=180)


@requires("root", "podman", "busybox")
@pytest.mark.parametrize("driver", ["overlay", "native", "fuse-overlayfs"])
def test_tree_equals_podman(nerdpy, tmp_path_factory, driver):
    ours = run_scenario(nerdpy, "peer_tree", driver)["result"]
    theirs = _podman_tree(tmp_path_factory.mktemp("podman"))
    # A sanity floor, so that two empty trees could never pass.
    assert len(ours) > 40 and ours["srv/big"][2] == 4242 and ours["bin/su-copy"][1] == 0o4755
    assert ours["srv/setgid"][1:4] == [0o2755, 0, 50] and ours["srv"][1:4] == [0o2775, 33, 33]
    assert ours["sparse/file.bin"][4] == 3 << 20  # the GNU sparse layer, holes and all
    missing = sorted(set(theirs) - set(ours))
    extra = sorted(set(ours) - set(theirs))
    differ = {k: (ours[k], theirs[k]) for k in set(ours) & set(theirs) if ours[k] != theirs[k]}
    assert not missing and not extra and not differ, json.dumps(
        {"missing": missing, "extra": extra, "differ": differ}, indent=1)
