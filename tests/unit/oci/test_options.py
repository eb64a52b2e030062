from __future__ import annotations

import os
import resource

import pytest

from nerdpy.errors import InvalidArgument
from nerdpy.oci import build
from nerdpy.oci import options as o
from nerdpy.oci.defaults import ALL_CAPS, DEFAULT_CAPS, default_spec, held_caps
from nerdpy.oci.user import ExecUser


def caps(spec):
    return spec["process"]["capabilities"]


def test_default_spec_has_dockers_defaults():
    spec = default_spec(rootless=True)
    assert sorted(caps(spec)["bounding"]) == sorted(DEFAULT_CAPS) and len(DEFAULT_CAPS) == 14
    assert "inheritable" not in caps(spec) and "ambient" not in caps(spec)
    assert "/proc/kcore" in spec["linux"]["maskedPaths"] and "/proc/sys" in spec["linux"]["readonlyPaths"]
    assert {n["type"] for n in spec["linux"]["namespaces"]} == {"pid", "ipc", "uts", "mount", "network", "cgroup"}
    sysfs = next(m for m in spec["mounts"] if m["destination"] == "/sys")
    assert "ro" in sysfs["options"]
    devpts = next(m for m in spec["mounts"] if m["destination"] == "/dev/pts")
    assert not any(opt.startswith("gid=") for opt in devpts["options"])  # rootless: no gid= options
    assert any(opt == "gid=5" for opt in next(m for m in default_spec(False)["mounts"]
                                               if m["destination"] == "/dev/pts")["options"])
    assert spec["linux"]["seccomp"]["defaultAction"] == "SCMP_ACT_ERRNO"


def test_rlimits_are_clamped_to_what_we_hold():
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    nofile = next(r for r in default_spec(True)["process"]["rlimits"] if r["type"] == "RLIMIT_NOFILE")
    assert nofile["hard"] <= hard and nofile["soft"] <= nofile["hard"]


def test_capabilities_add_drop():
    spec = build(True, [o.with_capabilities(["NET_ADMIN"], ["chown", "CAP_KILL"])])
    assert "CAP_NET_ADMIN" in caps(spec)["effective"]
    assert "CAP_CHOWN" not in caps(spec)["bounding"] and "CAP_KILL" not in caps(spec)["permitted"]
    spec = build(True, [o.with_capabilities(["NET_RAW"], ["ALL"])])
    assert caps(spec)["bounding"] == ["CAP_NET_RAW"]
    spec = build(True, [o.with_capabilities(["ALL"], ["MKNOD"])])
    assert set(caps(spec)["bounding"]) == set(held_caps()) - {"CAP_MKNOD"}
    with pytest.raises(InvalidArgument):
        build(True, [o.with_capabilities(["NOT_A_CAP"], [])])


def test_sys_admin_unlocks_mount_in_seccomp():
    names = lambda spec: {n for r in spec["linux"]["seccomp"]["syscalls"] if r["action"] == "SCMP_ACT_ALLOW"
                          and not r.get("args") for n in r["names"]}
    assert "mount" not in names(build(True, []))
    assert "mount" in names(build(True, [o.with_capabilities(["SYS_ADMIN"], [])]))


def test_env_order_and_defaults():
    spec = build(True, [o.with_env(["PATH=/img", "A=1"], ["A=2", "B=3"], "h1", "/root", tty=True)])
    env = spec["process"]["env"]
    assert env[0] == "PATH=/img" and "HOSTNAME=h1" in env and "TERM=xterm" in env
    assert "A=2" in env and "A=1" not in env and "HOME=/root" in env
    assert o.merge_env(["X=1", "Y=2"], ["X=3", "Z=4"]) == ["X=3", "Y=2", "Z=4"]


def test_cwd_must_be_absolute_and_sane():
    assert build(True, [o.with_cwd("/a/../b/")])["process"]["cwd"] == "/b"
    for bad in ("relative", "/proc/self/fd/3"):
        with pytest.raises(InvalidArgument):
            build(True, [o.with_cwd(bad)])


