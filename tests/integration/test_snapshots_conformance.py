"""The shared snapshotter conformance suite: every scenario against every driver, in the
rootless namespace when run as a user (plain process as root).

Scenarios live in tests/integration/snapshots_harness.py because they must run inside
the namespace (mounts, subuid ownership); each one asserts there and exits non-zero
on failure. Each case gets a store of its own under the session store.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest

from tests.conftest import IDENTITY_SKIP, IS_ROOT, REPO, requires

DRIVERS = ("overlay", "fuse-overlayfs", "native")
SNAPSHOT_SCENARIOS = ("basic", "stat", "chain", "remove", "walk", "many_layers", "usage")
UNPACK_SCENARIOS = ("unpack_tricky", "unpack_hostile", "unpack_bad_diff_id", "unpack_concurrent", "diff_roundtrip",
                    "unpack_reaps_killed")


def run_scenario(nerdpy, scenario: str, driver: str, timeout: float = 240) -> dict:
    if driver == "fuse-overlayfs" and not os.access("/dev/fuse", os.R_OK | os.W_OK):
        pytest.skip(f"{IDENTITY_SKIP} /dev/fuse is root-only on this host (fuse-overlayfs)")
    data_root = nerdpy.data_root / "snaptests" / f"{driver}-{scenario}-{uuid.uuid4().hex[:6]}"
    cmd = [sys.executable, "-m", "tests.integration.snapshots_harness", scenario, driver]
    env = {**nerdpy.env, "NERDPY_DATA_ROOT": str(data_root)}
    if IS_ROOT:
        result = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO, timeout=timeout)
    else:
        result = nerdpy("unshare", *cmd, check=False, env={"NERDPY_DATA_ROOT": str(data_root)}, cwd=REPO,
                        timeout=timeout)
    assert result.returncode == 0, f"{scenario} on {driver} failed:\n{result.stdout}\n{result.stderr}"
    return json.loads(result.stdout.strip().splitlines()[-1])


@requires("userns")
@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("scenario", SNAPSHOT_SCENARIOS)
def test_snapshotter_conformance(nerdpy, driver, scenario):
    out = run_scenario(nerdpy, scenario, driver)
    assert out["scenario"] == scenario and out["driver"] == driver


@requires("userns", "busybox")
@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("scenario", UNPACK_SCENARIOS)
def test_unpack(nerdpy, driver, scenario):
    out = run_scenario(nerdpy, scenario, driver)
    if scenario == "unpack_tricky":
        tree = out["result"]
        # Owners as the image says, whether as root or as subuids in the namespace.
        assert tree["data/user-file"][2:4] == [1000, 1000] and tree["data/nobody-file"][2:4] == [65534, 65534]
        assert "data/gone" not in tree and sorted(k for k in tree if k.startswith("opaque/")) == ["opaque/new"]


@requires("userns")
def test_driver_is_recorded_and_never_mixed(nerdpy):
    data_root = nerdpy.data_root / "snaptests" / f"mix-{uuid.uuid4().hex[:6]}"
    env = {"NERDPY_DATA_ROOT": str(data_root)}
    code = "from nerdpy.config import load_settings; from nerdpy.snapshots import get_snapshotter; " \
           "print(get_snapshotter(load_settings()).name)"
    first = nerdpy("unshare", sys.executable, "-c", code, env=env, cwd=REPO) if not IS_ROOT else \
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env={**nerdpy.env, **env}, cwd=REPO, check=True)
    probed = first.stdout.strip()
    assert probed == "overlay"  # kernel 6.x: native overlayfs works, as root and in a user namespace
    assert (data_root / "snapshots" / "driver").read_text() == "overlay\n"
    forced = {**env, "NERDPY_STORAGE_DRIVER": "native"}
    other = nerdpy("unshare", sys.executable, "-c", code, env=forced, cwd=REPO, check=False) if not IS_ROOT \
        else subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**nerdpy.env, **forced}, cwd=REPO)
    assert other.returncode != 0 and "uses storage driver overlay, not native" in other.stderr
    info = nerdpy("info", "--format", "{{.storage_driver}}", env=env)
    assert info.stdout.strip() == "overlay"
