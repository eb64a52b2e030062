"""Reading json-file logs: rotated files oldest first, tail, since/until, follow."""

from __future__ import annotations

import json
import os
import time

from nerdpy.logs import parse_time
from nerdpy.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Iterator


@record
class LogEntry:
    stream: str
    data: bytes
    time: str  # as recorded (RFC3339Nano)
    ns: int
    attrs: tuple[tuple[str, str], ...] = ()  # --log-opt labels/env/tag, sorted by key


def _files(path: str) -> list[str]:
    rotated = []
    index = 1
    while os.path.exists(f"{path}.{index}"):
        rotated.append(f"{path}.{index}")
        index += 1
    return list(reversed(rotated)) + ([path] if os.path.exists(path) else [])


def parse_line(line: bytes) -> LogEntry | None:
    try:
        obj = json.loads(line)
        stamp = obj["time"]
        attrs = obj.get("attrs") or {}
        return LogEntry(obj.get("stream", "stdout"), obj["log"].encode("utf-8", "surrogateescape"), stamp,
                        parse_time(stamp), tuple(sorted((str(k), str(v)) for k, v in attrs.items())))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None  # a torn or foreign line: skip it, as Docker does


def read_entries(path: str, since_ns: int = 0, until_ns: int = 0, tail: int = -1) -> list[LogEntry]:
    entries: list[LogEntry] = []
    for name in _files(path):
        try:
            with open(name, "rb") as handle:
                for line in handle:
                    entry = parse_line(line)
                    if entry is None or (since_ns and entry.ns < since_ns) or (until_ns and entry.ns > until_ns):
                        continue
                    entries.append(entry)
        except FileNotFoundError:
            continue
    if tail >= 0:
        entries = entries[len(entries) - tail :] if tail else []
    return entries


def follow(path: str, start_offset: int, alive: Callable[[], bool], poll: float = 0.05) -> Iterator[LogEntry]:
    """Entries appended after `start_offset` until `alive()` turns false and the
    file is drained. Rotation (file replaced) restarts at offset 0 of the new file."""
    offset = start_offset
    inode = _inode(path)
    pending = b""
    while True:
        current = _inode(path)
        if current != inode:
            inode, offset, pending = current, 0, b""
        chunk = b""
        try:
            with open(path, "rb") as handle:
                handle.seek(offset)
                chunk = handle.read()
        except FileNotFoundError:
            pass
        offset += len(chunk)
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            entry = parse_line(line)
            if entry is not None:
                yield entry
        if not chunk:
            if not alive():
                return
            time.sleep(poll)


def _inode(path: str) -> int:
    try:
        return os.stat(path).st_ino
    except FileNotFoundError:
        return 0


def end_offset(path: str) -> int:
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0


def parse_since(text: str, now_ns: int | None = None) -> int:
    """Docker's --since/--until: RFC3339, a Unix timestamp, or a duration (10m, 1h30m)."""
    if not text:
        return 0
    now_ns = time.time_ns() if now_ns is None else now_ns
    import re

    if re.fullmatch(r"(\d+(\.\d+)?(ns|us|ms|s|m|h))+", text):
        units = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9, "m": 60e9, "h": 3600e9}
        total = sum(float(n) * units[u] for n, _, u in re.findall(r"(\d+(\.\d+)?)(ns|us|ms|s|m|h)", text))
        return now_ns - int(total)
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return int(float(text) * 1e9)
    given = text
    try:
        if "T" not in text:
            text += "T00:00:00Z"
        elif not (text.endswith("Z") or re.search(r"[+-]\d\d:\d\d$", text)):
            text += "Z"
        return parse_time(text)
    except ValueError:
        from nerdpy.errors import ClientRefused  # docker/cli parses it itself: exit 1

        raise ClientRefused(f'failed to parse value as time or duration: "{given}"', hint="use RFC3339, a Unix timestamp or a duration like 10m") from None
