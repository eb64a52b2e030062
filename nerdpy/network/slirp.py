"""slirp4netns: user-mode networking for a namespace, and its API socket for ports.

One slirp4netns per container on the default rootless network (podman 4's
model), started with `--exit-fd` so it exits when the shim (which holds the
pipe's write end) goes away, and with `--api-socket` so published ports are
added with `add_hostfwd` (no extra forwarder process; the client's source
address is kept, unlike a userland proxy). The namespace gets 10.0.2.100/24,
gateway 10.0.2.2, DNS 10.0.2.3.
"""

from __future__ import annotations

import _socket  # not `socket`: its enums and selectors cost `run` ~2 ms
import json
import os
import select
from pathlib import Path

from nerdpy.errors import Conflict, InvalidArgument, Unavailable
from nerdpy.records import record


GUEST_IP = "10.0.2.100"
GATEWAY_IP = "10.0.2.2"
DNS_IP = "10.0.2.3"
PREFIX_LEN = 24
MTU = 65520
READY_TIMEOUT_S = 10.0


@record
class Slirp:
    pid: int
    api_socket: str
    exit_fd: int  # the write end the shim must inherit; -1 when none


def binary() -> str:
    from nerdpy.linux.which import find_executable

    path = find_executable("slirp4netns")
    if path is None:
        raise Unavailable(
            "slirp4netns is not installed: rootless containers cannot have a network",
            hint="install slirp4netns (apt-get install slirp4netns), or use --network none",
        )
    return path


class Starting:
    """A slirp4netns that was spawned but may not be ready yet: `wait()` blocks until
    it is (so a caller can do other work meanwhile) and kills it if it fails."""

    def __init__(self, pid: int, api_socket: str, exit_fd: int, ready_fd: int, log_path: Path) -> None:
        self.pid, self.api_socket, self.exit_fd = pid, api_socket, exit_fd
        self._ready_fd, self._log_path = ready_fd, log_path

    def wait(self) -> Slirp:
        """Ready, or killed and an error. `exit_fd` stays the caller's to close."""
        if self._ready_fd < 0:
            return Slirp(self.pid, self.api_socket, self.exit_fd)
        try:
            _wait_ready(self.pid, self._ready_fd, self._log_path)
        except BaseException:
            _kill(self.pid)
            raise
        finally:
            self.abandon()
        return Slirp(self.pid, self.api_socket, self.exit_fd)

    def abandon(self) -> None:
        """Stop listening for readiness (the caller gave up on this helper)."""
        if self._ready_fd >= 0:
            os.close(self._ready_fd)
            self._ready_fd = -1


def start(netns_path: Path, api_socket: Path, log_path: Path, *, with_exit_fd: bool = True,
          disable_host_loopback: bool = True) -> Slirp:
    """Start slirp4netns for the namespace at `netns_path`; return once it is ready."""
    starting = spawn(netns_path, api_socket, log_path, with_exit_fd=with_exit_fd,
                     disable_host_loopback=disable_host_loopback)
    try:
        return starting.wait()
    except BaseException:
        if starting.exit_fd >= 0:
            os.close(starting.exit_fd)
        raise


def spawn(netns_path: Path, api_socket: Path, log_path: Path, *, with_exit_fd: bool = True,
          disable_host_loopback: bool = True) -> Starting:
    """Start slirp4netns for the namespace at `netns_path`, without waiting for it."""
    argv = [binary(), "--configure", f"--mtu={MTU}", "--enable-sandbox", "--enable-seccomp",
            "--netns-type=path", f"--api-socket={api_socket}"]
    if disable_host_loopback:
        argv.append("--disable-host-loopback")
    ready_r, ready_w = os.pipe()
    exit_r, exit_w = os.pipe() if with_exit_fd else (-1, -1)
    argv.append(f"--ready-fd={ready_w}")
    if with_exit_fd:
        argv.append(f"--exit-fd={exit_r}")
    argv += [str(netns_path), "tap0"]
    _unlink(api_socket)
    try:
        pid = _spawn(argv, log_path, [ready_w] + ([exit_r] if with_exit_fd else []))
    except OSError as exc:
        for fd in (ready_r, ready_w, exit_r, exit_w):
            if fd >= 0:
                os.close(fd)
        raise Unavailable(f"cannot start slirp4netns: {exc.strerror}") from None
    os.close(ready_w)
    if with_exit_fd:
        os.close(exit_r)
    return Starting(pid, str(api_socket), exit_w, ready_r, log_path)


