"""JSON without `json` (which drags in `re`): the C scanner/encoder of `_json`,
plus the container's state file, written atomically (tmp + rename)."""

from __future__ import annotations

import os
import time
import _json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypedDict

    class ShimConfig(TypedDict, total=False):
        """The shim's config.json, as nerdpy.containers.start.shim_config writes it."""
        id: str
        bundle: str
        runtime: str
        runtime_root: str
        state_file: str
        log_driver: str
        log_path: str
        log_max_size: int
        log_max_file: int
        log_attrs: dict[str, str]  # --log-opt labels/env/tag: "attrs" on every line
        tty: bool
        stdin: bool
        restart: str
        wait_attach: bool
        attach_timeout: float
        exit_command: list[str]
        exit_env: dict[str, str]
        healthcheck: dict[str, Any] | None  # None: no probe to run
        events_root: str
        event_attributes: dict[str, str]


class _ScanContext:
    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = float
    memo: dict = {}


# The C scanner reads these attributes off any object; typeshed asks for a json.JSONDecoder.
_scan = _json.make_scanner(_ScanContext())  # type: ignore[arg-type]


def loads(text: str) -> Any:
    """A JSON value: its shape is the caller's to check, as with json.loads."""
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
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def load_config(path: str) -> ShimConfig:
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
                self.data: dict[str, Any] = loads(handle.read())
        except (OSError, ValueError):
            self.data = {}

    def update(self, **changes: object) -> None:
        self.data.update(changes)
        write_atomic(self.path, dumps(self.data))
