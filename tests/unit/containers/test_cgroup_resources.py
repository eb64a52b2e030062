"""The cgroup resource flags beside --cpuset-cpus/--memory-reservation: their
checks in Docker's words, HostConfig's shapes, OCI linux.resources, and update's."""

from __future__ import annotations

import pytest

from nerdpy.config import Settings
from nerdpy.containers import CreateOptions, cgroupres
from nerdpy.containers.record import build_record
from nerdpy.containers.spec import resources
from nerdpy.containers.update import UpdateOptions, check_cpu_conflicts, parse_limits, runc_update_args
from nerdpy.errors import Conflict, InvalidArgument
from nerdpy.paths import Layout


@pytest.fixture
def settings(tmp_path):
    return Settings(layout=Layout(tmp_path / "data", tmp_path / "run", tmp_path / "cfg"),
                    rootless=False, host_uid=0, host_gid=0)


@pytest.fixture
def sda(monkeypatch):
    """Every /dev/ path is the block device 8:0 (hosts differ in what they have)."""
    monkeypatch.setattr(cgroupres, "block_device", lambda path: (8, 0))


def test_unset_flags_keep_dockers_inspect_shape():
    assert cgroupres.host_fields(CreateOptions()) == {
        "CgroupParent": "", "BlkioWeight": 0, "BlkioWeightDevice": [], "CpuPeriod": 0, "CpuQuota": 0,
        "CpusetMems": "", "MemorySwappiness": None, "OomKillDisable": False, "BlkioDeviceReadBps": [],
        "BlkioDeviceWriteBps": [], "BlkioDeviceReadIOps": [], "BlkioDeviceWriteIOps": []}


def test_device_flags_as_dockers_hostconfig(sda):
    host = cgroupres.host_fields(CreateOptions(
        blkio_weight=300, blkio_weight_device=("/dev/sda:200",), device_read_bps=("/dev/sda:1mb",),
        device_write_bps=("/dev/sda:512",), device_read_iops=("/dev/sda:100",), device_write_iops=("/dev/sda:7",),
        memory_swappiness=0, oom_kill_disable=True, cgroup_parent="/batch"))
    assert host["BlkioWeight"] == 300 and host["BlkioWeightDevice"] == [{"Path": "/dev/sda", "Weight": 200}]
    assert host["BlkioDeviceReadBps"] == [{"Path": "/dev/sda", "Rate": 1 << 20}]
    assert host["BlkioDeviceWriteBps"] == [{"Path": "/dev/sda", "Rate": 512}]
    assert host["BlkioDeviceReadIOps"] == [{"Path": "/dev/sda", "Rate": 100}]
    assert host["BlkioDeviceWriteIOps"] == [{"Path": "/dev/sda", "Rate": 7}]
    assert (host["MemorySwappiness"], host["OomKillDisable"], host["CgroupParent"]) == (0, True, "/batch")


@pytest.mark.parametrize("opts, message", [
    ({"memory_swappiness": 101}, "invalid value: 101. Valid memory swappiness range is 0-100"),
    ({"memory_swappiness": -2}, "invalid value: -2. Valid memory swappiness range is 0-100"),
    ({"blkio_weight": 5}, "Range of blkio weight is from 10 to 1000"),
    ({"blkio_weight": 1001}, "Range of blkio weight is from 10 to 1000"),
    ({"blkio_weight_device": ("/dev/sda",)}, 'invalid argument "/dev/sda" for "--blkio-weight-device" flag: '
                                             "bad format: /dev/sda"),
    ({"blkio_weight_device": ("/tmp/x:100",)}, "bad format for device path: /tmp/x:100"),
    ({"blkio_weight_device": ("/dev/sda:5",)}, "invalid weight for device: /dev/sda:5"),
    ({"device_read_bps": ("/dev/sda:lots",)}, "invalid rate for device: /dev/sda:lots. The correct format is "
                                              "<device-path>:<number>[<unit>]"),
    ({"device_write_iops": ("/dev/sda:1k",)}, "invalid rate for device: /dev/sda:1k. The correct format is "
                                              "<device-path>:<number>. Number must be a positive integer"),
])
def test_bad_values_refused_in_dockers_words(sda, opts, message):
    with pytest.raises(InvalidArgument) as err:
        cgroupres.host_fields(CreateOptions(**opts))
    assert message in err.value.message


