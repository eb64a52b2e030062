"""BuildKit's plain progress format (`#N name`, `#N 0.123 log line`, `#N CACHED`,
`#N DONE 0.3s`, `#N ERROR: ...`), written through a callback the caller gives."""

from __future__ import annotations

import time
from collections.abc import Callable


class Progress:
    def __init__(self, emit: Callable[[str], None] | None) -> None:
        self.emit = emit
        self.count = 0
        self.started: dict[int, float] = {}

    def _out(self, text: str) -> None:
        if self.emit is not None:
            self.emit(text)

    def start(self, name: str) -> int:
        self.count += 1
        self.started[self.count] = time.monotonic()
        self._out(f"#{self.count} {name}")
        return self.count

    def log(self, vertex: int, line: str) -> None:
        elapsed = time.monotonic() - self.started.get(vertex, time.monotonic())
        stamp = f"{elapsed:.3f}" if elapsed < 10 else f"{elapsed:.2f}" if elapsed < 100 else f"{elapsed:.1f}"
        self._out(f"#{vertex} {stamp} {line}")

    def cached(self, vertex: int) -> None:
        self._out(f"#{vertex} CACHED\n")

    def done(self, vertex: int) -> None:
        self._out(f"#{vertex} DONE {time.monotonic() - self.started.get(vertex, time.monotonic()):.1f}s\n")

    def error(self, vertex: int, message: str) -> None:
        self._out(f"#{vertex} ERROR: {message}\n")

    def warn(self, vertex: int, message: str) -> None:
        self._out(f"#{vertex} WARN: {message}")
