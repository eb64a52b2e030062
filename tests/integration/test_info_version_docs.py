"""`info` and `version` as Docker's tools read them (issue 14 #13, #17): Docker's template
keys, `{{json .}}` in the Engine API's SystemInfo / SystemVersion shapes (checked against
tests/fixtures/engine_api.py), warnings on stderr, GOARCH names."""

from __future__ import annotations

import json
import platform

import pytest

from tests.conftest import requires
from tests.fixtures import engine_api

pytestmark = pytest.mark.integration

GOARCH = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())


@requires("runc", "userns", "busybox")
def test_info_is_dockers_system_info_with_live_counts(fresh_nerdpy, busybox_tar):
    nerdpy = fresh_nerdpy
    nerdpy("load", "-i", busybox_tar)
    running = nerdpy("run", "-d", "busybox:latest", "sleep", "60").stdout.strip()
    nerdpy("create", "busybox:latest", "true")
    info = nerdpy("info", "--format", "{{json .}}")
    doc = json.loads(info.stdout)
    assert engine_api.check(doc, engine_api.SYSTEM_INFO) == []
    assert (doc["Containers"], doc["ContainersRunning"], doc["ContainersStopped"], doc["Images"]) == (2, 1, 1, 1)
    assert "rootless" in doc and "problems" in doc  # nerdpy's own diagnosis stays beside Docker's keys
    assert doc["CgroupVersion"] == doc["cgroup_version"].split(" ")[0]  # "1 (hybrid)" is Docker's "1"
    assert doc["OomKillDisable"] == (doc["MemoryLimit"] and doc["CgroupVersion"] == "1")
    shown = nerdpy("info", "--format", "{{.Driver}}|{{.ServerVersion}}|{{.Containers}}|{{.ContainersRunning}}|"
                                       "{{.Images}}|{{.OSType}}|{{.storage_driver}}").stdout.strip()
    assert shown == f"{doc['Driver']}|{doc['ServerVersion']}|2|1|1|linux|{doc['storage_driver']}"
    text = nerdpy("info", check=False)
    assert " Containers: 2\n  Running: 1\n  Paused: 0\n  Stopped: 1\n Images: 1\n" in text.stdout
    # Docker prints warnings after the report on stderr, never inside it.
    assert "WARNING" not in text.stdout
    assert [line for line in text.stderr.splitlines() if line.startswith("WARNING: ")] == [
        f"WARNING: {p['message']}; fix: {p['fix']}" for p in doc["problems"] if p["severity"] == "warning"]
    nerdpy("rm", "-f", running)


def test_version_is_dockers_with_goarch(nerdpy):
    doc = json.loads(nerdpy("version", "--format", "{{json .}}").stdout)
    assert engine_api.check(doc, engine_api.VERSION) == []
    assert doc["Client"]["Arch"] == doc["Server"]["Arch"] == GOARCH
    out = nerdpy("version", "--format", "{{.Server.Version}} {{.Client.Version}} {{.Server.Arch}}").stdout.split()
    assert out == [doc["Server"]["Version"], doc["Client"]["Version"], GOARCH]
    text = nerdpy("version").stdout
    assert f" OS/Arch:\tlinux/{GOARCH}" in text and "Server:" in text and platform.machine() not in text.replace(
        doc["Server"]["KernelVersion"], "")
