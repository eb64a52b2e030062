"""`events`: read (and follow) the journal that commands and shims append to
(`nerdpy.events`), with Docker's --since/--until and filters."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator

from nerdpy.config import Settings
from nerdpy.errors import InvalidArgument
from nerdpy.events import TYPES, journal_path
from nerdpy.logs.reader import parse_since  # noqa: F401 - Docker's --since/--until syntax, for the CLI

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

FILTER_KEYS = ("container", "event", "image", "label", "network", "type", "volume")
POLL = 0.1


def local_time(time_ns: int) -> tuple[time.struct_time, int, str]:
    """(local time, nanoseconds, Go's zone suffix "Z" or "+hh:mm"): the parts of Docker's stamps."""
    seconds, nanos = divmod(time_ns, 1_000_000_000)
    local = time.localtime(seconds)
    offset = local.tm_gmtoff or 0
    zone = "Z" if offset == 0 else f"{'+' if offset > 0 else '-'}{abs(offset) // 3600:02d}:{abs(offset) % 3600 // 60:02d}"
    return local, nanos, zone


def parse_filters(values: list[str] | tuple[str, ...]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or key not in FILTER_KEYS:
            raise InvalidArgument(f"invalid filter '{item}'", hint=f"known filters: {', '.join(FILTER_KEYS)}")
        if key == "type" and value not in TYPES:
            raise InvalidArgument(f"unknown event type '{value}'", hint=f"use one of: {', '.join(TYPES)}")
        out.setdefault(key, []).append(value)
    return out


def _name_or_id(event: dict[str, Any], kind: str, values: list[str]) -> bool:
    if event.get("Type") != kind:
        return False
    actor = event.get("Actor") or {}
    ident, name = actor.get("ID", ""), (actor.get("Attributes") or {}).get("name", "")
    return any(v == name or (len(v) >= 1 and ident.startswith(v)) for v in values)


def _one(event: dict[str, Any], key: str, values: list[str]) -> bool:
    attrs = (event.get("Actor") or {}).get("Attributes") or {}
    if key == "type":
        return event.get("Type") in values
    if key == "event":
        action = event.get("Action", "")
        return action in values or action.split(":")[0] in values
    if key in ("container", "network", "volume"):
        return _name_or_id(event, key, values)
    if key == "image":
        if event.get("Type") == "image":
            return _name_or_id(event, "image", values)
        return attrs.get("image") in values or (attrs.get("image", "").split(":")[0] in values)
    if key == "label":
        return any((v.partition("=")[0] in attrs) and (not v.partition("=")[1] or attrs[v.partition("=")[0]]
                                                          == v.partition("=")[2]) for v in values)
    return False


def matches(event: dict[str, Any], filters: dict[str, list[str]]) -> bool:
    """Docker: values of one key are OR-ed, keys AND-ed."""
    return all(_one(event, key, values) for key, values in filters.items())


class _Tail:
    """Lines of the journal, following appends and rotation (by inode)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd = -1
        self.inode = 0
        self.partial = b""

    def open_at_end(self) -> None:
        self._open()
        if self.fd >= 0:
            os.lseek(self.fd, 0, os.SEEK_END)

    def _open(self) -> None:
        try:
            self.fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
            self.inode = os.fstat(self.fd).st_ino
        except OSError:
            self.fd = -1
        self.partial = b""

    def lines(self) -> list[bytes]:
        out = self._read()
        try:
            current = os.stat(self.path).st_ino
        except OSError:
            current = 0
        if current and current != self.inode:  # rotated: finish the old file, then the new from its start
            if self.fd >= 0:
                os.close(self.fd)
            self._open()
            out += self._read()
        return out

    def _read(self) -> list[bytes]:
        if self.fd < 0:
            return []
        data = b""
        while True:
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                break
            data += chunk
        data = self.partial + data
        *whole, self.partial = data.split(b"\n")
        return whole


def _decode(line: bytes) -> dict[str, Any] | None:
    try:
        event = json.loads(line)
    except ValueError:
        return None  # a torn line after a crash: skipped
    return event if isinstance(event, dict) else None


def read(settings: Settings, since_ns: int | None, until_ns: int, filters: dict[str, list[str]],
         follow: bool = True) -> Iterator[dict[str, Any]]:
    """Past events from `since_ns` (when given), then new ones as they are written,
    until `until_ns` (0: forever). Docker's rules: without --since (None) only new events."""
    path = journal_path(settings.layout.runtime_root)
    tail = _Tail(path)
    if since_ns is not None:
        for name in (path + ".1", path):
            try:
                with open(name, "rb") as handle:
                    data = handle.read()
                    if name == path:  # follow on from here (a dup shares the offset: at the end read)
                        tail.fd = os.dup(handle.fileno())
                        tail.inode = os.fstat(tail.fd).st_ino
            except OSError:
                continue
            lines = data.split(b"\n")
            if name == path:
                tail.partial = lines.pop()  # a line still being written
            for line in lines:
                event = _decode(line) if line else None
                if event is None or event.get("timeNano", 0) < since_ns:
                    continue
                if until_ns and event.get("timeNano", 0) > until_ns:
                    return
                if matches(event, filters):
                    yield event
    else:
        tail.open_at_end()
    if not follow or (until_ns and until_ns <= time.time_ns()):
        return
    while True:
        for line in tail.lines():
            event = _decode(line)
            if event is None:
                continue
            if until_ns and event.get("timeNano", 0) > until_ns:
                return
            if matches(event, filters):
                yield event
        if until_ns and time.time_ns() > until_ns:
            return
        if tail.fd < 0:
            tail._open()
        time.sleep(POLL)
