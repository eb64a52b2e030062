"""A running container's resource usage (`stats`), read without a daemon.

From the container's own cgroup (v2, or v1 as root): CPU time, memory and its
limit, block I/O and tasks, as Docker's daemon reads them. A container without
a cgroup of its own (rootless on cgroup v1, or on v2 without delegated
controllers: runc leaves it in its user's cgroup, shared with everything else)
gets CPU time and tasks from /proc of the processes in its pid namespace, and
no memory or block I/O figures (None). Net I/O always comes from
/proc/<pid>/net/dev, which shows the container's network namespace.
"""

from __future__ import annotations

import os

from nerdpy.records import record

V1_CONTROLLERS = ("cpuacct", "memory", "blkio", "pids")
_V1_UNLIMITED = 1 << 62  # memory.limit_in_bytes without a limit is 2^63 rounded down to a page


@record(frozen=False)
class Usage:
    """One reading; None where the figure cannot be read (shown as `--`)."""

    cpu_ns: int | None = None
    memory: int | None = None  # usage without inactive file pages (Docker's "no cache" figure)
    memory_limit: int | None = None
    block_read: int | None = None
    block_write: int | None = None
    pids: int | None = None
    net_rx: int | None = None
    net_tx: int | None = None


@record
class Hierarchies:
    """Where the cgroup hierarchies are mounted: v1 controller -> (hierarchy
    root of the mount, mount point); the v2 mount likewise, if any."""

    v1: dict[str, tuple[str, str]]
    v2: tuple[str, str] | None


def _read(path: str) -> str | None:
    try:
        with open(path) as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return None


def _unescape(field: str) -> str:
    return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")


def hierarchies(mountinfo: str | None = None) -> Hierarchies:
    text = _read("/proc/self/mountinfo") if mountinfo is None else mountinfo
    v1: dict[str, tuple[str, str]] = {}
    v2 = None
    for line in (text or "").splitlines():
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(fields) < 5 or len(tail) < 3:
            continue
        where = (_unescape(fields[3]), _unescape(fields[4]))
        if tail[0] == "cgroup2" and (v2 is None or where[1] == "/sys/fs/cgroup"):
            v2 = where
        elif tail[0] == "cgroup":
            for option in tail[2].split(","):
                if option in V1_CONTROLLERS:
                    v1.setdefault(option, where)
    return Hierarchies(v1=v1, v2=v2)


def own_cgroup_dirs(pid: int, container_id: str, mounts: Hierarchies) -> dict[str, str]:
    """Controller ("cpuacct", "memory", "blkio", "pids"; "unified" for v2) ->
    the directory of `pid`'s cgroup, only where that cgroup is the container's
    own (its path names the container): a shared one would count everything else."""
    out: dict[str, str] = {}
    for line in (_read(f"/proc/{pid}/cgroup") or "").splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3 or container_id not in parts[2].rstrip("/").rsplit("/", 1)[-1]:
            continue
        names = parts[1].split(",") if parts[1] else ["unified"]
        for name in names:
            where = mounts.v2 if name == "unified" else mounts.v1.get(name)
            if where is None or (name == "unified" and mounts.v1):
                continue  # hybrid: the unified hierarchy holds no controllers
            root, point = where
            path = parts[2]
            if root != "/" and (path == root or path.startswith(root + "/")):
                path = path[len(root):]
            elif root != "/":
                continue
            out[name] = point + path
    return out


def _keyed(text: str | None) -> dict[str, int]:
    out = {}
    for line in (text or "").splitlines():
        key, _, value = line.partition(" ")
        if value.strip().isdigit():
            out[key] = int(value)
    return out


