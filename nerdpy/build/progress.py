"""Build progress in BuildKit's two human formats, written through a callback.

plain (pipes, `--progress plain`): `#N name`, `#N 0.123 log line`, `#N status done`
(the exporter's `writing image sha256:... done`), `#N CACHED`, `#N DONE 0.3s`,
`#N ERROR: ...`, a blank line after each finished step.
tty (`--progress tty`, or auto on a terminal): a header `[+] Building 1.2s (3/5)`
and one ` => [2/5] RUN ...  0.4s` line per step, redrawn in place, with the last
log lines of the running step shown below it; the final frame stays on screen.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_LOG_TAIL = 6


def _locked(method: Callable[..., T]) -> Callable[..., T]:
    def call(self: Progress, *args: object) -> T:
        with self.lock:
            return method(self, *args)
    return call


class Progress:
    def __init__(self, emit: Callable[[str], None] | None, mode: str = "plain") -> None:
        self.emit = emit
        self.tty = mode == "tty"
        self.count = 0
        self.begun = time.monotonic()
        self.started: dict[int, float] = {}
        self.names: dict[int, str] = {}
        self.states: dict[int, str] = {}  # "" running, "DONE 0.3s", "CACHED", "ERROR"
        self.logs: dict[int, list[str]] = {}
        self.statuses: dict[int, list[str]] = {}  # sub-steps, shown under their step in tty mode
        self.drawn = 0
        self.lock = threading.RLock()  # stages report from their threads

    def _out(self, text: str) -> None:
        if self.emit is not None and not self.tty:
            self.emit(text)

    @_locked
    def start(self, name: str) -> int:
        self.count += 1
        self.started[self.count] = time.monotonic()
        self.names[self.count], self.states[self.count], self.logs[self.count] = name, "", []
        self._out(f"#{self.count} {name}")
        self._draw()
        return self.count

    def _elapsed(self, vertex: int) -> float:
        return time.monotonic() - self.started.get(vertex, time.monotonic())

    @_locked
    def log(self, vertex: int, line: str) -> None:
        elapsed = self._elapsed(vertex)
        stamp = f"{elapsed:.3f}" if elapsed < 10 else f"{elapsed:.2f}" if elapsed < 100 else f"{elapsed:.1f}"
        self._out(f"#{vertex} {stamp} {line}")
        self.logs.setdefault(vertex, []).append(line)
        self._draw()

    @_locked
    def status(self, vertex: int, text: str) -> None:
        self._out(f"#{vertex} {text}")
        self.statuses.setdefault(vertex, []).append(text)
        self._draw()

    @_locked
    def _finish(self, vertex: int, state: str, plain: str) -> None:
        self.states[vertex] = state
        self._out(plain)
        self._draw()

    def cached(self, vertex: int) -> None:
        self._finish(vertex, "CACHED", f"#{vertex} CACHED\n")

    def done(self, vertex: int) -> None:
        took = f"{self._elapsed(vertex):.1f}s"
        self._finish(vertex, took, f"#{vertex} DONE {took}\n")

    def error(self, vertex: int, message: str) -> None:
        self._finish(vertex, "ERROR", f"#{vertex} ERROR: {message}\n")

    @_locked
    def warn(self, vertex: int, message: str) -> None:
        if self.tty and self.emit is not None:
            self.emit(f"WARN: {message}")
        self._out(f"#{vertex} WARN: {message}")

    @_locked
    def close(self) -> None:
        """The last frame says FINISHED (tty)."""
        self._draw(final=True)

    def _draw(self, final: bool = False) -> None:
        if not self.tty or self.emit is None:
            return
        finished = sum(1 for s in self.states.values() if s)
        head = f"[+] Building {time.monotonic() - self.begun:.1f}s ({finished}/{self.count})"
        lines = [head + (" FINISHED" if final else "")]
        for vertex in sorted(self.names):
            state = self.states[vertex] or f"{self._elapsed(vertex):.1f}s"
            lines.append(f" => {self.names[vertex][:70]:<70} {state}")
            lines += [f" => => {text[:88]}" for text in self.statuses.get(vertex, ())]
            if self.states[vertex] in ("", "ERROR"):  # a failed step keeps its output on screen
                lines += [f" => => # {text[:90]}" for text in self.logs[vertex][-_LOG_TAIL:]]
        # move up over the previous frame, clear it, draw this one
        prefix = f"\x1b[{self.drawn}F\x1b[J" if self.drawn else ""
        self.emit(prefix + "\n".join(lines))
        self.drawn = len(lines)
