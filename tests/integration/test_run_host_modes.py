"""run/create flags that share namespaces or host resources, end to end: --pid,
--ipc, --uts, --cgroupns, --device, --oom-score-adj, --mac-address, --link,
--gpus, -a/--attach; each takes effect in the container or is refused in one line."""

from __future__ import annotations

import json
import os
import uuid

import pytest

pytestmark = [pytest.mark.integration, pytest.requires("runc", "newuidmap", "busybox")]

IS_ROOT = os.getuid() == 0


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _host_config(nerdpy, name: str) -> dict:
    return json.loads(nerdpy("inspect", "-f", "{{json .HostConfig}}", name).stdout)


def _refused(result, *words: str) -> None:
    assert result.returncode == 125, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert all(w in lines[0] for w in words), lines[0]


def test_pid_uts_cgroupns_host_share_the_host_namespaces(nerdpy, busybox_image):
    ns = "for n in pid uts cgroup; do readlink /proc/self/ns/$n; done; hostname"
    mine = [os.readlink(f"/proc/self/ns/{k}") for k in ("pid", "uts", "cgroup")] + [os.uname().nodename]
    name = _name("hostns")
    out = nerdpy("run", "--name", name, "--pid", "host", "--uts", "host", "--cgroupns", "host", busybox_image,
                 "sh", "-c", ns).stdout.split()
    try:
        assert out == mine
        host = _host_config(nerdpy, name)
        assert (host["PidMode"], host["UTSMode"], host["CgroupnsMode"]) == ("host", "host", "host")
    finally:
        nerdpy("rm", "-f", name, check=False)
    private = nerdpy("run", "--rm", busybox_image, "sh", "-c", ns).stdout.split()
    assert all(a != b for a, b in zip(private, mine))
    _refused(nerdpy("create", "--uts", "host", "-h", "x", busybox_image, check=False), "hostname", "UTS")
    _refused(nerdpy("create", "--pid", "bogus", busybox_image, check=False), "--pid")
    _refused(nerdpy("create", "--cgroupns", "bogus", busybox_image, check=False), "--cgroupns")


def test_ipc_shareable_donor_and_joined_pid(nerdpy, busybox_image):
    donor, plain = _name("donor"), _name("plain")
    nerdpy("run", "-d", "--name", donor, "--ipc", "shareable", busybox_image,
           "sh", "-c", "echo shared > /dev/shm/f; exec sleep 300")
    nerdpy("run", "-d", "--name", plain, busybox_image, "sleep", "300")
    try:
        donor_ipc = nerdpy("exec", donor, "readlink", "/proc/self/ns/ipc").stdout
        joined = nerdpy("run", "--rm", "--ipc", f"container:{donor}", "--pid", f"container:{donor}", busybox_image,
                        "sh", "-c", "cat /dev/shm/f; readlink /proc/self/ns/ipc; cat /proc/1/cmdline").stdout
        assert joined.splitlines()[:2] == ["shared", donor_ipc.strip()]
        assert joined.splitlines()[2].startswith("sleep")  # the donor's process is pid 1 here
        assert _host_config(nerdpy, donor)["IpcMode"] == "shareable"
        assert _host_config(nerdpy, plain)["IpcMode"] == "private"
        _refused(nerdpy("run", "--rm", "--ipc", f"container:{plain}", busybox_image, "true", check=False),
                 "non-shareable IPC")
    finally:
        nerdpy("rm", "-f", donor, plain, check=False)
    none = nerdpy("run", "--rm", "--ipc", "none", busybox_image, "ls", "/dev/shm", check=False)
    assert none.returncode == 1 and "No such file" in none.stderr
    host = nerdpy("run", "--rm", "--ipc", "host", busybox_image, "readlink", "/proc/self/ns/ipc").stdout.strip()
    assert host == os.readlink("/proc/self/ns/ipc")
    _refused(nerdpy("create", "--ipc", "bogus", busybox_image, check=False), "--ipc")


def test_device_and_oom_score_adj(nerdpy, busybox_image):
    name = _name("dev")
    out = nerdpy("run", "--name", name, "--device", "/dev/null:/dev/mynull", "--oom-score-adj", "500", busybox_image,
                 "sh", "-c", "echo x > /dev/mynull && stat -c %t,%T /dev/mynull; cat /proc/self/oom_score_adj").stdout
    try:
        assert out.split() == ["1,3", "500"]
        host = _host_config(nerdpy, name)
        assert host["Devices"] == [{"PathOnHost": "/dev/null", "PathInContainer": "/dev/mynull",
                                    "CgroupPermissions": "rwm"}]
        assert host["OomScoreAdj"] == 500
    finally:
        nerdpy("rm", "-f", name, check=False)
    # /dev/fuse: not among the nodes runc always allows (null, zero, tty... are)
    read_only = nerdpy("run", "--rm", "--device", "/dev/fuse:/dev/rofuse:r", busybox_image,
                       "sh", "-c", "exec 3</dev/rofuse && echo read; exec 4>/dev/rofuse", check=False)
    if IS_ROOT:  # the devices cgroup allows reads only
        assert read_only.stdout == "read\n" and "not permitted" in read_only.stderr, read_only.stderr
    else:  # a bind-mounted node cannot be narrowed
        _refused(read_only, "need root")
    _refused(nerdpy("create", "--device", "/dev/nonexistent-dev", busybox_image, check=False), "nonexistent-dev")
    _refused(nerdpy("create", "--device", "/etc/hostname", busybox_image, check=False), "not a device")
    # A directory brings every node under it, at the same place under the target (Docker's devicesFromPath).
    tun = nerdpy("run", "--rm", "--device", "/dev/net:/dev/xnet", busybox_image, "stat", "-c", "%t,%T", "/dev/xnet/tun")
    assert tun.stdout.split() == ["a,c8"]
    _refused(nerdpy("create", "--oom-score-adj", "1001", busybox_image, check=False), "oom score adj")
    if not IS_ROOT:
        _refused(nerdpy("create", "--oom-score-adj", "-500", busybox_image, check=False), "only root")


