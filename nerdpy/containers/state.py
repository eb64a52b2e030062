"""Reading a container's dynamic state, noticing dead shims.

The shim records `shim_pid` and `shim_start` (its start time in clock ticks) in
state.json. A state that says running/restarting while that process is gone
(killed, or a reboot wiped everything) is reported as exited with 137, as
containerd does for a lost shim.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from nerdpy.containers import State
from nerdpy.paths import write_private

DEAD_SHIM_EXIT = 137


def process_start_time(pid: int) -> int | None:
    """Start time in clock ticks of a live process; None when it is gone or a
    zombie (a killed shim whose parent has not reaped it is dead all the same)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            stat = handle.read()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] in ("Z", "X", "x"):
        return None
    return int(fields[19])


def load_raw(path: Path) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def shim_alive(raw: dict) -> bool:
    pid = int(raw.get("shim_pid") or 0)
    return pid > 0 and process_start_time(pid) == raw.get("shim_start")


def read_state(path: Path, shim_dir: Path) -> State:
    raw = load_raw(path)
    status = raw.get("status", "created")
    exit_code = int(raw.get("exit_code") or 0)
    finished = raw.get("finished_at", "")
    if status in ("running", "restarting") and not shim_alive(raw):
        status, exit_code = "exited", DEAD_SHIM_EXIT
        finished = finished or raw.get("started_at", "")
    elif status == "running" and os.path.exists(shim_dir / "paused"):
        status = "paused"
    return State(
        status=status,
        pid=int(raw.get("pid") or 0) if status in ("running", "paused") else 0,
        exit_code=exit_code,
        started_at=raw.get("started_at", ""),
        finished_at=finished,
        restart_count=int(raw.get("restart_count") or 0),
        shim_pid=int(raw.get("shim_pid") or 0),
        error=raw.get("error", ""),
        shim_protocol=int(raw.get("shim_protocol") or 0),
    )


def remove_tree(path: Path) -> None:
    """rm -rf without following symlinks, at any depth (nerdpy.linux.rmtree; no
    shutil, which drags zlib, bz2 and lzma onto the `run` path). Best effort."""
    from nerdpy.linux.rmtree import remove_quietly

    remove_quietly(path)


def write_state(path: Path, **fields: object) -> None:
    """Merge `fields` into state.json atomically (CLI side; the shim has its own writer)."""
    raw = load_raw(path)
    raw.update(fields)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    write_private(tmp, json.dumps(raw))
    os.replace(tmp, path)
