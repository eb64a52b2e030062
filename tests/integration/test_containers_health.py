"""Healthchecks run by the shim: Docker's state machine, ps/inspect shapes, the
image's HEALTHCHECK, --no-healthcheck, timeouts, output cap, `healthcheck run`."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from tests.fixtures import images as _images

pytestmark = [pytest.mark.integration, pytest.requires("runc", "newuidmap", "busybox")]


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _health(nerdpy, name: str) -> dict:
    return json.loads(nerdpy("inspect", "-f", "{{json .State.Health}}", name).stdout)


def _wait_for(nerdpy, name: str, predicate, timeout: float = 20.0) -> dict:
    end = time.monotonic() + timeout
    while True:
        health = _health(nerdpy, name)
        if predicate(health):
            return health
        assert time.monotonic() < end, f"health never matched: {health}"
        time.sleep(0.1)


def _status(nerdpy, name: str) -> str:
    return nerdpy("ps", "--filter", f"name={name}", "--format", "{{.Status}}").stdout.strip()


def _names_with(nerdpy, health: str) -> list[str]:
    return nerdpy("ps", "--filter", f"health={health}", "--format", "{{.Names}}").stdout.split()


def test_starting_unhealthy_healthy_and_back(nerdpy, busybox_image):
    name = _name("hc")
    began = time.monotonic()
    nerdpy("run", "-d", "--name", name, "--health-cmd", "test -f /tmp/ok", "--health-interval", "300ms",
           "--health-retries", "2", "--health-start-period", "3s", "--health-start-interval", "200ms",
           busybox_image, "sleep", "120")
    try:
        assert _status(nerdpy, name).endswith("(health: starting)")
        assert name in _names_with(nerdpy, "starting") and name not in _names_with(nerdpy, "none")
        # Failures inside the start period are logged but not counted.
        early = _wait_for(nerdpy, name, lambda h: len(h["Log"]) >= 1)
        if time.monotonic() - began < 2.5:
            assert early["Status"] == "starting" and early["FailingStreak"] == 0
        assert early["Log"][0]["ExitCode"] == 1 and set(early["Log"][0]) == {"Start", "End", "ExitCode", "Output"}
        bad = _wait_for(nerdpy, name, lambda h: h["Status"] == "unhealthy")
        assert bad["FailingStreak"] >= 2 and len(bad["Log"]) <= 5
        assert _status(nerdpy, name).endswith("(unhealthy)") and name in _names_with(nerdpy, "unhealthy")
        nerdpy("exec", name, "touch", "/tmp/ok")
        good = _wait_for(nerdpy, name, lambda h: h["Status"] == "healthy")
        assert good["FailingStreak"] == 0 and good["Log"][-1]["ExitCode"] == 0
        assert _status(nerdpy, name).startswith("Up ") and _status(nerdpy, name).endswith("(healthy)")
        assert name in _names_with(nerdpy, "healthy")
        nerdpy("exec", name, "rm", "/tmp/ok")
        once = nerdpy("healthcheck", "run", name, check=False)
        assert once.returncode == 1 and once.stdout.strip() == "unhealthy"
        _wait_for(nerdpy, name, lambda h: h["Status"] == "unhealthy")
        config = json.loads(nerdpy("inspect", "-f", "{{json .Config.Healthcheck}}", name).stdout)
        assert config == {"Test": ["CMD-SHELL", "test -f /tmp/ok"], "Interval": 300_000_000, "Retries": 2,
                          "StartPeriod": 3_000_000_000, "StartInterval": 200_000_000}
    finally:
        nerdpy("rm", "-f", name, check=False)


def test_healthcheck_run_output_cap_and_timeout(nerdpy, busybox_image):
    name = _name("hr")
    check = "[ -f /tmp/slow ] && sleep 10; head -c 5000 /dev/zero | tr '\\0' a"
    nerdpy("run", "-d", "--name", name, "--health-cmd", check, "--health-interval", "1h", "--health-timeout", "700ms",
           busybox_image, "sleep", "120")
    try:
        assert nerdpy("healthcheck", "run", name).returncode == 0
        entry = _health(nerdpy, name)["Log"][-1]
        assert entry["ExitCode"] == 0 and entry["Output"] == "a" * 4096 + "..."
        nerdpy("exec", name, "touch", "/tmp/slow")
        began = time.monotonic()
        slow = nerdpy("healthcheck", "run", name, check=False)
        assert slow.returncode == 1 and time.monotonic() - began < 8
        entry = _health(nerdpy, name)["Log"][-1]
        assert entry == {**entry, "ExitCode": -1, "Output": "Health check exceeded timeout (700ms)"}
        none = nerdpy("run", "-d", "--name", name + "-n", busybox_image, "sleep", "60").stdout.strip()
        missing = nerdpy("healthcheck", "run", none, check=False)
        assert missing.returncode == 125 and "no defined healthcheck" in missing.stderr
        assert nerdpy("inspect", "-f", "{{json .State.Health}}", none).stdout.strip() == "null"
    finally:
        nerdpy("rm", "-f", name, name + "-n", check=False)


def test_image_healthcheck_and_no_healthcheck(nerdpy, tmp_path):
    check = {"Test": ["CMD", "sh", "-c", "echo $((40+2))"], "Interval": 200_000_000, "Retries": 1}
    image = _images.busybox_image(config={"Healthcheck": check})
    tag = f"hcimage-{uuid.uuid4().hex[:8]}:latest"
    nerdpy("load", "-i", _images.write_docker_archive(tmp_path / "hc.tar", image, [tag]))
    name, off, longer = _name("hi"), _name("hn"), _name("hl")
    try:
        nerdpy("run", "-d", "--name", name, tag, "sleep", "60")
        nerdpy("run", "-d", "--name", off, "--no-healthcheck", tag, "sleep", "60")
        nerdpy("create", "--name", longer, "--health-interval", "1m", tag, "true")
        healthy = _wait_for(nerdpy, name, lambda h: h["Status"] == "healthy")
        assert healthy["Log"][-1]["Output"] == "42\n"
        got = json.loads(nerdpy("inspect", "-f", "{{json .Config.Healthcheck}}", off).stdout)
        assert got == {**check, "Test": ["NONE"]}  # Docker's merge fills the rest from the image
        assert nerdpy("inspect", "-f", "{{json .State.Health}}", off).stdout.strip() == "null"
        assert off in _names_with(nerdpy, "none") and off not in _names_with(nerdpy, "healthy")
        assert _status(nerdpy, off).startswith("Up ") and "health" not in _status(nerdpy, off)
        merged = json.loads(nerdpy("inspect", "-f", "{{json .Config.Healthcheck}}", longer).stdout)
        assert merged == {**check, "Interval": 60_000_000_000}
        bad = nerdpy("run", "--rm", "--no-healthcheck", "--health-retries", "2", tag, "true", check=False)
        assert bad.returncode == 125 and bad.stderr.startswith("Error: --no-healthcheck conflicts")
        bad = nerdpy("create", "--health-timeout", "-1s", tag, "true", check=False)
        assert bad.returncode == 125 and "cannot be negative" in bad.stderr
    finally:
        nerdpy("rm", "-f", name, off, longer, check=False)
        nerdpy("rmi", tag, check=False)


def _memory_limit(pid: int) -> int | None:
    """The container's memory cgroup limit as the host sees it (cgroup v1 or v2)."""
    with open(f"/proc/{pid}/cgroup") as handle:
        lines = handle.read().splitlines()
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for base, name in (("/sys/fs/cgroup/memory", "memory.limit_in_bytes"), ("/sys/fs/cgroup", "memory.max")):
            if ("memory" in controllers.split(",") and name.endswith("bytes")) or (controllers == "" and
                                                                                  name == "memory.max"):
                try:
                    with open(f"{base}{path}/{name}") as handle:
                        return int(handle.read().strip())
                except (OSError, ValueError):
                    continue
    return None


