"""`nerdpy build` where a Docker user's Dockerfile or command line met a difference
from BuildKit (found trying realistic builds as an unprivileged user): each test
is the Docker behaviour that was missing."""

from __future__ import annotations

import pytest

from tests.conftest import requires

pytestmark = [pytest.mark.integration, requires("runc", "busybox", "userns")]


def _context(tmp_path, dockerfile: str):
    (tmp_path / "Dockerfile").write_text(dockerfile)
    tmp_path.chmod(0o755)
    return tmp_path


def _stat(nerdpy, image: str, *paths: str) -> list[str]:
    out = nerdpy("run", "--rm", "--network", "none", "-u", "0", image, "stat", "-c", "%a %u:%g %n", *paths).stdout
    return out.splitlines()


def test_workdir_creates_only_the_missing_directories_as_the_user(nerdpy, busybox_image, tmp_path):
    # mkdir -p: /tmp keeps its sticky bit and /home/user its owner; what WORKDIR makes belongs to USER
    ctx = _context(tmp_path, "FROM busybox\nWORKDIR /tmp/made\nUSER user\nWORKDIR /home/user/src/deep\n")
    image = nerdpy("build", "-q", ctx, timeout=120).stdout.strip()
    assert _stat(nerdpy, image, "/tmp", "/tmp/made", "/home/user", "/home/user/src", "/home/user/src/deep") == [
        "1777 0:0 /tmp", "755 0:0 /tmp/made", "755 1000:1000 /home/user", "755 1000:1000 /home/user/src",
        "755 1000:1000 /home/user/src/deep"]
    nerdpy("rmi", image)
