"""The shared rootless network namespace that holds user-network bridges.

It lives at `<runtime_root>/netns/shared` with one slirp4netns for egress and
published ports (pid in `shared.pid`, API socket `shared.sock`). It exists only
while some container has an endpoint on a user network: `release()` removes it
when the last endpoint is gone. `net.lock` (flock) serialises creating and
removing it, and every bridge/veth change.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from nerdpy.network import netns, slirp
from nerdpy.paths import private_dirs, write_private
from nerdpy.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Iterator

    from nerdpy.config import Settings


@record
class Shared:
    path: str
    api_socket: str


def _dir(settings: "Settings") -> Path:
    d = settings.layout.netns_dir
    return private_dirs(d)


@contextmanager
def locked(settings: "Settings") -> Iterator[None]:
    from nerdpy.locks import file_lock

    with file_lock(_dir(settings) / "net.lock"):
        yield


def _helper(settings: "Settings") -> tuple[int, int] | None:
    from nerdpy.userns.holder import process_start_time

    try:
        pid_text, start_text = (_dir(settings) / "shared.pid").read_text().split()
        pid, start = int(pid_text), int(start_text)
    except (OSError, ValueError):
        return None
    return (pid, start) if process_start_time(pid) == start else None


def ensure(settings: "Settings") -> Shared:
    """The shared namespace, created with its slirp4netns if missing. Hold `locked`."""
    from nerdpy.userns.holder import process_start_time

    d = _dir(settings)
    path, sock = d / "shared", d / "shared.sock"
    if netns.is_mounted(path) and _helper(settings) is not None:
        return Shared(str(path), str(sock))
    _remove(settings)
    netns.create(path)
    try:
        # Not --disable-host-loopback: it drops UDP port-forward replies; a
        # conntrack rule blocks new connections to the host alias instead.
        helper = slirp.start(path, sock, d / "shared.log", with_exit_fd=False, disable_host_loopback=False)
    except BaseException:
        netns.remove(path)
        raise
    try:
        from nerdpy.network.bridge import guard_host_loopback

        guard_host_loopback(str(path), slirp.GATEWAY_IP)
    except BaseException:
        slirp.stop(helper.pid, None)
        netns.remove(path)
        raise
    tmp = d / f".shared.pid.{os.getpid()}"
    write_private(tmp, f"{helper.pid} {process_start_time(helper.pid)}\n")
    os.replace(tmp, d / "shared.pid")
    return Shared(str(path), str(sock))


def marker_dir(settings: "Settings", name: str = "shared.d") -> Path:
    """Marker files for bridges known to exist (rootless: in the current shared namespace)."""
    d = _dir(settings) / name
    d.mkdir(mode=0o700, exist_ok=True)
    return d


def current(settings: "Settings") -> Shared | None:
    d = _dir(settings)
    path = d / "shared"
    return Shared(str(path), str(d / "shared.sock")) if netns.is_mounted(path) else None


def release(settings: "Settings", endpoints_left: int) -> None:
    """Remove the shared namespace when no endpoint uses it. Hold `locked`."""
    if endpoints_left == 0:
        _remove(settings)


def _remove(settings: "Settings") -> None:
    d = _dir(settings)
    helper = _helper(settings)
    if helper is not None:
        slirp.stop(*helper)
    for name in ("shared.pid", "shared.sock", "shared.log"):
        try:
            (d / name).unlink()
        except FileNotFoundError:
            pass
    netns.remove(d / "shared")
    import shutil

    shutil.rmtree(d / "shared.d", ignore_errors=True)
