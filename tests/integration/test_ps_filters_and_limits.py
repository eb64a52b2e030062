"""`ps --filter` on a container's definition (network=, publish=, expose=, volume=, is-task=), `ps`'s
table and IMAGE column, and run's --memory-swap / --cpu-shares (Docker's)."""

from __future__ import annotations

import json
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
