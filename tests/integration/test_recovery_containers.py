"""Recovery of containers (issue 18): a container whose shim was killed starts
again, and a `run -d` killed at any step leaves nothing `prune` cannot reclaim."""

from __future__ import annotations

import json
import os
import signal
import time
import uuid

import pytest

from tests.conftest import requires
from tests.integration.test_containers_faults import _wait_for

pytestmark = [pytest.mark.integration, requires("runc", "newuidmap", "busybox")]


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _inspect(np, name: str) -> dict:
    return json.loads(np("inspect", name).stdout)[0]


def _raw_state(np, cid: str) -> dict:
    return json.loads((np.data_root / "containers" / cid / "state.json").read_text())


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def test_container_whose_shim_was_killed_starts_again(nerdpy, busybox_image):
    name = _name("shimkill")
    cid = nerdpy("run", "-d", "--name", name, "--network", "none", busybox_image, "sleep", "300").stdout.strip()
    os.kill(_raw_state(nerdpy, cid)["shim_pid"], signal.SIGKILL)
    _wait_for(lambda: "Exited (137)" in nerdpy("ps", "-a", "--filter", f"name={name}").stdout)
    assert nerdpy("exec", name, "true", check=False).returncode != 0  # not running: refused
    nerdpy("start", name)
    state = _inspect(nerdpy, name)["State"]
    assert state["Status"] == "running" and state["Running"], state
    assert _alive(state["Pid"]), "inspect must name a live pid"
    assert nerdpy("exec", name, "echo", "back").stdout == "back\n"
    assert name in nerdpy("ps", "--format", "{{.Names}}").stdout.split()
    nerdpy("stop", "-t", "1", name)
    stopped = _inspect(nerdpy, name)["State"]
    assert stopped["Status"] == "exited" and stopped["Pid"] == 0
    nerdpy("rm", name)
    assert not (nerdpy.data_root / "containers" / cid).exists()


RUN_STEPS = ("run:shim-spawned", "run:record-added", "run:rootfs-prepared", "start:network-up",
             "start:rootfs-mounted", "start:bundle-written")


def _leftovers(np) -> dict[str, list[str]]:
    def listing(path) -> list[str]:
        return sorted(p.name for p in path.iterdir()) if path.is_dir() else []

    snaps = np.data_root / "snapshots"
    drivers = [d for d in snaps.iterdir() if d.is_dir()] if snaps.is_dir() else []
    return {
        "shims": listing(np.runtime_root / "shims"),
        "runc": listing(np.runtime_root / "runc"),
        "containers": listing(np.data_root / "containers"),
        "snapshots": sorted(e for d in drivers for e in listing(d / "snapshots")),
        "snapshot-tmp": sorted(e for d in drivers for e in listing(d) if e != "snapshots"),
        "mounts": sorted(line.split()[4] for line in open("/proc/self/mountinfo")
                         if str(np.data_root) in line.split()[4]),
    }


def test_run_killed_at_each_step_leaves_nothing_prune_cannot_reclaim(fresh_nerdpy, busybox_tar):
    np = fresh_nerdpy
    np("load", "-i", busybox_tar, timeout=120)
    np("run", "--name", "warm", "busybox:latest", "true")  # unpacked once: the baseline holds the image's layers
    np("rm", "warm")  # (not --rm: its cleanup is detached and would race the baseline)
    before = _leftovers(np)
    for step in RUN_STEPS:
        proc = np("run", "-d", "-l", "fault=1", "busybox:latest", "sleep", "300", env={"NERDPY_FAULT": step},
                  check=False)
        assert proc.returncode == -9, (step, proc.stderr)
    assert _leftovers(np) != before, "the killed runs left something to reclaim"
    time.sleep(1.1)  # prune spares a shim dir for its first second (its shim is still being spawned)
    np("system", "prune", "-f")
    assert np("ps", "-aq", "--filter", "label=fault=1").stdout.strip() == ""
    assert _leftovers(np) == before
    # and nothing blocks the next run
    assert np("run", "--rm", "busybox:latest", "echo", "fine").stdout == "fine\n"
