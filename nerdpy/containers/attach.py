"""Relaying a container's streams to the caller's fds: foreground `run`,
`attach`, `start -a`. Returns the exit code, or None when the user detached
(Ctrl-P Ctrl-Q) or the connection ended without one."""

from __future__ import annotations

import _signal as signal  # not `signal`: its enums cost a foreground `run` ~0.5 ms
import os
import select

from nerdpy.shim import EXIT, STDERR, STDOUT

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

DETACH_KEYS = b"\x10\x11"  # Ctrl-P Ctrl-Q, Docker's default
_CTRL_SPECIALS = {"@": 0, "[": 27, "\\": 28, "]": 29, "^": 30, "_": 31}


def parse_detach_keys(text: str) -> bytes:
    """Docker's `--detach-keys` / config.json `detachKeys`: comma-separated keys,
    each one character or `ctrl-<a-z@[\\]^_>`; empty means the default."""
    from nerdpy.errors import InvalidArgument

    if not text:
        return DETACH_KEYS
    out = bytearray()
    for key in text.split(","):
        lower = key.lower()
        if len(key) == 1:
            out.append(ord(key))
        elif lower.startswith("ctrl-") and len(key) == 6 and "a" <= lower[5] <= "z":
            out.append(ord(lower[5]) - ord("a") + 1)
        elif lower.startswith("ctrl-") and len(key) == 6 and key[5] in _CTRL_SPECIALS:
            out.append(_CTRL_SPECIALS[key[5]])
        else:
            raise InvalidArgument(f"Invalid detach keys ({text}) provided",
                                  hint="use comma-separated keys like ctrl-p,ctrl-q (a letter or ctrl-<a-z@[\\]^_>)")
    return bytes(out)


def resolve_detach_keys(flag: str, config_dir: Any) -> bytes:
    """The detach sequence: `--detach-keys` when given, else `detachKeys` of the
    Docker config.json in `config_dir` (Docker's precedence), else Ctrl-P Ctrl-Q."""
    if flag:
        return parse_detach_keys(flag)
    if config_dir is None:
        return DETACH_KEYS
    import json

    try:
        with open(os.path.join(str(config_dir), "config.json"), encoding="utf-8") as f:
            config = json.load(f)
    except (OSError, ValueError):
        return DETACH_KEYS  # no or unreadable config: Docker's default too
    keys = config.get("detachKeys") if isinstance(config, dict) else None
    return parse_detach_keys(keys) if isinstance(keys, str) else DETACH_KEYS


class DetachMatcher:
    """Holds back input that may start the detach sequence until the next key
    decides: a complete sequence detaches and is never sent; a broken one is sent
    as typed (Docker's escape proxy). So a lone Ctrl-P never reaches the
    container before Ctrl-Q, and a recalled command is not left one Enter away."""

    def __init__(self, keys: bytes) -> None:
        self.keys = keys
        self.held = 0  # how many bytes of `keys` are held back

    def feed(self, data: bytes) -> tuple[bytes, bool]:
        """(bytes to send now, detach)."""
        out = bytearray()
        for byte in data:
            if byte == self.keys[self.held]:
                self.held += 1
                if self.held == len(self.keys):
                    return bytes(out), True
                continue
            out += self.keys[:self.held]
            self.held = 0
            if byte == self.keys[0]:
                self.held = 1
            else:
                out.append(byte)
        return bytes(out), False


class Relay:
    def __init__(self, conn: Any, stdin_fd: int | None, stdout_fd: int, stderr_fd: int, tty: bool,
                 stdin_once: bool = True, detach_keys: bytes = DETACH_KEYS) -> None:
        self.conn = conn
        self.stdin_fd = stdin_fd
        self.stdout_fd = stdout_fd
        self.stderr_fd = stderr_fd
        self.tty = tty
        self.stdin_once = stdin_once
        self._detach = DetachMatcher(detach_keys) if tty else None

    def run(self) -> int | None:
        watch = [self.conn.fileno()] + ([self.stdin_fd] if self.stdin_fd is not None else [])
        while True:
            try:
                ready, _, _ = select.select(watch, [], [])
            except InterruptedError:
                continue
            if self.stdin_fd is not None and self.stdin_fd in ready:
                if not self._pump_stdin(self.stdin_fd):
                    if self._detached:
                        return None
                    watch.remove(self.stdin_fd)
                    self.stdin_fd = None
            if self.conn.fileno() in ready:
                for kind, payload in self.conn.read_frames():
                    if kind == EXIT:
                        return int(payload)
                    _write_all(self.stdout_fd if kind == STDOUT or kind != STDERR else self.stderr_fd, payload)
                if self.conn.closed:
                    return None

    _detached = False

    def _pump_stdin(self, stdin_fd: int) -> bool:
        try:
            data = os.read(stdin_fd, 65536)
        except OSError:
            data = b""
        if not data:
            if self.stdin_once:
                self.conn.close_stdin()
            return False
        if self._detach is not None:
            data, self._detached = self._detach.feed(data)
            if data:
                self.conn.send_stdin(data)
            return not self._detached
        self.conn.send_stdin(data)
        return True


def _write_all(fd: int, data: bytes) -> None:
    """Raises BrokenPipeError when our reader went away (`run ... | head -1`):
    we stop relaying and exit, the container runs on (as with Docker)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class TerminalMode:
    """Raw mode on a real terminal for `-t`, restored on exit; SIGWINCH -> resize."""

    def __init__(self, fd: int | None, on_resize: Callable[[int, int], None]) -> None:
        self.fd = fd if fd is not None and os.isatty(fd) else None
        self.on_resize = on_resize
        self._saved: Any = None
        self._old_handler: Any = None

    def __enter__(self) -> "TerminalMode":
        if self.fd is None:
            return self
        import termios
        import tty

        self._saved = termios.tcgetattr(self.fd)
        tty.setraw(self.fd)
        self._old_handler = signal.signal(signal.SIGWINCH, lambda *_: self.resize())
        self.resize()
        return self

    def resize(self) -> None:
        if self.fd is None:
            return
        try:
            size = os.get_terminal_size(self.fd)
        except OSError:
            return
        self.on_resize(size.lines, size.columns)

    def __exit__(self, *exc: Any) -> None:
        if self.fd is None:
            return
        import termios

        termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)
        signal.signal(signal.SIGWINCH, self._old_handler or signal.SIG_DFL)


PROXIED = tuple(sorted(
    s for s in {getattr(signal, name) for name in dir(signal) if name.startswith("SIG") and not name.startswith("SIG_")}
    if s not in (signal.SIGCHLD, signal.SIGPIPE, signal.SIGKILL, signal.SIGSTOP, signal.SIGURG, signal.SIGWINCH,
                 signal.SIGTTIN, signal.SIGTTOU, signal.SIGTSTP, signal.SIGCONT)
))


class SignalProxy:
    """Forward the signals this process gets to the container (`--sig-proxy`)."""

    def __init__(self, forward: Callable[[int], None], enabled: bool) -> None:
        self.forward = forward
        self.enabled = enabled
        self._saved: dict[int, Any] = {}

    def __enter__(self) -> "SignalProxy":
        if self.enabled:
            for sig in PROXIED:
                try:
                    self._saved[sig] = signal.signal(sig, self._handle)
                except (OSError, ValueError):
                    pass
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        try:
            self.forward(signum)
        except Exception:  # noqa: BLE001 - the container may be gone already
            pass

    def __exit__(self, *exc: Any) -> None:
        for sig, handler in self._saved.items():
            try:
                signal.signal(sig, handler)
            except (OSError, ValueError, TypeError):
                pass
