"""The rootless namespace model, end to end (the lead's nerdpy/userns, via `nerdpy unshare`)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.conftest import IS_ROOT, requires

pytestmark = [pytest.mark.integration, requires("newuidmap", "userns")]


def _subuid_count() -> int:
    import pwd

    name = pwd.getpwuid(os.getuid()).pw_name
    total = 0
    for line in Path("/etc/subuid").read_text().splitlines():
        parts = line.strip().split(":")
        if len(parts) == 3 and parts[0] in (name, str(os.getuid())):
            total += int(parts[2])
    return total


def test_unshare_maps_caller_to_root(fresh_nerdpy):
    assert fresh_nerdpy("unshare", "id", "-u").stdout.strip() == "0"


def test_uid_map_covers_whole_subuid_range(fresh_nerdpy):
    lines = [line.split() for line in fresh_nerdpy("unshare", "cat", "/proc/self/uid_map").stdout.splitlines()]
    if IS_ROOT:
        assert lines == [["0", "0", "4294967295"]]  # root: the initial namespace, no holder
        return
    assert lines[0] == ["0", str(os.getuid()), "1"]
    assert sum(int(count) for _, _, count in lines[1:]) == _subuid_count()


def test_commands_share_one_namespace_and_holder_is_recreated(fresh_nerdpy):
    def userns() -> str:
        return fresh_nerdpy("unshare", "readlink", "/proc/self/ns/user").stdout.strip()

    first, second = userns(), userns()
    assert first == second and first.startswith("user:[")
    if IS_ROOT:
        assert first == os.readlink("/proc/self/ns/user")
        return
    assert first != os.readlink("/proc/self/ns/user")
    pidfile = fresh_nerdpy.runtime_root / "holder.pid"
    holder = int(pidfile.read_text().split()[0])
    os.kill(holder, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while not _dead(holder) and time.monotonic() < deadline:
        time.sleep(0.02)
    third = userns()
    # Not `third != first`: the kernel reuses a freed namespace's inode number.
    assert third.startswith("user:[") and _dead(holder)
    new_holder = int(pidfile.read_text().split()[0])
    assert new_holder != holder and os.readlink(f"/proc/{new_holder}/ns/user") == third
    assert userns() == third


def test_unshare_exit_code_passes_through(nerdpy):
    assert nerdpy("unshare", "sh", "-c", "exit 7", check=False).returncode == 7


def _dead(pid: int) -> bool:
    """Gone, or a zombie: where PID 1 does not reap (CI containers, minimal inits)
    a killed holder keeps its /proc entry in state Z, and nerdpy treats it as dead."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return True
    return stat.rpartition(")")[2].split()[0] == "Z"
