"""The runc driver on its own: create/start/state/kill/delete/exec/pause/resume/ps,
against a busybox rootfs directory, inside the rootless namespace when not root."""

from __future__ import annotations

import json
import os
import shutil
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.integration, pytest.requires("runc", "newuidmap", "busybox")]

SCRIPT = textwrap.dedent("""
    import json, os, sys, time
    sys.path.insert(0, sys.argv[1])
    from nerdpy.oci import build
    from nerdpy.oci import options as o
    from nerdpy.runtime import find_runtime
    from nerdpy.runtime.runc import Runc
    from nerdpy.runtime import run as run_process

    bundle, root, cid = sys.argv[2], sys.argv[3], sys.argv[4]
    rootless = os.environ.get("NERDPY_ROOTLESS_UID") is not None
    spec = build(rootless, [o.with_args(["sleep", "60"]), o.with_root("rootfs", False),
                            o.with_network_namespace("", rootless)])
    with open(os.path.join(bundle, "config.json"), "w") as f:
        json.dump(spec, f)
    runc = Runc(find_runtime("runc", rootless), root)
    out = {}
    null = os.open(os.devnull, os.O_RDWR)
    runc.create(cid, bundle, os.path.join(bundle, "pid"), stdio=(null, null, null))
    out["created"] = runc.state(cid)["status"]
    runc.start(cid)
    out["running"] = runc.state(cid)["status"]
    pid = runc.state(cid)["pid"]
    process = dict(spec["process"], args=["echo", "from-exec"], terminal=False)
    with open(os.path.join(bundle, "p.json"), "w") as f:
        json.dump(process, f)
    code, stdout, _ = run_process(runc.exec_argv(cid, os.path.join(bundle, "p.json"), detach=False))
    out["exec"] = [code, stdout.decode()]
    try:
        runc.pause(cid)
        out["paused"] = runc.state(cid)["status"]
        runc.resume(cid)
        out["ps"] = runc.ps(cid)
    except Exception as exc:
        out["pause_error"] = getattr(exc, "message", str(exc))
    out["fds"] = sorted(os.listdir(f"/proc/{pid}/fd"))
    runc.kill(cid, 9)
    for _ in range(100):
        if runc.state(cid)["status"] == "stopped":
            break
        time.sleep(0.05)
    out["stopped"] = runc.state(cid)["status"]
    runc.delete(cid)
    out["deleted"] = runc.state(cid)
    runc.delete(cid)  # idempotent
    print(json.dumps(out))
""")


def test_runc_driver_lifecycle(nerdpy, tmp_path, images):
    bundle = tmp_path / "bundle"
    rootfs = bundle / "rootfs" / "bin"
    rootfs.mkdir(parents=True)
    shutil.copy(images.BUSYBOX, rootfs / "busybox")
    for applet in ("sleep", "echo", "sh"):
        os.symlink("busybox", rootfs / applet)
    (tmp_path / "driver.py").write_text(SCRIPT)
    root = nerdpy.runtime_root / "runc-driver-test"
    result = nerdpy.unshare(sys.executable, tmp_path / "driver.py", REPO, bundle, root, "drv" + os.urandom(4).hex())
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["created"] == "created" and out["running"] == "running"
    assert out["exec"] == [0, "from-exec\n"]
    assert out["fds"] == ["0", "1", "2"]
    assert out["stopped"] == "stopped" and out["deleted"] is None
    if os.getuid() == 0:
        assert out["paused"] == "paused" and len(out["ps"]) == 1
    else:
        assert "pause_error" in out  # no freezer rootless on cgroup v1
