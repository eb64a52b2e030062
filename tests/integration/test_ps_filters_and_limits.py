"""`ps --filter` on a container's definition (network=, publish=, expose=, volume=, is-task=), `ps`'s
table and IMAGE column, and run's cgroup limits (--memory-swap, --cpu-shares, --cpu-period/--cpu-quota,
--cpuset-mems, --memory-swappiness, --oom-kill-disable, blkio, --cgroup-parent; Docker's)."""

from __future__ import annotations

import json
import os
import uuid


def test_ps_definition_filters(nerdpy, busybox_image):
    tag = uuid.uuid4().hex[:8]
    a, b = f"psf-a-{tag}", f"psf-b-{tag}"
    nerdpy("create", "--name", a, "--network", "none", "-p", "8080:80", "--expose", "9000/udp",
           "-v", f"vol-{tag}:/data", busybox_image, "true")
    nerdpy("create", "--name", b, busybox_image, "true")

    def names(*filters: str) -> set[str]:
        argv = ["ps", "-a", "--format", "{{.Names}}", "--filter", "name=psf-"]
        for f in filters:
            argv += ["--filter", f]
        return {n for n in nerdpy(*argv).stdout.split() if n.endswith(tag)}

    try:
        assert names("network=none") == {a}
        assert names("network=bridge") == {b}
        assert names("publish=80") == {a} and names("publish=79-81/tcp") == {a}
        assert names("publish=80/udp") == set() and names("publish=8080") == set()
        assert names("expose=9000/udp") == {a} and names("expose=80") == {a}  # -p exposes its port too
        assert names("expose=9000") == set()
        assert names(f"volume=vol-{tag}") == {a} and names("volume=/data") == {a}
        assert names("is-task=false") == {a, b} and names("is-task=true") == set()
        bad = nerdpy("ps", "--filter", "publish=abc", check=False)
        assert bad.returncode != 0 and bad.stderr.startswith("Error: ") and len(bad.stderr.splitlines()) <= 2
        bad = nerdpy("ps", "--filter", "is-task=maybe", check=False)
        assert bad.returncode != 0 and "is-task=maybe" in bad.stderr
    finally:
        nerdpy("rm", "-f", a, b, check=False)
        nerdpy("volume", "rm", f"vol-{tag}", check=False)


def test_ps_table_format_and_the_image_column_once_the_tag_is_gone(nerdpy, busybox_image):
    tag = uuid.uuid4().hex[:8]
    name, image = f"psimg-{tag}", f"psimg-{tag}:1"
    nerdpy("tag", busybox_image, image)
    nerdpy("create", "--name", name, image, "true")

    def ps(*args: str) -> str:
        return nerdpy("ps", "-a", "--filter", f"name={name}", *args).stdout

    try:
        assert ps("--format", "table") == ps()  # a bare `table` is the default table
        assert ps("--format", "{{.Image}}") == f"{image}\n"
        # Once the name no longer points at the container's image, Docker shows the image ID.
        nerdpy("rmi", image)
        image_id = nerdpy("image", "inspect", "-f", "{{.Id}}", busybox_image).stdout.strip()
        assert ps("--format", "{{.Image}}") == image_id.removeprefix("sha256:")[:12] + "\n"
        assert ps("--no-trunc", "--format", "{{.Image}}") == image_id + "\n"
    finally:
        nerdpy("rm", "-f", name, check=False)
        nerdpy("rmi", image, check=False)