def _int(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() else None


def _cap(limit: int | None, machine: int) -> int | None:
    """Docker's daemon: no limit (or one above the machine's memory) shows the machine's memory."""
    if limit is None or limit >= _V1_UNLIMITED or (machine and limit > machine):
        return machine or None
    return limit


def v1_usage(dirs: dict[str, str], machine_memory: int) -> Usage:
    usage = Usage()
    if "cpuacct" in dirs:
        usage.cpu_ns = _int(_read(dirs["cpuacct"] + "/cpuacct.usage"))
    if "memory" in dirs:
        current = _int(_read(dirs["memory"] + "/memory.usage_in_bytes"))
        inactive = _keyed(_read(dirs["memory"] + "/memory.stat")).get("total_inactive_file", 0)
        if current is not None:
            usage.memory = current - inactive if inactive < current else current
            usage.memory_limit = _cap(_int(_read(dirs["memory"] + "/memory.limit_in_bytes")), machine_memory)
    if "blkio" in dirs:
        # libcontainer: the CFQ/BFQ file when it has entries, else the throttle one (always kept).
        for name in ("blkio.io_service_bytes_recursive", "blkio.throttle.io_service_bytes_recursive"):
            read, write, seen = _blkio_v1(_read(dirs["blkio"] + "/" + name))
            if seen:
                usage.block_read, usage.block_write = read, write
                break
        else:
            usage.block_read = usage.block_write = 0
    if "pids" in dirs:
        usage.pids = _int(_read(dirs["pids"] + "/pids.current"))
    return usage


def _blkio_v1(text: str | None) -> tuple[int, int, bool]:
    """Docker's sums: entries whose operation starts with r or w ("8:0 Read 4096")."""
    read = write = 0
    seen = False
    for line in (text or "").splitlines():
        fields = line.split()
        if len(fields) != 3 or not fields[2].isdigit():
            continue
        seen = True
        op = fields[1][:1].lower()
        if op == "r":
            read += int(fields[2])
        elif op == "w":
            write += int(fields[2])
    return read, write, seen


def v2_usage(directory: str, machine_memory: int) -> Usage:
    usage = Usage()
    cpu = _keyed(_read(directory + "/cpu.stat")).get("usage_usec")
    usage.cpu_ns = None if cpu is None else cpu * 1000
    current = _int(_read(directory + "/memory.current"))
    if current is not None:
        inactive = _keyed(_read(directory + "/memory.stat")).get("inactive_file", 0)
        usage.memory = current - inactive if inactive < current else current
        usage.memory_limit = _cap(_int(_read(directory + "/memory.max")), machine_memory)  # "max": no limit
    io = _read(directory + "/io.stat")
    if io is not None:
        usage.block_read = usage.block_write = 0
        for line in io.splitlines():
            for pair in line.split()[1:]:
                key, _, value = pair.partition("=")
                if key == "rbytes" and value.isdigit():
                    usage.block_read += int(value)
                elif key == "wbytes" and value.isdigit():
                    usage.block_write += int(value)
    usage.pids = _int(_read(directory + "/pids.current"))
    return usage


def processes_by_namespace(init_pids: list[int]) -> dict[int, list[int]]:
    """init pid -> every process in its pid namespace, in one walk of /proc."""
    wanted: dict[str, int] = {}
    for pid in init_pids:
        try:
            wanted[os.readlink(f"/proc/{pid}/ns/pid")] = pid
        except OSError:
            continue
    out: dict[int, list[int]] = {pid: [] for pid in wanted.values()}
    if not wanted:
        return out
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                init = wanted.get(os.readlink(f"/proc/{entry}/ns/pid"))
            except OSError:
                continue
            if init is not None:
                out[init].append(int(entry))
    return out


def proc_cpu_and_tasks(pids: list[int], ticks: int) -> tuple[int | None, int | None]:
    """CPU time of the processes (their own and their reaped children's, so a
    short-lived child still counts) and their threads, from /proc/<pid>/stat."""
    total = tasks = 0
    seen = False
    for pid in pids:
        text = _read(f"/proc/{pid}/stat")
        if text is None:
            continue
        fields = text[text.rindex(")") + 2:].split()
        try:
            total += sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
            tasks += int(fields[17])  # num_threads
        except (IndexError, ValueError):
            continue
        seen = True
    if not seen:
        return None, None
    return total * 1_000_000_000 // ticks, tasks


def net_io(pid: int) -> tuple[int | None, int | None]:
    """Received and sent bytes of the container's interfaces (loopback aside, as Docker)."""
    text = _read(f"/proc/{pid}/net/dev")
    if text is None:
        return None, None
    rx = tx = 0
    for line in text.splitlines()[2:]:
        name, _, counters = line.partition(":")
        fields = counters.split()
        if name.strip() == "lo" or len(fields) < 9:
            continue
        rx += int(fields[0])
        tx += int(fields[8])
    return rx, tx


def system_cpu_ns(ticks: int) -> int:
    """The host's CPU time as Docker's daemon counts it: /proc/stat's first
    seven `cpu` fields (user to softirq)."""
    first = (_read("/proc/stat") or "").split("\n", 1)[0].split()
    if not first or first[0] != "cpu":
        return 0
    return sum(int(v) for v in first[1:8]) * 1_000_000_000 // ticks


def machine_memory() -> int:
    for line in (_read("/proc/meminfo") or "").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    return 0


def cpu_percent(previous_cpu: int, cpu: int, previous_system: int, system: int, cpus: int) -> float:
    """Docker's CLI: the container's share of the host's CPU time between two
    readings, times the online CPUs (100% is one CPU busy)."""
    cpu_delta, system_delta = cpu - previous_cpu, system - previous_system
    if cpu_delta > 0 and system_delta > 0:
        return cpu_delta / system_delta * cpus * 100.0
    return 0.0


def read_usage(container_id: str, pid: int, processes: list[int], mounts: Hierarchies, memory_total: int,
               ticks: int, host_network: bool = False) -> Usage:
    """One reading of a running container whose init is `pid`."""
    dirs = own_cgroup_dirs(pid, container_id, mounts)
    if "unified" in dirs:
        usage = v2_usage(dirs["unified"], memory_total)
    else:
        usage = v1_usage(dirs, memory_total)
    if usage.cpu_ns is None or usage.pids is None:
        cpu, tasks = proc_cpu_and_tasks(processes or [pid], ticks)
        usage.cpu_ns = cpu if usage.cpu_ns is None else usage.cpu_ns
        usage.pids = tasks if usage.pids is None else usage.pids
    if host_network:
        usage.net_rx = usage.net_tx = 0  # Docker counts the container's own interfaces: it has none
    else:
        usage.net_rx, usage.net_tx = net_io(pid)
    return usage
