"""Reading a container's usage: cgroup v1/v2 files, /proc fallbacks, Docker's CPU %."""

from __future__ import annotations

from pathlib import Path

import pytest

from nerdpy.containers import usage as u

CID = "c0ffee" * 10 + "abcd"

HYBRID = """\
30 25 0:26 / /sys/fs/cgroup/cpu rw,relatime shared:5 - cgroup cgroup rw,cpu
31 25 0:27 / /sys/fs/cgroup/cpuacct rw,relatime shared:6 - cgroup cgroup rw,cpuacct
32 25 0:28 / /sys/fs/cgroup/memory rw,relatime shared:7 - cgroup cgroup rw,memory
33 25 0:29 / /sys/fs/cgroup/blkio rw,relatime shared:8 - cgroup cgroup rw,blkio
34 25 0:30 / /sys/fs/cgroup/pids rw,relatime shared:9 - cgroup cgroup rw,pids
35 25 0:31 / /sys/fs/cgroup/systemd rw,relatime shared:10 - cgroup cgroup rw,name=systemd
36 25 0:32 / /sys/fs/cgroup/unified rw,relatime shared:11 - cgroup2 cgroup2 rw
"""
UNIFIED = "40 25 0:35 /user.slice /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n"


def test_hierarchies_of_a_hybrid_host():
    found = u.hierarchies(HYBRID)
    assert found.v1 == {"cpuacct": ("/", "/sys/fs/cgroup/cpuacct"), "memory": ("/", "/sys/fs/cgroup/memory"),
                        "blkio": ("/", "/sys/fs/cgroup/blkio"), "pids": ("/", "/sys/fs/cgroup/pids")}
    assert found.v2 == ("/", "/sys/fs/cgroup/unified")
    assert u.hierarchies("garbage\n- -\n").v1 == {}


def _proc(monkeypatch, files: dict[str, str]) -> None:
    real = u._read
    monkeypatch.setattr(u, "_read", lambda path: files[path] if path in files else real(path))


def test_own_cgroup_v1_only_when_the_path_names_the_container(monkeypatch):
    _proc(monkeypatch, {"/proc/7/cgroup": f"4:memory:/nerdpy/{CID}\n3:pids:/nerdpy/{CID}\n2:cpuacct:/user.slice\n"
                                          f"9:name=systemd:/x\n0::/nerdpy/{CID}\n"})
    dirs = u.own_cgroup_dirs(7, CID, u.hierarchies(HYBRID))
    # cpuacct is the user's cgroup (shared): not used; the unified line of a hybrid host holds no controllers
    assert dirs == {"memory": f"/sys/fs/cgroup/memory/nerdpy/{CID}", "pids": f"/sys/fs/cgroup/pids/nerdpy/{CID}"}


def test_own_cgroup_v2_relative_to_the_mount_root(monkeypatch):
    _proc(monkeypatch, {"/proc/8/cgroup": f"0::/user.slice/nerdpy-{CID}.scope\n",
                        "/proc/9/cgroup": "0::/user.slice/user-1000.slice/session-1.scope\n"})
    mounts = u.hierarchies(UNIFIED)
    assert u.own_cgroup_dirs(8, CID, mounts) == {"unified": f"/sys/fs/cgroup/nerdpy-{CID}.scope"}
    assert u.own_cgroup_dirs(9, CID, mounts) == {}  # rootless without delegation: the session's cgroup


def _write(directory: Path, files: dict[str, str]) -> str:
    for name, text in files.items():
        (directory / name).write_text(text)
    return str(directory)


def test_v1_files(tmp_path):
    d = _write(tmp_path, {"cpuacct.usage": "123456789\n", "memory.usage_in_bytes": "10485760\n",
                          "memory.stat": "cache 9000\ntotal_inactive_file 2097152\n",
                          "memory.limit_in_bytes": "9223372036854771712\n", "pids.current": "3\n",
                          "blkio.io_service_bytes_recursive": "Total 0\n",
                          "blkio.throttle.io_service_bytes_recursive":
                              "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n8:16 Read 100\nTotal 12388\n"})
    got = u.v1_usage({"cpuacct": d, "memory": d, "blkio": d, "pids": d}, machine_memory=8 << 30)
    assert got == u.Usage(cpu_ns=123456789, memory=8 << 20, memory_limit=8 << 30, block_read=4196, block_write=8192,
                          pids=3)
    (tmp_path / "memory.limit_in_bytes").write_text("67108864\n")
    assert u.v1_usage({"memory": d}, machine_memory=8 << 30).memory_limit == 64 << 20


