"""`start --all --filter restart-policy=...` after a simulated reboot brings back
exactly the containers Docker's daemon restarts at boot."""

import os
import shutil
import signal
import subprocess
import time

import pytest

from tests.conftest import requires

pytestmark = pytest.mark.integration

BOOT = ("start", "--all", "--filter", "restart-policy=always", "--filter", "restart-policy=unless-stopped")
POLICIES = {"always": "always", "always-stopped": "always", "unless": "unless-stopped",
            "unless-stopped": "unless-stopped", "no": "no", "onfail": "on-failure"}


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def _reboot(np) -> None:
    """Everything a reboot takes: container processes, shims, the holder, the runtime root."""
    pids = [int(line) for line in np("inspect", "-f", "{{.State.Pid}}", *POLICIES).stdout.split() if int(line)]
    for pidfile in np.runtime_root.glob("shims/*/shim.pid"):  # shims first: no exit handling
        _kill(int(pidfile.read_text().split()[0]))
    for pid in pids:
        _kill(pid)
    holder = np.runtime_root / "holder.pid"
    if holder.exists():  # rootless: the netns mounts live in the holder's mount namespace
        _kill(int(holder.read_text().split()[0]))
    else:
        for netns in np.runtime_root.glob("netns/*"):
            subprocess.run(["umount", "-l", str(netns)], check=False)
    for _ in range(10):  # a process that was exiting may still touch it
        try:
            shutil.rmtree(np.runtime_root)
            break
        except OSError:
            time.sleep(0.2)
    assert not np.runtime_root.exists()


@requires("runc")
def test_boot_command_restarts_what_docker_would(fresh_nerdpy, busybox_tar):
    np = fresh_nerdpy
    np("load", "-i", busybox_tar, timeout=120)
    for name, policy in POLICIES.items():
        np("run", "-d", "--name", name, "--network", "none", "--restart", policy, "busybox:latest", "sleep", "300")
    np("stop", "-t", "0", "always-stopped", "unless-stopped")
    np("restart", "-t", "0", "unless")  # a start by hand clears an earlier stop by hand
    _reboot(np)
    assert np("ps", "-q").stdout.split() == []

    out = np(*BOOT, timeout=120).stdout.split()
    # Docker: always (even stopped by hand), unless-stopped not stopped by hand.
    assert sorted(out) == ["always", "always-stopped", "unless"]
    running = np("ps", "--format", "{{.Names}}").stdout.split()
    assert sorted(running) == ["always", "always-stopped", "unless"]
    assert np("exec", "unless", "true").returncode == 0
    assert np(*BOOT).stdout.split() == []  # nothing left to start
    np("rm", "-f", *POLICIES)


def test_start_all_rejects_bad_filters(nerdpy):
    result = nerdpy("start", "--all", "--filter", "restart-policy=sometimes", check=False)
    assert result.returncode == 125 and result.stderr.startswith("Error: invalid restart policy")
    result = nerdpy("start", "--filter", "restart-policy=always", check=False)
    assert result.returncode == 125 and "--all" in result.stderr
