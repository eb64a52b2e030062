"""Hostile trees: what nerdpy promises when it reads a container's files (issue 12, #2 #3 #6).

* A running container that swaps a regular file with a symlink to a host file
  (renameat2 RENAME_EXCHANGE in a loop) never gets that host file into `export`,
  `commit --pause=false` or `cp`, and export never fails on the changing tree.
* Rootful: a block device node swapped in for a regular file is never read by `cp`.
* A 1,400-level image: pulls of other images, export, diff, cp and rmi keep working.
"""

from __future__ import annotations

import io
import os
import secrets
import shutil
import subprocess
import tarfile
import uuid
from pathlib import Path

import pytest

from nerdpy.linux.rmtree import remove_tree
from tests.conftest import IS_ROOT

pytestmark = [pytest.mark.integration, pytest.requires("runc", "newuidmap", "busybox")]

PAIRS = 32
ROUNDS = 12  # the old tree walk leaked in about 1 export of 10 here

# Swaps /w/fN (a regular file) with /w/lN (a symlink, or a device node) for N < pairs, forever.
SWAPPER_C = r"""
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(int argc, char **argv) {
    int n = atoi(argv[2]);
    char a[64], b[64];
    for (;;)
        for (int i = 0; i < n; i++) {
            snprintf(a, sizeof a, "/w/%s%d", "f", i);
            snprintf(b, sizeof b, "/w/%s%d", argv[1], i);
            syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, 2 /* RENAME_EXCHANGE */);
        }
}
"""


