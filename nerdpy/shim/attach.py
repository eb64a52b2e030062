"""The shim's I/O: the container's stdio pipes (or pty master), the log writer,
the attach socket and its clients. Built on `_socket` and `select` only."""

from __future__ import annotations

import os
import select
import time

import _socket

from nerdpy.shim import EXIT, RESIZE, STARTED, STDERR, STDIN, STDIN_CLOSE, STDOUT

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from nerdpy.logs.writer import JsonFileWriter

SOCKET_NAME = "attach"
CONSOLE_NAME = "console.sock"
READ_SIZE = 65536


def listen(name: str) -> "_socket.socket":
    """A unix socket in the cwd, born 0600 (no window where others could connect)."""
    try:
        os.unlink(name)
    except FileNotFoundError:
        pass
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        sock.bind(name)
    finally:
        os.umask(old)
    sock.listen(8)
    return sock


class Client:
    def __init__(self, sock: "_socket.socket") -> None:
        self.sock = sock
        self.buffer = b""
        self.header: dict | None = None

    def wants(self, key: str) -> bool:
        return bool(self.header and self.header.get(key))

    def send(self, kind: bytes, payload: bytes) -> bool:
        try:
            self.sock.sendall(kind + len(payload).to_bytes(4, "big") + payload)
            return True
        except OSError:
            return False