def _spawn(argv: list[str], log_path: Path, pass_fds: list[int]) -> int:
    """posix_spawn (vfork speed, no `subprocess` import) in a new session, with
    stdin on /dev/null, output to the log and only `pass_fds` inherited (every
    other fd of ours is close-on-exec, Python's default)."""
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        for fd in pass_fds:
            os.set_inheritable(fd, True)
        actions = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                   (os.POSIX_SPAWN_DUP2, log, 1), (os.POSIX_SPAWN_DUP2, log, 2)]
        return os.posix_spawn(argv[0], argv, _child_env(), file_actions=actions, setsid=True)
    finally:
        os.close(log)


def _child_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}


def _wait_ready(pid: int, ready_r: int, log_path: Path) -> None:
    ready, _, _ = select.select([ready_r], [], [], READY_TIMEOUT_S)
    data = os.read(ready_r, 1) if ready else b""
    if data == b"1":
        return
    detail = _last_line(log_path) or ("timed out" if not ready else "exited")
    raise Unavailable(f"slirp4netns failed: {detail}",
                      hint="check that /dev/net/tun is usable (chmod 0666 /dev/net/tun)")


def _kill(pid: int) -> None:
    try:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    except OSError:
        pass


def _last_line(path: Path) -> str:
    try:
        lines = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return lines[-1].strip() if lines else ""


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def api_call(api_socket: str, request: dict) -> dict:
    """One request on slirp4netns's API socket; returns the "return" object."""
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.settimeout(5.0)
        sock.connect(api_socket)
        sock.sendall(json.dumps(request).encode())
        sock.shutdown(_socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except OSError as exc:
        raise Unavailable(f"slirp4netns API {api_socket}: {exc.strerror or exc}") from None
    finally:
        sock.close()
    try:
        reply = json.loads(b"".join(chunks) or b"{}")
    except ValueError:
        raise Unavailable(f"slirp4netns API {api_socket}: unreadable reply") from None
    if "error" in reply:
        desc = reply["error"].get("desc", "error") if isinstance(reply["error"], dict) else str(reply["error"])
        raise Unavailable(f"slirp4netns: {desc}")
    return reply.get("return", reply)  # list_hostfwd answers without a "return" wrapper


def add_hostfwd(api_socket: str, proto: str, host_ip: str, host_port: int, guest_port: int,
                guest_ip: str = "") -> int:
    """Forward host_ip:host_port to the guest; a clear error when the port is taken."""
    host_addr = host_ip or "0.0.0.0"
    args = {"proto": proto, "host_addr": host_addr, "host_port": host_port, "guest_port": guest_port}
    if guest_ip:
        args["guest_addr"] = guest_ip
    if ":" in host_addr:
        raise InvalidArgument(f"cannot publish on IPv6 address {host_ip} with slirp4netns",
                              hint="publish on an IPv4 address or on all addresses")
    try:
        reply = api_call(api_socket, {"execute": "add_hostfwd", "arguments": args})
    except Unavailable as exc:
        raise Conflict(
            f"cannot publish {args['host_addr']}:{host_port}/{proto}: port is already allocated or unusable ({exc})",
            hint="choose another host port",
        ) from None
    return int(reply.get("id", 0))


def stop(pid: int, start_time: int | None) -> None:
    """Kill a slirp4netns we started, if it is still the same process."""
    from nerdpy.userns.holder import process_start_time

    if pid <= 0 or (start_time is not None and process_start_time(pid) != start_time):
        return
    try:
        os.kill(pid, 9)
    except ProcessLookupError:
        return
    # Reap it when it is our child (a foreground `run` started it); else init does.
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
