"""Security promises at the edges of a container (issue 12, finding 13):
tmpfs mounts get the mode asked for, and a runtime directory someone planted
(a dangling symlink in /tmp) is refused with one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import IS_ROOT

pytestmark = [pytest.mark.integration, pytest.requires("runc", "newuidmap", "busybox")]


def test_tmpfs_modes_are_honoured(nerdpy, busybox_image):
    out = nerdpy("run", "--rm", "--tmpfs", "/x:mode=1777", "--tmpfs", "/tmp:mode=0700", "--tmpfs", "/q",
                 "--mount", "type=tmpfs,target=/y,tmpfs-mode=0750", "--mount", "type=tmpfs,target=/a/b,tmpfs-mode=1770",
                 busybox_image, "stat", "-c", "%n %a", "/x", "/tmp", "/q", "/y", "/a/b").stdout
    # /q: no mode given, a new mount point: tmpfs's own 1777, as Docker's.
    assert out.split("\n")[:-1] == ["/x 1777", "/tmp 700", "/q 1777", "/y 750", "/a/b 1770"]


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nerdpy", *args], env=env, capture_output=True, text=True,
                          timeout=60, cwd="/tmp", stdin=subprocess.DEVNULL, check=False)


def _refused(result: subprocess.CompletedProcess[str], planted: Path) -> None:
    assert result.returncode == 125, result
    assert result.stderr.strip().splitlines() == [
        f"Error: {planted} is not a private directory owned by uid {os.getuid()}; hint: remove {planted} and try again"
    ], result.stderr


def test_planted_runtime_dir_symlink_is_refused(nerdpy):
    base = Path(tempfile.mkdtemp(prefix="npplant-", dir="/tmp"))
    try:
        planted = base / "runtime"
        planted.symlink_to(base / "nowhere")  # dangling
        _refused(_run({**nerdpy.env, "NERDPY_RUNTIME_ROOT": str(planted)}, "ps"), planted)
        run_user = Path(f"/run/user/{os.getuid()}")  # logind's dir wins over the fallback when it is ours
        if not IS_ROOT and not (run_user.is_dir() and run_user.stat().st_uid == os.getuid()):
            # The rootless fallback without XDG_RUNTIME_DIR: $TMPDIR/nerdpy-run-UID.
            fallback = base / f"nerdpy-run-{os.getuid()}"
            fallback.symlink_to(base / "nowhere")
            env = {k: v for k, v in nerdpy.env.items() if k not in ("NERDPY_RUNTIME_ROOT", "XDG_RUNTIME_DIR")}
            _refused(_run({**env, "TMPDIR": str(base)}, "ps"), fallback)
        assert not (base / "nowhere").exists()
    finally:
        subprocess.run(["rm", "-rf", str(base)], check=False)