def test_block_devices_are_stat_ed():
    with pytest.raises(InvalidArgument, match="stat /dev/no-such-disk: no such file or directory"):
        cgroupres.block_device("/dev/no-such-disk")
    with pytest.raises(InvalidArgument, match="/dev/null is not a block device"):
        cgroupres.block_device("/dev/null")


def test_cfs_checks_as_dockers_daemon():
    cgroupres.check_cfs(50000, 25000, 0)
    cgroupres.check_cfs(0, -1, 10**9)  # -1 (unlimited) beside --cpus is allowed
    for args, message in (((50000, 0, 10**9), "Nano CPUs and CPU Period cannot both be set"),
                          ((0, 25000, 10**9), "Nano CPUs and CPU Quota cannot both be set"),
                          ((999, 0, 0), "CPU cfs period can not be less than 1ms"),
                          ((1000001, 0, 0), "or larger than 1s (i.e. 1000000)"),
                          ((0, 999, 0), "CPU cfs quota can not be less than 1ms (i.e. 1000)")):
        with pytest.raises(InvalidArgument) as err:
            cgroupres.check_cfs(*args)
        assert message in err.value.message


def test_cpuset_lists_name_what_the_host_has():
    assert cgroupres.check_cpu_list("0-1,3", "cpus", "0-3") == "0-1,3"
    assert cgroupres.check_cpu_list("5", "mems", "") == "5"  # unknown: the runtime decides
    with pytest.raises(InvalidArgument, match="Invalid value 0-x for cpuset mems"):
        cgroupres.check_cpu_list("0-x", "mems", "0")
    with pytest.raises(InvalidArgument, match=r"Requested memory nodes are not available - requested 1, available: 0"):
        cgroupres.check_cpu_list("1", "mems", "0")
    with pytest.raises(InvalidArgument, match=r"Requested CPUs are not available - requested 0-4, available: 0-3"):
        cgroupres.check_cpu_list("0-4", "cpus", "0-3")


def _v1_root(tmp_path, *blkio_files):
    (tmp_path / "blkio").mkdir()
    for name in blkio_files:
        (tmp_path / "blkio" / name).touch()
    return str(tmp_path)


def test_spec_resources_on_cgroup_v1(sda, tmp_path):
    host = {"CpuPeriod": 50000, "CpuQuota": -1, "CpusetMems": "0", "MemorySwappiness": 0, "OomKillDisable": True,
            "Memory": 64 << 20, "BlkioWeight": 300, "BlkioWeightDevice": [{"Path": "/dev/sda", "Weight": 200}],
            "BlkioDeviceReadBps": [{"Path": "/dev/sda", "Rate": 1 << 20}],
            "BlkioDeviceWriteIOps": [{"Path": "/dev/sda", "Rate": 100}]}
    root = _v1_root(tmp_path, "blkio.weight", "blkio.weight_device", "blkio.throttle.read_bps_device",
                    "blkio.throttle.write_iops_device")
    out, warnings = cgroupres.spec_resources(host, root)
    assert warnings == []
    assert out["cpu"] == {"period": 50000, "quota": -1, "mems": "0"}
    assert out["memory"] == {"swappiness": 0, "disableOOMKiller": True}
    assert out["blockIO"] == {"weight": 300, "weightDevice": [{"major": 8, "minor": 0, "weight": 200}],
                              "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1 << 20}],
                              "throttleWriteIOPSDevice": [{"major": 8, "minor": 0, "rate": 100}]}


def test_what_the_host_cannot_apply_is_dropped_with_dockers_warning(sda, tmp_path):
    host = {"BlkioWeight": 300, "BlkioDeviceReadIOps": [{"Path": "/dev/sda", "Rate": 5}], "OomKillDisable": True}
    out, warnings = cgroupres.spec_resources(host, _v1_root(tmp_path))  # no CFQ/BFQ, no throttling
    assert "blockIO" not in out and out["memory"] == {"disableOOMKiller": True}
    assert warnings == [
        "OOM killer is disabled for the container, but no memory limit is set, this can result in the system "
        "running out of resources.",
        "Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.",
        "Your kernel does not support IOPS Block read limit or the cgroup is not mounted. "
        "Block I/O IOPS read limit discarded."]
    (tmp_path / "cgroup.controllers").touch()  # v2: no swappiness, no OOM-killer switch
    out, warnings = cgroupres.spec_resources({"MemorySwappiness": 60, "OomKillDisable": True, "Memory": 1}, str(tmp_path))
    assert out == {} and warnings == [
        "Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. "
        "Memory swappiness discarded.",
        "Your kernel does not support OomKillDisable. OomKillDisable discarded."]


