"""The cgroup keys of a service reach its container: HostConfig in Docker's shapes
and, where limits apply (root on this cgroup v1 host), its cgroup under
`cgroup_parent`; rootless on v1 they are ignored with one warning, never refused."""

import json
import os

import pytest

pytestmark = pytest.mark.integration


def test_cgroup_keys_reach_the_container(compose, nerdpy):
    c = compose("resources")
    disk = "/dev/" + sorted(os.listdir("/sys/block"))[0]
    up = c("up", "-d", "app", env={"DISK": disk})
    assert "is not supported by nerdpy" not in up.stderr, up.stderr
    host = json.loads(nerdpy("inspect", "-f", "{{json .HostConfig}}", "resources-app-1").stdout)
    assert (host["CpuPeriod"], host["CpuQuota"], host["CpusetCpus"]) == (50000, 25000, "0")
    assert (host["MemorySwappiness"], host["OomKillDisable"], host["CgroupParent"]) == (
        10, True, "/nerdpy-compose-parent")
    assert host["BlkioWeight"] == 300 and host["BlkioWeightDevice"] == [{"Path": disk, "Weight": 200}]
    assert host["BlkioDeviceReadBps"] == [{"Path": disk, "Rate": 1 << 20}]
    assert host["BlkioDeviceWriteBps"] == [{"Path": disk, "Rate": 2048}]
    assert (host["BlkioDeviceReadIOps"], host["BlkioDeviceWriteIOps"]) == (
        [{"Path": disk, "Rate": 100}], [{"Path": disk, "Rate": 200}])
    read = c("exec", "-T", "app", "cat", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "/sys/fs/cgroup/memory/memory.swappiness",
             "/sys/fs/cgroup/blkio/blkio.throttle.write_bps_device", check=False).stdout.split()
    try:
        if os.getuid() == 0:
            rdev = os.stat(disk).st_rdev
            assert read == ["25000", "10", f"{os.major(rdev)}:{os.minor(rdev)}", "2048"], read
            cid = json.loads(nerdpy("inspect", "resources-app-1").stdout)[0]["Id"]
            assert os.path.isdir(f"/sys/fs/cgroup/cpu/nerdpy-compose-parent/{cid}")
        else:
            assert "resource limits (" in up.stderr and "--cpu-quota" in up.stderr, up.stderr
    finally:
        c("down", "-t", "0")
        if os.getuid() == 0:
            for controller in os.listdir("/sys/fs/cgroup"):
                if os.path.isdir(f"/sys/fs/cgroup/{controller}/nerdpy-compose-parent"):
                    os.rmdir(f"/sys/fs/cgroup/{controller}/nerdpy-compose-parent")
