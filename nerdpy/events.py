"""The event journal: what `nerdpy events` reads, written without a daemon.

`<runtime_root>/events/events.jsonl` (dir 0700, file 0600): one JSON object per
line in Docker's event message shape (`Type`, `Action`, `Actor: {ID,
Attributes}`, `scope`, `time`, `timeNano`, plus the legacy `status`, `id`,
`from` for containers and images). Writers are the one-shot commands and the
shims: each event is one `os.open(O_APPEND)` + one `os.write` of a whole line
(appends of a few hundred bytes land whole and in order on local
filesystems, and a crash loses at most the line being written), so the `run`
hot path pays two syscalls and no import (`_json` is already loaded by the
callers). When the file passes MAX_SIZE the writer that notices renames it to
`events.jsonl.1` (one generation kept, as a bounded buffer: Docker keeps 256
events in memory). A reader follows rotation by inode.
"""

from __future__ import annotations

import os
import time
from _json import encode_basestring as _quote

MAX_SIZE = 4 << 20
FILE = "events.jsonl"
TYPES = ("container", "image", "network", "volume")


def journal_path(runtime_root: object) -> str:
    return os.path.join(str(runtime_root), "events", FILE)


def _encode(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(_quote(str(k)) + ":" + _encode(v) for k, v in value.items()) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return _quote("" if value is None else str(value))


def emit(runtime_root: object, kind: str, action: str, actor: str, attributes: dict | None = None) -> None:
    """Append one event. Never fails the caller: events are a record, not a duty."""
    now = time.time_ns()
    attrs = {k: str(v) for k, v in (attributes or {}).items()}
    message: dict = {}
    if kind in ("container", "image"):
        message = {"status": action, "id": actor, "from": attrs.get("image", "") if kind == "container" else ""}
        if kind == "image":
            del message["from"]
    message.update({"Type": kind, "Action": action, "Actor": {"ID": actor, "Attributes": attrs}, "scope": "local",
                    "time": now // 1_000_000_000, "timeNano": now})
    path = journal_path(runtime_root)
    line = (_encode(message) + "\n").encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except FileNotFoundError:
        try:
            os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError:
            return
    except OSError:
        return
    try:
        os.write(fd, line)
        if os.fstat(fd).st_size > MAX_SIZE:
            _rotate(path, fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _rotate(path: str, fd: int) -> None:
    try:
        if os.stat(path).st_ino == os.fstat(fd).st_ino:  # nobody rotated it meanwhile
            os.replace(path, path + ".1")
    except OSError:
        pass


def container_attributes(container: object, **extra: object) -> dict:
    """Docker's container event attributes: image, name and the labels."""
    cfg = getattr(container, "config", {}).get("Config", {})
    attrs = {**(cfg.get("Labels") or {}), "image": getattr(container, "image", ""),
             "name": getattr(container, "name", "")}
    attrs.update(extra)
    return attrs