def test_ps_format_fields_as_dockers_formatter(nerdpy, busybox_image, tmp_path):
    """LocalVolumes, sorted Labels, cut Mounts, the extra headers, and sizes computed when the
    template reads .Size (docker/cli's ps turns --size on for it)."""
    tag = uuid.uuid4().hex[:8]
    name, vol = f"psfmt-{tag}", f"psfmt-vol-{tag}"
    bind = tmp_path / ("b" * 20)
    bind.mkdir()
    nerdpy("create", "--name", name, "-l", "z=1", "-l", "a=2", "-v", f"{vol}:/data", "-v", f"{bind}:/b",
           busybox_image, "sh", "-c", "echo 'a b'")

    def ps(fmt: str, *args: str) -> str:
        return nerdpy("ps", "-a", "--filter", f"name={name}", "--format", fmt, *args).stdout

    try:
        assert ps("{{.LocalVolumes}}|{{.Labels}}|{{.Command}}") == "1|a=2,z=1|\"sh -c 'echo 'a b''\"\n"
        assert sorted(ps("{{.Mounts}}").strip().split(",")) == sorted([vol[:14] + "…", str(bind)[:14] + "…"])
        assert vol in ps("{{.Mounts}}", "--no-trunc")
        assert ps("{{.Size}}").startswith("0B (virtual ") and json.loads(ps("{{json .}}"))["Size"] != "0B"
        row = json.loads(ps("json"))
        assert row["Size"] == "0B" and row["LocalVolumes"] == "1"
        header = ps("table {{.CreatedAt}}\t{{.LocalVolumes}}\t{{.State}}").splitlines()[0].split("   ")
        assert [h.strip() for h in header if h.strip()] == ["CREATED AT", "LOCAL VOLUMES", "STATE"]
    finally:
        nerdpy("rm", "-f", "-v", name, check=False)
        nerdpy("volume", "rm", vol, check=False)


def test_run_memory_swap_and_cpu_shares(nerdpy, busybox_image):
    """run/create --memory-swap and --cpu-shares reach HostConfig and the container's cgroup
    (where limits apply: as root, or rootless with delegated controllers)."""
    name = f"res-{uuid.uuid4().hex[:8]}"
    bad = nerdpy("create", "--memory", "64m", "--memory-swap", "32m", busybox_image, check=False)
    assert bad.returncode == 125 and "memoryswap limit should be larger" in bad.stderr
    out = nerdpy("run", "--name", name, "--memory", "64m", "--memory-swap", "96m", "-c", "512", busybox_image,
                 "sh", "-c", "cat /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes "
                 "/sys/fs/cgroup/cpu.weight /sys/fs/cgroup/memory.swap.max 2>/dev/null; true")
    try:
        host = json.loads(nerdpy("inspect", "-f", "{{json .HostConfig}}", name).stdout)
        assert host["MemorySwap"] == 96 * 2**20 and host["CpuShares"] == 512
        if "WARNING" not in out.stderr:  # the limits applied: the cgroup shows them
            # cgroup v1: shares and memory+swap as given; v2: runc's weight for 512 and swap alone
            assert out.stdout.split() in (["512", str(96 * 2**20)], ["20", str(32 * 2**20)]), out.stdout
    finally:
        nerdpy("rm", "-f", name, check=False)


def test_run_cpuset_cpus_and_memory_reservation(nerdpy, busybox_image):
    name = f"res2-{uuid.uuid4().hex[:8]}"
    bad = nerdpy("create", "--cpuset-cpus", "x", busybox_image, check=False)
    assert bad.returncode == 125 and "Invalid value x for cpuset cpus" in bad.stderr
    out = nerdpy("run", "--name", name, "--cpuset-cpus", "0", "--memory-reservation", "32m", busybox_image,
                 "sh", "-c", "cat /sys/fs/cgroup/cpuset/cpuset.cpus /sys/fs/cgroup/memory/memory.soft_limit_in_bytes "
                 "/sys/fs/cgroup/cpuset.cpus /sys/fs/cgroup/memory.low 2>/dev/null; true")
    try:
        host = json.loads(nerdpy("inspect", "-f", "{{json .HostConfig}}", name).stdout)
        assert host["CpusetCpus"] == "0" and host["MemoryReservation"] == 32 * 2**20
        if "WARNING" not in out.stderr:
            assert out.stdout.split() == ["0", str(32 * 2**20)], out.stdout
    finally:
        nerdpy("rm", "-f", name, check=False)


_V1 = {"cpu/cpu.cfs_period_us": "50000", "cpu/cpu.cfs_quota_us": "25000", "cpuset/cpuset.mems": "0",
       "memory/memory.swappiness": "0"}


