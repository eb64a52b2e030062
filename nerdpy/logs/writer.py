"""The json-file log writer the shim uses: line framing per stream, rotation by
max-size/max-file (Docker's `--log-opt`), appends of whole lines only."""

from __future__ import annotations

import os
import time

try:
    from _json import encode_basestring as _quote
except ImportError:  # pragma: no cover - pure-Python interpreters
    from json.encoder import py_encode_basestring as _quote

from nerdpy.logs import format_time

MAX_LINE = 16 * 1024  # Docker splits longer lines into partial messages


def encode_entry(stream: str, data: bytes, ns: int, attrs: str = "") -> bytes:
    """One line in Docker's field order: log, stream, attrs (`attrs`: their JSON, when
    there are any), time."""
    text = data.decode("utf-8", "replace")
    extra = ',"attrs":' + attrs if attrs else ""
    return ('{"log":' + _quote(text) + ',"stream":"' + stream + '"' + extra + ',"time":"' + format_time(ns)
            + '"}\n').encode()


class JsonFileWriter:
    def __init__(self, path: str, max_size: int = 0, max_file: int = 1, attrs: dict[str, str] | None = None) -> None:
        self.path = path
        pairs = sorted((attrs or {}).items())
        self._attrs = "{" + ",".join(_quote(k) + ":" + _quote(v) for k, v in pairs) + "}" if pairs else ""
        self.max_size = max_size
        self.max_file = max(1, max_file)
        self._buffers: dict[str, bytes] = {"stdout": b"", "stderr": b""}
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        self._size = os.fstat(self._fd).st_size

    def write(self, stream: str, data: bytes) -> None:
        """Buffer `data` from `stream`; log every complete line (and pieces of
        over-long lines)."""
        buffered = self._buffers[stream] + data
        ns = time.time_ns()
        while True:
            cut = buffered.find(b"\n")
            if cut < 0 or cut >= MAX_LINE:
                if len(buffered) >= MAX_LINE:
                    self._emit(stream, buffered[:MAX_LINE], ns)
                    buffered = buffered[MAX_LINE:]
                    continue
                break
            self._emit(stream, buffered[: cut + 1], ns)
            buffered = buffered[cut + 1 :]
        self._buffers[stream] = buffered

    def flush(self, stream: str | None = None) -> None:
        """Emit what is left without a newline (the stream ended)."""
        for name in [stream] if stream else list(self._buffers):
            if self._buffers[name]:
                self._emit(name, self._buffers[name], time.time_ns())
                self._buffers[name] = b""

    def _emit(self, stream: str, line: bytes, ns: int) -> None:
        entry = encode_entry(stream, line, ns, self._attrs)
        if self.max_size and self._size + len(entry) > self.max_size and self._size > 0:
            self._rotate()
        os.write(self._fd, entry)
        self._size += len(entry)

    def _rotate(self) -> None:
        os.close(self._fd)
        if self.max_file > 1:
            for index in range(self.max_file - 1, 0, -1):
                source = self.path if index == 1 else f"{self.path}.{index - 1}"
                try:
                    os.replace(source, f"{self.path}.{index}")
                except FileNotFoundError:
                    pass
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
        else:
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
        self._fd = os.open(self.path, flags, 0o600)
        self._size = 0

    def close(self) -> None:
        self.flush()
        os.close(self._fd)