def test_update_restart_and_limits(nerdpy, busybox_image):
    """`update --restart` reaches the running container's shim; limits go through
    runc update where the cgroup allows (root here), else one clear error."""
    import os

    name = _name("up")
    # Exits once after 4 s; restarted (the writable layer keeps /once), it stays up.
    nerdpy("run", "-d", "--name", name, busybox_image, "sh", "-c", "[ -f /once ] && exec sleep 600; touch /once; sleep 4")
    try:
        assert nerdpy("update", "--restart", "always", name).stdout.strip() == name
        # Still up when the update landed (restarting: the new policy already acted).
        assert nerdpy("inspect", "-f", "{{.State.Status}}", name).stdout.strip() in ("running", "restarting")
        end = time.monotonic() + 20
        while int(nerdpy("inspect", "-f", "{{.RestartCount}}", name).stdout) < 1:
            assert time.monotonic() < end, "the updated policy did not restart the container"
            time.sleep(0.2)
        policy = json.loads(nerdpy("inspect", "-f", "{{json .HostConfig.RestartPolicy}}", name).stdout)
        assert policy["Name"] == "always"
        while nerdpy("inspect", "-f", "{{.State.Status}}", name).stdout.strip() != "running":
            assert time.monotonic() < end
            time.sleep(0.2)
        limits = nerdpy("update", "--memory", "64m", "--pids-limit", "50", name, check=False)
        if os.getuid() == 0:
            assert limits.returncode == 0, limits.stderr
            assert nerdpy("inspect", "-f", "{{.HostConfig.Memory}}", name).stdout.strip() == str(64 << 20)
            pid = int(nerdpy("inspect", "-f", "{{.State.Pid}}", name).stdout)
            if pid:
                assert _memory_limit(pid) in (64 << 20, None)
        else:
            assert limits.returncode == 1 and "cgroup v2" in limits.stderr
            assert len(limits.stderr.strip().splitlines()) == 1
        none = nerdpy("update", name, check=False)
        assert none.returncode == 1 and "one or more flags" in none.stderr
    finally:
        nerdpy("rm", "-f", name, check=False)