def _read_cgroup(nerdpy, name):
    files = " ".join(f"/sys/fs/cgroup/{f}" for f in (*_V1, "blkio/blkio.throttle.read_bps_device"))
    return nerdpy("exec", name, "sh", "-c", f"cat {files}; grep oom_kill_disable /sys/fs/cgroup/memory/memory.oom_control",
                  check=False).stdout.split()


def test_run_cfs_blkio_and_cgroup_parent_then_update(nerdpy, busybox_image):
    """The flags reach HostConfig in Docker's shapes and, where limits apply (root on this
    cgroup v1 host), the container's cgroup under --cgroup-parent; update changes the CFS
    period/quota. Rootless on v1 they are ignored with one warning, update refuses."""
    name = f"res3-{uuid.uuid4().hex[:8]}"
    disk = "/dev/" + sorted(os.listdir("/sys/block"))[0]
    bad = nerdpy("create", "--cpus", "1", "--cpu-quota", "50000", busybox_image, check=False)
    assert bad.returncode == 125 and "Conflicting options: Nano CPUs and CPU Quota cannot both be set" in bad.stderr
    bad = nerdpy("create", "--device-read-bps", "/dev/null:1mb", busybox_image, check=False)
    assert bad.returncode == 125 and "/dev/null is not a block device" in bad.stderr
    run = nerdpy("run", "-d", "--name", name, "--cpu-period", "50000", "--cpu-quota", "25000", "--cpuset-mems", "0",
                 "--memory-swappiness", "0", "--oom-kill-disable", "-m", "64m", "--device-read-bps", f"{disk}:1mb",
                 "--cgroup-parent", "/nerdpy-test-parent", busybox_image, "sleep", "600")
    try:
        host = json.loads(nerdpy("inspect", "-f", "{{json .HostConfig}}", name).stdout)
        assert (host["CpuPeriod"], host["CpuQuota"], host["CpusetMems"]) == (50000, 25000, "0")
        assert (host["MemorySwappiness"], host["OomKillDisable"], host["BlkioWeight"]) == (0, True, 0)
        assert host["BlkioDeviceReadBps"] == [{"Path": disk, "Rate": 1 << 20}] and host["BlkioWeightDevice"] == []
        assert host["CgroupParent"] == "/nerdpy-test-parent"
        update = ["update", "--cpu-period", "40000", "--cpu-quota", "20000", "--memory-reservation", "32m", name]
        if os.getuid() != 0:
            assert "are ignored" in run.stderr and "--cgroup-parent is ignored" in run.stderr, run.stderr
            refused = nerdpy(*update, check=False)
            assert refused.returncode == 1 and "cgroup v2" in refused.stderr
            return
        cid = json.loads(nerdpy("inspect", name).stdout)[0]["Id"]
        assert os.path.isdir(f"/sys/fs/cgroup/cpu/nerdpy-test-parent/{cid}")
        rdev = os.stat(disk).st_rdev
        assert _read_cgroup(nerdpy, name) == [*_V1.values(), f"{os.major(rdev)}:{os.minor(rdev)}", str(1 << 20),
                                              "oom_kill_disable", "1"]
        nerdpy(*update)
        assert _read_cgroup(nerdpy, name)[:2] == ["40000", "20000"]
        assert nerdpy("inspect", "-f", "{{.HostConfig.CpuQuota}} {{.HostConfig.MemoryReservation}}",
                      name).stdout.split() == ["20000", str(32 << 20)]
        with open(f"/sys/fs/cgroup/memory/nerdpy-test-parent/{cid}/memory.soft_limit_in_bytes") as soft:
            assert soft.read().strip() == str(32 << 20)
    finally:
        nerdpy("rm", "-f", name, check=False)
    if os.getuid() == 0:
        for controller in os.listdir("/sys/fs/cgroup"):
            if os.path.isdir(f"/sys/fs/cgroup/{controller}/nerdpy-test-parent"):
                os.rmdir(f"/sys/fs/cgroup/{controller}/nerdpy-test-parent")
