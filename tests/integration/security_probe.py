"""The probe image of the security tests: busybox plus a static C probe
(security_probe.c, built here with `cc -static`: busybox has no raw-frame or
arbitrary-socket tool). Shared by the test_security_* modules."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SOURCE = Path(__file__).with_name("security_probe.c")
IMAGE = "secprobe:latest"


def build_probe(out_dir: Path) -> Path:
    if not shutil.which("cc"):
        pytest.skip("no C compiler (helpers/prerequisites.sh installs gcc and libc6-dev)")
    binary = out_dir / "probe"
    subprocess.run(["cc", "-static", "-O2", "-o", str(binary), str(SOURCE)], check=True)
    return binary


def load_probe_image(nerdpy, images, out_dir: Path) -> str:
    """Load busybox + /probe as IMAGE into `nerdpy`'s store; returns its name."""
    binary = build_probe(out_dir)
    spec = images.busybox_rootfs().file("/probe", binary.read_bytes(), mode=0o755)
    tar = out_dir / "secprobe.tar"
    images.write_docker_archive(tar, images.build_image([spec]), repo_tags=(IMAGE,))
    out_dir.chmod(0o755)
    tar.chmod(0o644)
    nerdpy("load", "-i", str(tar))
    return IMAGE