class AttachServer:
    def __init__(self, tty: bool) -> None:
        self.tty = tty
        self.writer: JsonFileWriter | None = None  # None: log driver none
        self.listener: "_socket.socket | None" = None
        self.clients: list[Client] = []
        self.outputs: dict[int, str] = {}  # fd -> "stdout"/"stderr"
        self.stdin_fd = -1
        self.master = -1
        self._child_ends: list[int] = []
        self._console: "_socket.socket | None" = None
        # Client stdin waits here when the container does not read: the shim
        # never blocks on a full pipe (it must keep moving output).
        self.stdin_pending = bytearray()
        self.stdin_close_pending = False
        self.on_exec: Callable[[Client, str], None] | None = None  # the shim's `exec -d` runner

    # -- sockets ----------------------------------------------------------------
    def console_listener(self) -> str:
        self._console = listen(CONSOLE_NAME)
        # runc chdirs into the bundle, so the path must be absolute; through our
        # cwd's magic link it also stays far below sun_path's 108 bytes.
        return f"/proc/{os.getpid()}/cwd/{CONSOLE_NAME}"

    def accept_console(self) -> None:
        """Receive the pty master runc sends over the console socket (SCM_RIGHTS)."""
        assert self._console is not None
        self._console.settimeout(10.0)
        fd, _ = self._console._accept()  # type: ignore[attr-defined]  # _socket's C method, not in typeshed
        conn = _socket.socket(fileno=fd)
        try:
            size = _socket.CMSG_LEN(4)
            _, ancdata, _, _ = conn.recvmsg(4096, size)
            for level, kind, data in ancdata:
                if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
                    self.master = int.from_bytes(data[:4], "little")
                    os.set_inheritable(self.master, False)
        finally:
            conn.close()
            self._console.close()
            self._console = None
            os.unlink(CONSOLE_NAME)
        if self.master < 0:
            raise OSError("runc sent no console")
        self.outputs = {self.master: "stdout"}
        self.stdin_fd = self.master
        os.set_blocking(self.master, False)

    def make_pipes(self, stdin_open: bool, null: int) -> tuple[int, int, int]:
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        self.outputs = {out_r: "stdout", err_r: "stderr"}
        self._child_ends = [out_w, err_w]
        stdin = null
        if stdin_open:
            in_r, in_w = os.pipe()
            os.set_blocking(in_w, False)
            self.stdin_fd = in_w
            self._child_ends.append(in_r)
            stdin = in_r
        return stdin, out_w, err_w

    def close_child_ends(self) -> None:
        for fd in self._child_ends:
            os.close(fd)
        self._child_ends = []

    def discard_output(self) -> None:
        for fd in list(self.outputs):
            os.close(fd)
        self.outputs = {}
        if self.stdin_fd >= 0 and self.stdin_fd != self.master:
            os.close(self.stdin_fd)
        self.stdin_fd = -1

    # -- the poll loop ----------------------------------------------------------
    def pump(self, extra: list[int], timeout: float | None) -> list[int]:
        """One round: move output to log and clients, serve clients. Returns the
        ready fds among `extra`."""
        fds = list(self.outputs) + extra + [c.sock.fileno() for c in self.clients]
        if self.listener is not None:
            fds.append(self.listener.fileno())
        writable = [self.stdin_fd] if self.stdin_pending and self.stdin_fd >= 0 else []
        try:
            ready, can_write, _ = select.select(fds, writable, [], timeout)
        except InterruptedError:
            return []
        if can_write:
            self._flush_stdin()
        for fd in ready:
            if fd in self.outputs:
                self._read_output(fd)
            elif self.listener is not None and fd == self.listener.fileno():
                self._accept()
        for client in list(self.clients):
            if client.sock.fileno() in ready:
                self._read_client(client)
        return [fd for fd in ready if fd in extra]

    def _read_output(self, fd: int) -> None:
        try:
            data = os.read(fd, READ_SIZE)
        except BlockingIOError:
            return
        except OSError:  # EIO: the pty's last slave closed
            data = b""
        stream = self.outputs[fd]
        if not data:
            del self.outputs[fd]
            if self.writer is not None:
                self.writer.flush(stream)
            if fd != self.master:
                os.close(fd)
            return
        if self.writer is not None:
            self.writer.write(stream, data)
        kind = STDOUT if stream == "stdout" else STDERR
        for client in list(self.clients):
            if client.wants(stream) and not client.send(kind, data):
                self._drop(client)

    def drain_output(self, deadline: float) -> None:
        while self.outputs and time.monotonic() < deadline:
            self.pump([], timeout=max(0.0, deadline - time.monotonic()))
        for fd in list(self.outputs):
            if fd != self.master:
                os.close(fd)
        self.outputs = {}
        if self.master >= 0:
            os.close(self.master)
            self.master = -1
        elif self.stdin_fd >= 0:
            os.close(self.stdin_fd)
        self.stdin_fd = -1

    def _accept(self) -> None:
        assert self.listener is not None
        try:
            fd, _ = self.listener._accept()  # type: ignore[attr-defined]  # _socket's C method, not in typeshed
        except OSError:
            return
        sock = _socket.socket(fileno=fd)
        sock.settimeout(10.0)  # a client that stops reading is dropped, not waited for forever
        self.clients.append(Client(sock))

    def _drop(self, client: Client) -> None:
        if client in self.clients:
            self.clients.remove(client)
        try:
            client.sock.close()
        except OSError:
            pass

    def _read_client(self, client: Client) -> None:
        try:
            data = client.sock.recv(READ_SIZE)
        except OSError:
            data = b""
        if not data:
            self._drop(client)
            return
        client.buffer += data
        if client.header is None:
            line, sep, rest = client.buffer.partition(b"\n")
            if not sep:
                return
            from nerdpy.shim.record import loads

            try:
                header = loads(line.decode())
            except ValueError:
                header = None
            if not isinstance(header, dict):
                self._drop(client)
                return
            client.header = header
            client.buffer = rest
            if header.get("exec") and self.on_exec is not None:
                self.on_exec(client, str(header["exec"]))
        self._frames(client)

    def _frames(self, client: Client) -> None:
        while len(client.buffer) >= 5:
            size = int.from_bytes(client.buffer[1:5], "big")
            if len(client.buffer) < 5 + size:
                return
            kind, payload = client.buffer[:1], client.buffer[5 : 5 + size]
            client.buffer = client.buffer[5 + size :]
            if kind == STDIN and self.stdin_fd >= 0:
                self.stdin_pending += payload
                self._flush_stdin()
            elif kind == STDIN_CLOSE and self.stdin_fd >= 0 and self.master < 0:
                self.stdin_close_pending = True
                self._flush_stdin()
            elif kind == RESIZE and self.master >= 0:
                self._resize(payload)

    def _flush_stdin(self) -> None:
        while self.stdin_pending and self.stdin_fd >= 0:
            try:
                written = os.write(self.stdin_fd, self.stdin_pending[:65536])
            except BlockingIOError:
                return
            except OSError:  # the container closed its stdin: drop what is left
                self.stdin_pending.clear()
                break
            del self.stdin_pending[:written]
        if self.stdin_close_pending and not self.stdin_pending and self.stdin_fd >= 0 and self.master < 0:
            os.close(self.stdin_fd)
            self.stdin_fd = -1
            self.stdin_close_pending = False

    def _resize(self, payload: bytes) -> None:
        import fcntl
        import termios

        try:
            rows, cols = (int(v) for v in payload.split())
            fcntl.ioctl(self.master, termios.TIOCSWINSZ, rows.to_bytes(2, "little") + cols.to_bytes(2, "little") + bytes(4))
        except (ValueError, OSError):
            pass

    # -- lifecycle hooks ----------------------------------------------------------
    def wait_first_client(self, timeout: float) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end and not any(c.header is not None for c in self.clients):
            self.pump([], timeout=max(0.0, end - time.monotonic()))

    def broadcast_started(self) -> None:
        for client in list(self.clients):
            if not client.send(STARTED, b""):
                self._drop(client)

    def notify_exit(self, code: int) -> list[Client]:
        """Send the exit code to every client; the ones that claimed the cleanup
        (a foreground `run`) and got the message."""
        claimed = []
        for client in list(self.clients):
            if not client.send(EXIT, str(code).encode()):
                self._drop(client)
            elif client.wants("cleanup"):
                claimed.append(client)
        return claimed

    def wait_hangup(self, claimed: list[Client], timeout: float = 5.0) -> bool:
        """True when a claiming client is still there (it cleans up): wait for it
        to hang up. False: nobody claimed, the shim runs the exit command."""
        claimed = [c for c in claimed if c in self.clients]
        end = time.monotonic() + timeout
        while claimed and time.monotonic() < end:
            self.pump([], timeout=0.2)
            claimed = [c for c in claimed if c in self.clients]
            if not claimed:
                self.close()
                return True
        self.close()
        return bool(claimed)

    def close(self) -> None:
        for client in list(self.clients):
            self._drop(client)
        if self.listener is not None:
            self.listener.close()
            self.listener = None