def test_v2_files(tmp_path):
    d = _write(tmp_path, {"cpu.stat": "usage_usec 2500\nuser_usec 2000\n", "memory.current": "4096000\n",
                          "memory.stat": "anon 1\ninactive_file 96000\n", "memory.max": "max\n",
                          "io.stat": "8:0 rbytes=1000 wbytes=24 rios=1 wios=1 dbytes=0 dios=0\n8:16 rbytes=5 wbytes=0\n",
                          "pids.current": "2\n"})
    got = u.v2_usage(d, machine_memory=1 << 30)
    assert got == u.Usage(cpu_ns=2_500_000, memory=4_000_000, memory_limit=1 << 30, block_read=1005, block_write=24,
                          pids=2)
    empty = u.v2_usage(str(tmp_path / "missing"), machine_memory=1 << 30)
    assert empty == u.Usage()


def test_proc_fallbacks(monkeypatch):
    stat = "{pid} (sh) S 1 1 1 0 -1 4194560 100 0 0 0 {ut} {st} {cut} {cst} 20 0 {thr} 0 1234 0 0\n"
    _proc(monkeypatch, {"/proc/10/stat": stat.format(pid=10, ut=5, st=3, cut=2, cst=0, thr=1),
                        "/proc/11/stat": "11 (a (b) c) R 10 1 1 0 -1 0 0 0 0 0 7 1 0 0 20 0 4 0 99 0 0\n",
                        "/proc/10/net/dev": "Inter-|   Receive\n face |bytes packets\n"
                                            "    lo: 500 5 0 0 0 0 0 0 500 5 0 0 0 0 0 0\n"
                                            "  tap0: 1100 3 0 0 0 0 0 0 656 2 0 0 0 0 0 0\n"})
    assert u.proc_cpu_and_tasks([10, 11, 999999999], ticks=100) == (180_000_000, 5)
    assert u.proc_cpu_and_tasks([999999999], ticks=100) == (None, None)
    assert u.net_io(10) == (1100, 656)  # loopback left out, as Docker


def test_cpu_percent_is_dockers():
    # 0.5 s of the container's CPU time while the 2-CPU host spent 2 s: one CPU half busy
    assert u.cpu_percent(0, 500_000_000, 0, 2_000_000_000, 2) == pytest.approx(50.0)
    assert u.cpu_percent(10, 5, 0, 100, 2) == 0.0  # an exited exec process took its time along
    assert u.cpu_percent(0, 5, 100, 100, 2) == 0.0


def test_columns_in_dockers_words():
    from nerdpy.api.stats import usage_columns

    full = u.Usage(cpu_ns=1, memory=int(1.2 * 1024**2), memory_limit=int(7.6 * 1024**3), block_read=147_000,
                   block_write=0, pids=9, net_rx=1100, net_tx=656)
    assert usage_columns(full, 0.2812) == {"CPUPerc": "0.28%", "MemUsage": "1.2MiB / 7.6GiB", "MemPerc": "0.02%",
                                           "NetIO": "1.1kB / 656B", "BlockIO": "147kB / 0B", "PIDs": "9"}
    rootless_v1 = u.Usage(cpu_ns=1, pids=1, net_rx=0, net_tx=266)
    assert usage_columns(rootless_v1, 93.2) == {"CPUPerc": "93.20%", "MemUsage": "-- / --", "MemPerc": "--",
                                                "NetIO": "0B / 266B", "BlockIO": "--", "PIDs": "1"}
    assert usage_columns(u.Usage(), None) == {"CPUPerc": "--", "MemUsage": "-- / --", "MemPerc": "--",
                                              "NetIO": "--", "BlockIO": "--", "PIDs": "--"}


def test_the_note_names_each_missing_column_once():
    from nerdpy.api.stats import unavailable_note

    note = unavailable_note(("MEM USAGE / LIMIT", "MEM %", "BLOCK I/O"))
    assert note.startswith("MEM USAGE / LIMIT, MEM % and BLOCK I/O shown as --: ") and "\n" not in note
    assert unavailable_note(("BLOCK I/O",)).startswith("BLOCK I/O shown as --")
