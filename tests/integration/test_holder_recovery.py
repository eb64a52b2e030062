"""The rootless namespace outlives its holder while containers run."""

import os
import signal
import time

import pytest

from tests.conftest import requires

pytestmark = pytest.mark.integration


def _holder(np) -> int:
    return int((np.runtime_root / "holder.pid").read_text().split()[0])


def _ns(np, *cmd) -> str:
    return np(*cmd).stdout.strip().rsplit(" ", 1)[-1]


@requires("rootless", "runc", "newuidmap")
def test_killed_holder_is_restarted_inside_the_running_containers_namespace(fresh_nerdpy, busybox_tar):
    np = fresh_nerdpy
    np("load", "-i", busybox_tar, timeout=120)
    np("run", "-d", "--name", "survivor", "--network", "none", "busybox:latest", "sleep", "300")
    inside = _ns(np, "exec", "survivor", "ls", "-l", "/proc/1/ns/user")
    assert inside == _ns(np, "unshare", "readlink", "/proc/self/ns/user")

    old = _holder(np)
    os.kill(old, signal.SIGKILL)
    time.sleep(0.2)

    # exec still reaches the container, and the new holder shares its namespace.
    assert _ns(np, "exec", "survivor", "ls", "-l", "/proc/1/ns/user") == inside
    assert _ns(np, "unshare", "readlink", "/proc/self/ns/user") == inside
    assert _holder(np) != old
    np("rm", "-f", "survivor")


@requires("rootless", "newuidmap")
def test_killed_holder_without_containers_gets_a_fresh_full_namespace(fresh_nerdpy):
    np = fresh_nerdpy
    first = _ns(np, "unshare", "readlink", "/proc/self/ns/user")
    assert first == _ns(np, "unshare", "readlink", "/proc/self/ns/user")
    os.kill(_holder(np), signal.SIGKILL)
    time.sleep(0.2)
    uid_map = np("unshare", "cat", "/proc/self/uid_map").stdout.split()
    assert uid_map[:3] == ["0", str(os.getuid()), "1"] and uid_map[3] == "1"
    assert np("unshare", "id", "-u").stdout.strip() == "0"
