"""`exec -t` on a terminal of our own: runc's foreground `exec -t` copies between
its stdio and the container's console, so it gets a new pseudo-terminal whose
other end this process relays to the caller's stdio. That end is where `-it`
sees the detach keys (Docker's escape proxy), which runc itself never would,
and what lets `exec -t` run without a terminal of the caller's (Docker allows
that: only `-it` needs one)."""

from __future__ import annotations

import os
import select

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def run_on_own_terminal(argv: list[str], stdin_fd: int | None, stdout_fd: int, env: dict[str, str],
                        detach_keys: bytes) -> int | None:
    """Run argv (a foreground `runc exec -t`) on a new terminal: `stdin_fd` (raw
    when a terminal) is relayed to it through the detach-key matcher, its output
    (a terminal's \\r\\n endings, as Docker's) to `stdout_fd`. The exit code, or
    None when the user detached: the command then runs on, its output discarded."""
    import fcntl
    import subprocess
    import termios

    from nerdpy.containers.attach import DetachMatcher, TerminalMode

    master, slave = os.openpty()

    def resize(rows: int, cols: int) -> None:
        import struct

        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))  # runc gets SIGWINCH

    def controlling_terminal() -> None:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    try:
        with TerminalMode(stdin_fd, resize):  # sized before runc starts: it reads the size once at start
            try:
                proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                        preexec_fn=controlling_terminal)
            finally:
                os.close(slave)
            if not _relay(master, stdin_fd, stdout_fd, DetachMatcher(detach_keys)):
                _drain_in_background(master)
                return None
    finally:
        os.close(master)
    return proc.wait()


def _relay(master: int, stdin_fd: int | None, stdout_fd: int, matcher: Any) -> bool:
    """Copy until the terminal's last holder is gone (True) or the user typed the
    detach keys (False)."""
    watch = [master] + ([stdin_fd] if stdin_fd is not None else [])
    while True:
        try:
            ready, _, _ = select.select(watch, [], [])
        except InterruptedError:
            continue
        if stdin_fd in ready:
            try:
                data = os.read(stdin_fd, 65536)
            except OSError:
                data = b""
            if not data:
                watch.remove(stdin_fd)
            else:
                data, detach = matcher.feed(data)
                _write_all(master, data)
                if detach:
                    return False
        if master in ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every holder of the terminal is gone
                return True
            if not chunk:
                return True
            _write_all(stdout_fd, chunk)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _drain_in_background(master: int) -> None:
    """After a detach the command runs on (Docker's exec does): a child of ours,
    in its own session and off the caller's terminal, keeps reading the terminal
    so the command never blocks on a full one, and ends with it."""
    if os.fork() != 0:
        return
    try:
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        # Nothing else of ours: a store lock (flock) held open here would outlive the CLI.
        os.closerange(3, master)
        os.closerange(master + 1, os.sysconf("SC_OPEN_MAX"))
        while True:
            try:
                if not os.read(master, 65536):
                    break
            except InterruptedError:
                continue
            except OSError:
                break
    finally:
        os._exit(0)