def test_create_stores_them_in_hostconfig(settings, tmp_path):
    opts = CreateOptions(rootfs=str(tmp_path), command=("true",), cpu_period=50000, cpu_quota=25000,
                         cpuset_mems="0", oom_kill_disable=True, cgroup_parent="/batch")
    host = build_record(settings, opts, None, "n", "a" * 64).host_config
    assert (host["CpuPeriod"], host["CpuQuota"], host["CpusetMems"]) == (50000, 25000, "0")
    assert (host["OomKillDisable"], host["CgroupParent"], host["MemorySwappiness"]) == (True, "/batch", None)
    with pytest.raises(InvalidArgument, match="Nano CPUs and CPU Period cannot both be set"):
        build_record(settings, CreateOptions(rootfs=str(tmp_path), command=("true",), cpus="1", cpu_period=50000),
                     None, "n", "a" * 64)


def test_limits_merge_and_one_warning_without_cgroup_limits(settings):
    host = {"NanoCpus": 10**9, "CpusetCpus": "0", "CpusetMems": "0", "MemorySwappiness": 0}
    limits, warnings = resources(settings, host, cgroup_limits=False)
    assert limits == {} and len(warnings) == 1
    assert "(--cpus, --cpuset-cpus, --cpuset-mems, --memory-swappiness)" in warnings[0]
    assert cgroupres.merge({"cpu": {"cpus": "0", "quota": 1}}, {"cpu": {"mems": "0"}, "blockIO": {"weight": 10}}) == {
        "cpu": {"cpus": "0", "quota": 1, "mems": "0"}, "blockIO": {"weight": 10}}


def test_cgroup_parent_places_the_container_under_it():
    assert cgroupres.cgroups_path({}, "abc") == "/nerdpy/abc"
    assert cgroupres.cgroups_path({"CgroupParent": "/batch/"}, "abc") == "/batch/abc"
    assert cgroupres.cgroups_path({"CgroupParent": "batch"}, "abc") == "batch/abc"  # runc: under its own cgroup


def test_update_cpu_flags():
    changed = parse_limits(UpdateOptions(cpu_period=20000, cpu_quota=10000, cpuset_cpus="0", cpuset_mems="0"))
    assert changed == {"CpuPeriod": 20000, "CpuQuota": 10000, "CpusetCpus": "0", "CpusetMems": "0"}
    assert runc_update_args(changed, changed) == ["--cpu-period", "20000", "--cpu-quota", "10000",
                                                  "--cpuset-cpus", "0", "--cpuset-mems", "0"]
    with pytest.raises(InvalidArgument, match="Nano CPUs and CPU Quota cannot both be set"):
        parse_limits(UpdateOptions(cpus="1", cpu_quota=10000))
    with pytest.raises(InvalidArgument, match="Invalid value a for cpuset cpus"):
        parse_limits(UpdateOptions(cpuset_cpus="a"))


def test_update_memory_reservation_and_blkio_weight():
    changed = parse_limits(UpdateOptions(memory_reservation="64m", blkio_weight=300))
    assert changed == {"MemoryReservation": 64 << 20, "BlkioWeight": 300}
    assert runc_update_args(changed, changed) == ["--memory-reservation", str(64 << 20), "--blkio-weight", "300"]
    with pytest.raises(InvalidArgument, match="Range of blkio weight is from 10 to 1000"):
        parse_limits(UpdateOptions(blkio_weight=5))


def test_update_refuses_cpus_against_period_and_back():
    with pytest.raises(Conflict, match="CPU Period cannot be updated as NanoCPUs has already been set"):
        check_cpu_conflicts({"NanoCpus": 10**9}, {"CpuPeriod": 20000})
    with pytest.raises(Conflict, match="Nano CPUs cannot be updated as CPU Quota has already been set"):
        check_cpu_conflicts({"CpuQuota": 20000}, {"NanoCpus": 10**9})
    check_cpu_conflicts({"CpuQuota": 20000}, {"CpuQuota": 30000, "CpusetMems": "0"})
