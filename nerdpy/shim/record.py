"""JSON without `json` (which drags in `re`): the C scanner/encoder of `_json`,
plus the container's state file, written atomically (tmp + rename)."""

from __future__ import annotations

import os
import time
import _json


class _ScanContext:
    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = float
    memo: dict = {}


_scan = _json.make_scanner(_ScanContext())


def loads(text: str) -> object:
    value, end = _scan(text, 0)
    return value


def dumps(value: object) -> str:
    """Encode dicts/lists of str, int, float, bool and None."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return _json.encode_basestring(value)
    if isinstance(value, dict):
        return "{" + ",".join(_json.encode_basestring(str(k)) + ":" + dumps(v) for k, v in value.items()) + "}"
    return "[" + ",".join(dumps(v) for v in value) + "]"


def load_config(path: str) -> dict[str, object]:
    with open(path, encoding="utf-8") as handle:
        return loads(handle.read())


def now_iso() -> str:
    from nerdpy.logs import format_time

    return format_time(time.time_ns())


def write_atomic(path: str, data: str) -> None:
    tmp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        os.write(fd, data.encode())
    finally:
        os.close(fd)
    os.replace(tmp, path)


class StateFile:
    """The container's dynamic state (status, pid, times, exit code), one JSON
    object replaced atomically on each change. Readers never see a torn file."""

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            with open(path, encoding="utf-8") as handle:
                self.data: dict[str, object] = loads(handle.read())
        except (OSError, ValueError):
            self.data = {}

    def update(self, **changes: object) -> None:
        self.data.update(changes)
        write_atomic(self.path, dumps(self.data))