def test_user_and_groups():
    spec = build(True, [o.with_user(ExecUser(10, 20, (30, 40), "/home/x"))])
    assert spec["process"]["user"] == {"uid": 10, "gid": 20, "additionalGids": [30, 40]}


def test_ulimits():
    assert o.parse_ulimit("nofile=100:200") == ("RLIMIT_NOFILE", 100, 200)
    assert o.parse_ulimit("core=0") == ("RLIMIT_CORE", 0, 0)
    for bad in ("nofile", "bogus=1", "nofile=2:1", "nofile=a"):
        with pytest.raises(InvalidArgument):
            o.parse_ulimit(bad)
    spec = build(True, [o.with_ulimits(["nofile=64:128"])])
    assert {"type": "RLIMIT_NOFILE", "soft": 64, "hard": 128} in spec["process"]["rlimits"]
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY:
        with pytest.raises(InvalidArgument):
            build(True, [o.with_ulimits([f"nofile={hard + 1}"])])


def test_privileged_and_security_opts():
    spec = build(True, [o.with_privileged()])
    assert spec["linux"]["seccomp"] is None and spec["linux"]["maskedPaths"] == []
    assert set(caps(spec)["bounding"]) == set(held_caps()) <= set(ALL_CAPS)
    spec = build(True, [o.with_security_opts(["no-new-privileges", "seccomp=unconfined"])])
    assert spec["process"]["noNewPrivileges"] is True and spec["linux"]["seccomp"] is None
    with pytest.raises(InvalidArgument):
        build(True, [o.with_security_opts(["bogus=1"])])


def test_network_namespace_modes():
    spec = build(True, [o.with_network_namespace("/run/netns/x", True)])
    assert {"type": "network", "path": "/run/netns/x"} in spec["linux"]["namespaces"]
    host = build(True, [o.with_network_namespace(None, True)])
    assert all(n["type"] != "network" for n in host["linux"]["namespaces"])
    sysfs = next(m for m in host["mounts"] if m["destination"] == "/sys")
    assert sysfs["type"] == "none" and "rbind" in sysfs["options"] and "ro" in sysfs["options"]


def test_mounts_replace_defaults_and_shm_size():
    spec = build(True, [o.with_mounts([{"destination": "/dev/shm", "type": "tmpfs", "source": "x", "options": []}]),
                        o.with_shm_size(1 << 20)])
    shm = [m for m in spec["mounts"] if m["destination"] == "/dev/shm"]
    assert len(shm) == 1 and shm[0]["source"] == "x"
    spec = build(True, [o.with_shm_size(2 << 20)])
    assert "size=2048k" in next(m for m in spec["mounts"] if m["destination"] == "/dev/shm")["options"]


def test_no_command_is_an_error():
    with pytest.raises(InvalidArgument):
        build(True, [o.with_args([])])


@pytest.mark.skipif(not os.path.exists("/dev/net/tun"), reason="host has no /dev/net/tun")
def test_a_device_directory_expands_to_its_nodes_as_docker_does():
    mapping = [{"PathOnHost": "/dev/net", "PathInContainer": "/dev/xnet", "CgroupPermissions": "rw"}]
    spec = build(False, [o.with_devices(mapping, False)])
    tun = [d for d in spec["linux"]["devices"] if d["path"] == "/dev/xnet/tun"]
    assert tun and (tun[0]["type"], tun[0]["major"], tun[0]["minor"]) == ("c", 10, 200)
    assert {"allow": True, "type": "c", "major": 10, "minor": 200, "access": "rw"} in spec["linux"]["resources"]["devices"]
    rootless = build(True, [o.with_devices(mapping, True)])
    assert {"destination": "/dev/xnet/tun", "type": "bind", "source": "/dev/net/tun",
            "options": ["bind", "nosuid", "noexec"]} in rootless["mounts"]
