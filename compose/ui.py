"""What compose commands show: docker compose's progress lines on stderr
(`✔ Container app-web-1  Started` on a TTY, plain ` Container app-web-1  Started`
in pipes) and the service-prefixed log lines of `up` / `logs` (coloured on a TTY
only). Writes only to the fds it is given; safe to call from threads."""

from __future__ import annotations

import os
import threading

_COLOURS = ("36", "33", "32", "35", "34", "96", "93", "92", "95", "94")
_DONE = {"Created", "Started", "Running", "Stopped", "Removed", "Healthy", "Exited", "Pulled", "Recreated",
         "Killed", "Paused", "Unpaused", "Restarted", "Waiting", "Skipped", "Copied"}


class Ui:
    def __init__(self, out_fd: int, err_fd: int, ansi: str = "auto", progress: str = "auto") -> None:
        self.out_fd, self.err_fd = out_fd, err_fd
        tty = os.isatty(out_fd)
        self.colour = ansi == "always" or (ansi == "auto" and tty)
        self.fancy = progress == "tty" or (progress == "auto" and os.isatty(err_fd) and ansi != "never")
        self.quiet = progress == "quiet"
        self._lock = threading.Lock()
        self._colours: dict[str, str] = {}

    def _write(self, fd: int, text: str) -> None:
        data = text.encode("utf-8", "surrogateescape")
        with self._lock:
            while data:
                n = os.write(fd, data)
                data = data[n:]

    def event(self, kind: str, name: str, status: str, detail: str = "") -> None:
        """`Container app-web-1  Started` (kind: Container, Network, Volume, Image),
        then the detail if any (`web-1  Copied a to web-1:/b`)."""
        if self.quiet:
            return
        label = f"{kind} {name}" if kind else name  # no kind: a service (`app  Skipped`)
        tail = f" {detail}" if detail else ""
        if self.fancy:
            mark = "\x1b[32m✔\x1b[0m" if status in _DONE else "\x1b[33m⠿\x1b[0m"
            self._write(self.err_fd, f" {mark} {label}  {status}{tail}\n")
        else:
            self._write(self.err_fd, f" {label}  {status}{tail}\n")

    def out(self, line: str) -> None:
        self._write(self.out_fd, line + "\n")

    def err(self, line: str) -> None:
        self._write(self.err_fd, line + "\n")

    def warn(self, line: str) -> None:
        self._write(self.err_fd, f"WARN[0000] {line}\n")

    def prefix(self, name: str, width: int) -> str:
        text = f"{name:<{width}} | "
        if not self.colour:
            return text
        colour = self._colours.setdefault(name, _COLOURS[len(self._colours) % len(_COLOURS)])
        return f"\x1b[{colour}m{text}\x1b[0m"

    def log(self, prefix: str, data: bytes, stderr: bool = False) -> None:
        text = data.decode("utf-8", "replace")
        lines = text.splitlines() or [""]
        self._write(self.out_fd, "".join(f"{prefix}{line}\n" for line in lines))
