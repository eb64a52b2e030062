"""`nerdpy info` tells the truth about this host, and names the fix for what is missing."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import requires
from nerdpy.hostinfo import cgroup_version

pytestmark = pytest.mark.integration


@requires("runc", "newuidmap")
def test_info_reports_identity_runtime_driver_and_cgroups(nerdpy):
    result = nerdpy("info")
    out = result.stdout
    assert f"Rootless:         {str(os.getuid() != 0).lower()}" in out
    assert "OCI runtime:      runc" in out
    assert "Storage driver:   overlay" in out
    if os.getuid() != 0:
        assert "UID mapping:      0:%d:1, 1:" % os.getuid() in out
        if cgroup_version() != "2":  # Docker's place for warnings: stderr
            assert "WARNING: cgroup v1" in result.stderr and "--memory" in result.stderr


def test_info_json_is_machine_readable(nerdpy):
    data = json.loads(nerdpy("info", "--format", "json").stdout)
    assert data["rootless"] == (os.getuid() != 0)
    assert data["usable"] is True
    assert nerdpy("info", "--format", "{{.Rootless}}").stdout.strip() == str(os.getuid() != 0).lower()


@requires("root")
def test_user_without_subuids_gets_the_fix_and_a_failure():
    # `nobody` has no /etc/subuid entry: containers could not run, so info fails.
    env = {"PATH": os.environ["PATH"], "HOME": "/tmp", "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(["runuser", "-u", "nobody", "--", sys.executable, "-m", "nerdpy", "info"],
                          capture_output=True, text=True, env=env, cwd="/", timeout=60)
    assert proc.returncode == 1, proc.stderr
    line = next(text for text in proc.stderr.splitlines() if "subuid" in text)
    assert line.startswith("ERROR: no subuid range for nobody")
    assert "usermod --add-subuids" in line and "nobody" in line.split("fix:")[1]


@requires("root")
def test_commands_that_need_the_namespace_fail_in_one_line_without_subuids():
    env = {"PATH": os.environ["PATH"], "HOME": "/tmp", "PYTHONDONTWRITEBYTECODE": "1",
           "NERDPY_DATA_ROOT": "/tmp/nerdpy-nobody-data", "NERDPY_RUNTIME_ROOT": "/tmp/nerdpy-nobody-run"}
    try:
        proc = subprocess.run(["runuser", "-u", "nobody", "--", sys.executable, "-m", "nerdpy", "unshare", "true"],
                              capture_output=True, text=True, env=env, cwd="/", timeout=60)
    finally:
        shutil.rmtree(env["NERDPY_RUNTIME_ROOT"], ignore_errors=True)
        shutil.rmtree(env["NERDPY_DATA_ROOT"], ignore_errors=True)
    assert proc.returncode == 125
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: no subuid range for user nobody"), proc.stderr
    assert "Traceback" not in proc.stderr