@pytest.fixture(scope="module")
def swapper(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("cc") is None:
        pytest.skip("no C compiler (helpers/prerequisites.sh installs gcc)")
    work = tmp_path_factory.mktemp("swapper")
    (work / "swap.c").write_text(SWAPPER_C)
    subprocess.run(["cc", "-static", "-O2", "-o", str(work / "swap"), str(work / "swap.c")], check=True,
                   capture_output=True)
    return work / "swap"


@pytest.fixture(scope="module")
def secret(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """A private host file (root-only when rootful, the user's own when rootless)."""
    token = ("HOSTSECRET-" + secrets.token_hex(12)).encode()
    path = tmp_path_factory.mktemp("secret") / "secret"
    path.write_bytes(token + b"\n")
    path.chmod(0o600)
    return path, token


@pytest.fixture(scope="module")
def racing(nerdpy, busybox_image, swapper, secret):
    """A container whose /w/fN and /w/lN (symlink to the host secret) swap all the time."""
    name = f"race-{uuid.uuid4().hex[:8]}"
    setup = "; ".join(["mkdir -p /w"] + [f"echo innocent > /w/f{i}; ln -s {secret[0]} /w/l{i}"
                                          for i in range(PAIRS)])
    _start_swapping(nerdpy, name, busybox_image, swapper, setup, "l")
    yield name
    nerdpy("rm", "-f", name, check=False)


def _start_swapping(nerdpy, name: str, image: str, swapper: Path, setup: str, kind: str) -> None:
    """Run a container that sets /w up, then swaps as soon as the swapper is copied in."""
    script = f"{setup}; touch /w/ready; while [ ! -x /swap ]; do sleep 0.05; done; exec /swap {kind} {PAIRS}"
    nerdpy("run", "-d", "--name", name, image, "sh", "-c", script)
    for _ in range(100):
        if nerdpy("exec", name, "test", "-e", "/w/ready", check=False).returncode == 0:
            break
    nerdpy("cp", swapper, f"{name}:/swap")


def _members(tar_bytes: bytes) -> dict[str, bytes]:
    out = {}
    with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as tar:
        for member in tar:
            out[member.name] = tar.extractfile(member).read() if member.isfile() else b""
    return out


def test_export_never_follows_a_swapped_symlink(nerdpy, racing, secret, tmp_path):
    for _ in range(ROUNDS):
        out = tmp_path / "export.tar"
        result = nerdpy("export", "-o", out, racing, check=False, timeout=120)
        assert result.returncode == 0, result.stderr
        data = out.read_bytes()
        assert secret[1] not in data
        files = {k: v for k, v in _members(data).items() if k.lstrip("./").startswith("w/f")}
        assert all(v in (b"", b"innocent\n") for v in files.values())


def test_commit_never_follows_a_swapped_symlink(nerdpy, racing, secret, tmp_path):
    for i in range(3):
        image = f"racecommit-{uuid.uuid4().hex[:6]}:{i}"
        nerdpy("commit", "--pause=false", racing, image, timeout=120)
        nerdpy("save", "-o", tmp_path / "img.tar", image, timeout=120)
        assert secret[1] not in (tmp_path / "img.tar").read_bytes()
        nerdpy("rmi", image)
    # By default a running container is paused for the commit (as Docker does) and resumed after.
    image = f"racecommit-{uuid.uuid4().hex[:6]}:paused"
    nerdpy("commit", racing, image, timeout=120)
    nerdpy("rmi", image)
    status = nerdpy("inspect", "--format", "{{.State.Status}}", racing).stdout.strip()
    assert status == "running"
    bad = nerdpy("commit", "--pause=maybe", racing, "x:y", check=False)
    assert bad.returncode == 125 and "is not a boolean" in bad.stderr


def test_cp_never_follows_a_swapped_symlink(nerdpy, racing, secret, tmp_path):
    for i in range(ROUNDS // 3):
        dest = tmp_path / f"cp{i}"
        nerdpy("cp", f"{racing}:/w", dest, timeout=120)
        for child in dest.iterdir():
            if child.name != "ready" and child.is_file() and not child.is_symlink():
                assert child.read_bytes() == b"innocent\n"
        single = tmp_path / f"single{i}"
        nerdpy("cp", f"{racing}:/w/f{i % PAIRS}", single, check=False)
        assert not single.exists() or single.is_symlink() or single.read_bytes() == b"innocent\n"
        stream = nerdpy("cp", f"{racing}:/w", "-", timeout=120).stdout.encode("latin-1")
        assert secret[1] not in stream


@pytest.mark.skipif(not IS_ROOT, reason="identity: mknod of a block device needs rootful CAP_MKNOD")
def test_cp_never_reads_a_swapped_in_block_device(nerdpy, busybox_image, swapper, secret, tmp_path):
    backing = tmp_path / "disk.img"
    backing.write_bytes((secret[1] + b"\n") * 4096)
    loop = subprocess.run(["losetup", "-f", "--show", str(backing)], capture_output=True, text=True)
    if loop.returncode != 0:
        pytest.skip(f"no loop device: {loop.stderr.strip()}")
    device = loop.stdout.strip()
    name = f"racedev-{uuid.uuid4().hex[:8]}"
    try:
        rdev = os.stat(device).st_rdev
        nodes = "; ".join(f"echo innocent > /w/f{i}; mknod /w/d{i} b {os.major(rdev)} {os.minor(rdev)}"
                          for i in range(PAIRS))
        _start_swapping(nerdpy, name, busybox_image, swapper, f"mkdir -p /w; {nodes}", "d")
        for i in range(ROUNDS // 3):
            nerdpy("cp", f"{name}:/w", tmp_path / f"out{i}", check=False, timeout=120)
            single = tmp_path / f"one{i}"
            nerdpy("cp", f"{name}:/w/f{i}", single, check=False, timeout=120)
            copied = [p for p in (tmp_path / f"out{i}").rglob("*") if p.is_file()] + [single]
            assert all(secret[1] not in p.read_bytes() for p in copied if p.exists())
    finally:
        nerdpy("rm", "-f", name, check=False)
        subprocess.run(["losetup", "-d", device], check=False)


# ---------------------------------------------------------------- deep trees (#6)

DEPTH = 1400


def deep_path() -> str:
    return "/".join(["d"] * DEPTH)


@pytest.fixture(scope="module")
def deep_image(nerdpy, images, tmp_path_factory: pytest.TempPathFactory) -> str:
    """busybox + one layer of DEPTH nested directories with a file at the bottom."""
    deep = deep_path()
    spec = images.LayerSpec()
    for level in range(1, DEPTH + 1):
        spec = spec.dir("/deep/" + "/".join(["d"] * level))
    spec = spec.file(f"/deep/{deep}/bottom", b"bottom\n")
    image = images.build_image([images.busybox_rootfs(), spec], config={"Cmd": ["/bin/sh"]})
    path = tmp_path_factory.mktemp("deep") / "deep.tar"
    images.write_docker_archive(path, image, ["deep:latest"])
    nerdpy("load", "-i", path, timeout=300)
    return "deep:latest"


def test_a_deep_image_breaks_nothing(nerdpy, deep_image, registry_busybox, tmp_path):
    name = f"deep-{uuid.uuid4().hex[:8]}"
    nerdpy("run", "--name", name, deep_image, "sh", "-c", "echo changed > /deep/d/d/d/changed", timeout=120)
    try:
        out = tmp_path / "deep.tar"
        nerdpy("export", "-o", out, name, timeout=300)
        with tarfile.open(out) as tar:
            bottoms = [m.name for m in tar if m.name.endswith("/bottom")]
        assert len(bottoms) == 1 and bottoms[0].count("/") == DEPTH + 1
        assert "A /deep/d/d/d/changed" in nerdpy("diff", name).stdout.splitlines()
        nerdpy("cp", f"{name}:/deep", tmp_path / "copied", timeout=300)
        assert (tmp_path / "copied" / deep_path() / "bottom").read_bytes() == b"bottom\n"
    finally:
        remove_tree(tmp_path / "copied")  # pytest's own cleanup of old runs recurses: never leave it one
        nerdpy("rm", "-f", name)
    # Removing it must not leave a store that fails every later pull.
    nerdpy("rmi", deep_image, timeout=300)
    nerdpy("pull", registry_busybox, timeout=300)
