from __future__ import annotations

import os

from nerdpy.oci import build
from nerdpy.oci import namespaces as ns
from nerdpy.oci import options as o


def _namespaces(spec):
    return {n["type"]: n.get("path", "") for n in spec["linux"]["namespaces"]}


def _mount(spec, destination):
    return next((m for m in spec["mounts"] if m["destination"] == destination), None)


def test_pid_host_drops_the_namespace_and_binds_proc_rootless():
    root = build(False, [ns.with_pid_namespace("host", False)])
    assert "pid" not in _namespaces(root) and _mount(root, "/proc")["type"] == "proc"
    rootless = build(True, [ns.with_pid_namespace("host", True)])
    assert _mount(rootless, "/proc") == {"destination": "/proc", "type": "bind", "source": "/proc",
                                         "options": ["rbind", "nosuid", "noexec", "nodev"]}
    joined = build(True, [ns.with_pid_namespace("/proc/42/ns/pid", True)])
    assert _namespaces(joined)["pid"] == "/proc/42/ns/pid" and _mount(joined, "/proc")["type"] == "proc"
    assert _namespaces(build(True, [ns.with_pid_namespace("", True)]))["pid"] == ""


def test_ipc_modes():
    none = build(False, [ns.with_ipc_namespace("none", "", "", False)])
    assert _mount(none, "/dev/shm") is None and "ipc" in _namespaces(none)
    joined = build(False, [ns.with_ipc_namespace("container:x", "/proc/7/ns/ipc", "/c/x/shm", False)])
    assert _namespaces(joined)["ipc"] == "/proc/7/ns/ipc"
    assert _mount(joined, "/dev/shm")["source"] == "/c/x/shm" and _mount(joined, "/dev/shm")["type"] == "bind"
    host = build(True, [ns.with_ipc_namespace("host", "host", "/dev/shm", True)])
    assert "ipc" not in _namespaces(host) and _mount(host, "/dev/shm")["source"] == "/dev/shm"
    mqueue = _mount(host, "/dev/mqueue")
    assert (mqueue is None) == (not os.path.ismount("/dev/mqueue"))  # rootless: the host's, or none
    assert mqueue is None or mqueue["type"] == "bind"
    private = build(False, [ns.with_ipc_namespace("private", "", "", False)])
    assert _mount(private, "/dev/shm")["type"] == "tmpfs" and _namespaces(private)["ipc"] == ""


def test_uts_and_cgroup_host():
    spec = build(False, [o.with_hostname("box"), ns.with_uts_namespace(True), ns.with_cgroup_namespace(True)])
    assert "hostname" not in spec and not {"uts", "cgroup"} & set(_namespaces(spec))
    kept = build(False, [o.with_hostname("box"), ns.with_uts_namespace(False), ns.with_cgroup_namespace(False)])
    assert kept["hostname"] == "box" and {"uts", "cgroup"} <= set(_namespaces(kept))


def test_devices_root_node_and_cgroup_rule_rootless_bind():
    device = {"PathOnHost": "/dev/null", "PathInContainer": "/dev/mynull", "CgroupPermissions": "r"}
    root = build(False, [o.with_devices([device], False)])
    assert root["linux"]["devices"] == [{"path": "/dev/mynull", "type": "c", "major": 1, "minor": 3,
                                         "fileMode": 0o666, "uid": 0, "gid": 0}]
    assert root["linux"]["resources"]["devices"][-1] == {"allow": True, "type": "c", "major": 1, "minor": 3,
                                                         "access": "r"}
    rootless = build(True, [o.with_devices([device], True)])
    assert "devices" not in rootless["linux"]
    assert _mount(rootless, "/dev/mynull") == {"destination": "/dev/mynull", "type": "bind", "source": "/dev/null",
                                               "options": ["bind", "nosuid", "noexec"]}


def test_oom_score_adj():
    assert build(False, [o.with_oom_score_adj(500)])["process"]["oomScoreAdj"] == 500
