"""`top`: describe container processes from /proc (UID PID PPID C STIME TTY TIME CMD)."""

from __future__ import annotations

import os
import time

HEADER = ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            text = handle.read()
    except OSError:
        return None
    return [text[: text.rindex(")") + 1]] + text[text.rindex(")") + 2 :].split()


def container_pids(init_pid: int) -> list[int]:
    """Every process in the container's pid namespace (no cgroups needed, so
    rootless works too), init first."""
    try:
        target = os.readlink(f"/proc/{init_pid}/ns/pid")
    except OSError:
        return []
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.readlink(f"/proc/{entry}/ns/pid") == target:
                    pids.append(int(entry))
            except OSError:
                continue
    return sorted(pids, key=lambda p: (p != init_pid, p))


def describe(pids: list[int]) -> tuple[list[str], list[list[str]]]:
    ticks = os.sysconf("SC_CLK_TCK")
    with open("/proc/uptime") as handle:
        uptime = float(handle.read().split()[0])
    boot = time.time() - uptime
    rows = []
    for pid in pids:
        fields = _stat(pid)
        if fields is None:
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                cmd = handle.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
            uid = os.stat(f"/proc/{pid}").st_uid
        except OSError:
            continue
        cpu = (int(fields[12]) + int(fields[13])) // ticks
        start = boot + int(fields[20]) / ticks
        rows.append([str(uid), str(pid), fields[2], "0", time.strftime("%H:%M", time.localtime(start)), "?",
                     time.strftime("%H:%M:%S", time.gmtime(cpu)), cmd or fields[0].split("(", 1)[1][:-1]])
    return HEADER, rows