def test_gpus_through_cdi(nerdpy, busybox_image):
    """A GPU no CDI spec describes is refused in one line; as root (who may write
    /var/run/cdi) a described one reaches the container: its node and its env."""
    gpu = f"nerdpy-test-{uuid.uuid4().hex[:8]}"
    _refused(nerdpy("run", "--rm", "--gpus", f"device={gpu}", busybox_image, "true", check=False), "--gpus", "CDI")
    if not IS_ROOT:
        return
    made = not os.path.isdir("/var/run/cdi")
    os.makedirs("/var/run/cdi", exist_ok=True)
    path = f"/var/run/cdi/{gpu}.json"
    with open(path, "w") as handle:
        json.dump({"cdiVersion": "0.5.0", "kind": "nvidia.com/gpu", "devices": [{"name": gpu, "containerEdits": {
            "env": [f"TEST_GPU={gpu}"], "deviceNodes": [{"path": "/dev/testgpu", "hostPath": "/dev/null"}]}}]}, handle)
    name = _name("gpu")
    try:
        out = nerdpy("run", "--name", name, "--gpus", f"device={gpu}", busybox_image,
                     "sh", "-c", "echo $TEST_GPU; stat -c %t,%T /dev/testgpu").stdout
        assert out.split() == [gpu, "1,3"]
        assert _host_config(nerdpy, name)["DeviceRequests"] == [
            {"Driver": "", "Count": 0, "DeviceIDs": [gpu], "Capabilities": [["gpu"]], "Options": {}}]
    finally:
        os.unlink(path)
        if made:
            os.rmdir("/var/run/cdi")
        nerdpy("rm", "-f", name, check=False)


def test_mac_address_and_link_on_a_user_network(nerdpy, busybox_image):
    net, target = _name("lnk"), _name("tgt")
    mac = "92:d0:c6:0a:29:33"
    nerdpy("network", "create", net)
    try:
        nerdpy("run", "-d", "--name", target, "--network", net, busybox_image, "sleep", "300")
        target_ip = nerdpy("inspect", "-f", f"{{{{(index .NetworkSettings.Networks \"{net}\").IPAddress}}}}",
                           target).stdout.strip()
        name = _name("mac")
        out = nerdpy("run", "--name", name, "--network", net, "--mac-address", mac, "--link", f"{target}:db",
                     busybox_image, "sh", "-c", "cat /sys/class/net/eth0/address; grep -w db /etc/hosts").stdout
        assert out.split() == [mac, target_ip, "db"]
        settings = json.loads(nerdpy("inspect", "-f", "{{json .NetworkSettings}}", name).stdout)
        assert settings["Networks"][net]["MacAddress"] == mac
        assert _host_config(nerdpy, name)["Links"] == [f"/{target}:/{name}/db"]  # Docker's shape
        nerdpy("rm", "-f", name)
        _refused(nerdpy("create", "--mac-address", mac, busybox_image, check=False), "user-defined network")
        _refused(nerdpy("create", "--network", net, "--mac-address", "zz", busybox_image, check=False), "mac")
        _refused(nerdpy("create", "--link", target, busybox_image, check=False), "user-defined network")
    finally:
        nerdpy("rm", "-f", target, check=False)
        nerdpy("network", "rm", net, check=False)


def test_attach_picks_the_streams(nerdpy, busybox_image):
    both = "echo out; echo err >&2"
    only_out = nerdpy("run", "--rm", "-a", "stdout", busybox_image, "sh", "-c", both)
    assert only_out.stdout == "out\n" and "err" not in only_out.stderr
    only_err = nerdpy("run", "--rm", "-a", "STDERR", busybox_image, "sh", "-c", both)
    assert only_err.stdout == "" and only_err.stderr.strip() == "err"
    both_ways = nerdpy("run", "-d", "-a", "stdout", busybox_image, "true", check=False)
    assert both_ways.returncode == 1 and "--attach and --detach" in both_ways.stderr, both_ways  # docker/cli's 1
    _refused(nerdpy("run", "--rm", "-a", "bogus", busybox_image, "true", check=False), "valid streams")
