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


def _user(uid: int) -> str:
    """The UID column as `ps -ef` prints it: the user's name, or the number when the
    name is unknown or longer than procps' 8 columns."""
    import pwd

    try:
        name = pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)
    return name if len(name) <= 8 else str(uid)


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
        rows.append([_user(uid), str(pid), fields[2], "0", time.strftime("%H:%M", time.localtime(start)), "?",
                     time.strftime("%H:%M:%S", time.gmtime(cpu)), cmd or fields[0].split("(", 1)[1][:-1]])
    return HEADER, rows


def run_ps(ps_args: tuple[str, ...], pids: list[int]) -> tuple[list[str], list[list[str]]]:
    """`top CONTAINER [ps OPTIONS]`: the host's ps with those options, keeping the
    rows whose PID is one of `pids` (Docker's daemon does the same)."""
    import subprocess

    from nerdpy.errors import InvalidArgument

    try:
        result = subprocess.run(["ps", *ps_args], capture_output=True, text=True, timeout=30)
    except FileNotFoundError:
        raise InvalidArgument("top with ps options needs ps on the host") from None
    if result.returncode != 0:
        raise InvalidArgument(f"ps {' '.join(ps_args)} failed: {result.stderr.strip() or result.returncode}")
    lines = result.stdout.splitlines()
    header = lines[0].split() if lines else []
    if "PID" not in header:
        raise InvalidArgument("couldn't find PID field in ps output", hint="add pid to the ps options (-o pid,...)")
    column, wanted = header.index("PID"), {str(p) for p in pids}
    rows = []
    for line in lines[1:]:
        fields = line.split(None, len(header) - 1)
        if len(fields) > column and fields[column] in wanted:
            rows.append(fields)
    return header, rows
