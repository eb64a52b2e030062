"""The CLI's side of the shim: spawn it detached, read its start-up events,
and talk to its attach socket."""

from __future__ import annotations

import _socket  # not `socket`: its enums and selectors cost `run` ~2 ms
import json
import os
import sys
import time

from nerdpy.paths import write_private
from nerdpy.shim import EXECUTED, EXIT, RESIZE, STDIN, STDIN_CLOSE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterator

# Fork before importing anything: the CLI waits only for this first process.
BOOT = ("import os,sys\nif os.fork(): os._exit(0)\nsys.path.insert(0,sys.argv[1])\n"
        "from nerdpy.shim.main import main\nmain(sys.argv[2:])")
PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class ShimError(Exception):
    def __init__(self, message: str, stage: str) -> None:
        super().__init__(message)
        self.message = message
        self.stage = stage


def write_config(shim_dir: str, config: dict[str, Any]) -> None:
    tmp = os.path.join(shim_dir, ".config.json.tmp")
    write_private(tmp, json.dumps(config))
    os.replace(tmp, os.path.join(shim_dir, "config.json"))


class ShimProcess:
    """A shim spawned early (its interpreter starts while the CLI prepares the
    bundle); `go()` hands it the config and the fds it must hold; then it
    reports `created`/`started` (or an error) on the same socketpair."""

    def __init__(self, shim_dir: str, env: dict[str, str] | None = None) -> None:
        ours, theirs = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_STREAM)
        self._sock = ours
        os.set_inheritable(theirs.fileno(), True)
        argv = [sys.executable, "-I", "-S", "-c", BOOT, PACKAGE_ROOT, shim_dir, str(theirs.fileno())]
        try:
            pid = os.posix_spawn(sys.executable, argv, env or {"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
                                 setsid=True)
        finally:
            theirs.close()
        self._intermediate = pid  # exits at once (the shim lives on detached); reaped in go()
        self._fd = ours.fileno()
        self._buffer = b""
        self.shim_dir = shim_dir

    def go(self, config: dict[str, Any], keep_fds: tuple[int, ...] = ()) -> None:
        write_config(self.shim_dir, config)
        import struct  # not `array` (~1 ms to import on `run`)

        fds = struct.pack(f"{len(keep_fds)}i", *keep_fds)
        ancillary = [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, fds)] if keep_fds else []
        try:
            self._sock.sendmsg([b"go"], ancillary)
        except OSError:
            raise ShimError("the shim exited before it could start the container", "shim") from None
        finally:
            self._reap()

    def _reap(self) -> None:
        if self._intermediate:
            try:
                os.waitpid(self._intermediate, 0)
            except ChildProcessError:
                pass
            self._intermediate = 0

    def next_event(self, timeout: float = 60.0) -> dict[str, Any]:
        import select

        end = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = end - time.monotonic()
            ready, _, _ = select.select([self._fd], [], [], max(0.0, remaining))
            if not ready:
                raise ShimError("timed out waiting for the container to start", "timeout")
            chunk = os.read(self._fd, 4096)
            if not chunk:
                raise ShimError("the shim exited before the container started", "shim")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        event = json.loads(line)
        if event.get("event") == "error":
            raise ShimError(event.get("message", "unknown error"), event.get("stage", ""))
        return event

    def wait_for(self, name: str, timeout: float = 60.0) -> dict[str, Any]:
        while True:
            event = self.next_event(timeout)
            if event.get("event") == name:
                return event

    def close(self) -> None:
        if self._fd >= 0:
            self._sock.close()
            self._fd = -1
        self._reap()


def connect_attach(shim_dir: str, stdin: bool, stdout: bool, stderr: bool, cleanup: bool = False) -> "AttachConnection":
    return _connect(shim_dir, {"stdin": stdin, "stdout": stdout, "stderr": stderr, "cleanup": cleanup})


def exec_detached(shim_dir: str, process_name: str) -> int | None:
    """Have the shim run `runc exec --detach` with this process file (a name
    in its dir): runc's exit code, None when the container exited first."""
    conn = _connect(shim_dir, {"exec": process_name})
    conn.sock.settimeout(None)  # runc itself bounds this: it starts a process or fails
    try:
        while not conn.closed:
            for kind, payload in conn.read_frames():
                if kind == EXECUTED:
                    return int(payload)
        return None
    finally:
        conn.close()


def _connect(shim_dir: str, header: dict[str, Any]) -> "AttachConnection":
    """Connect to a shim's attach socket (via /proc/self/fd to stay under sun_path's limit)."""
    dir_fd = os.open(shim_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    deadline = time.monotonic() + 5.0
    try:
        while True:  # a shim that is still starting has not bound the socket yet
            try:
                sock.connect(f"/proc/self/fd/{dir_fd}/attach")
                break
            except (FileNotFoundError, ConnectionRefusedError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.002)
    except OSError:
        sock.close()
        raise
    finally:
        os.close(dir_fd)
    sock.sendall(json.dumps(header).encode() + b"\n")
    return AttachConnection(sock)


class AttachConnection:
    def __init__(self, sock: _socket.socket) -> None:
        self.sock = sock
        self._buffer = b""

    def fileno(self) -> int:
        return self.sock.fileno()

    def _send(self, kind: bytes, payload: bytes) -> None:
        try:
            self.sock.sendall(kind + len(payload).to_bytes(4, "big") + payload)
        except OSError:
            pass

    def send_stdin(self, data: bytes) -> None:
        self._send(STDIN, data)

    def close_stdin(self) -> None:
        self._send(STDIN_CLOSE, b"")

    def resize(self, rows: int, cols: int) -> None:
        self._send(RESIZE, f"{rows} {cols}".encode())

    def read_frames(self) -> Iterator[tuple[bytes, bytes]]:
        """Frames available after one recv; ends (empty) at EOF, see `closed`."""
        data = self.sock.recv(65536)
        if not data:
            self.closed = True
            return
        self._buffer += data
        while len(self._buffer) >= 5:
            size = int.from_bytes(self._buffer[1:5], "big")
            if len(self._buffer) < 5 + size:
                return
            kind, payload = self._buffer[:1], self._buffer[5 : 5 + size]
            self._buffer = self._buffer[5 + size :]
            yield kind, payload

    closed = False

    def close(self) -> None:
        self.sock.close()


def exit_code_of(kind: bytes, payload: bytes) -> int | None:
    return int(payload) if kind == EXIT else None
