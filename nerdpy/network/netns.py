"""Network namespaces kept as bind-mounted files under `<runtime_root>/netns/`.

A forked child unshares CLONE_NEWNET, brings up `lo`, sets Docker's default
sysctls and bind-mounts its `/proc/self/ns/net` onto the file; the mount keeps
the namespace alive after the child exits. Rootless, this runs inside the holder's user+mount namespace, so the
namespace belongs to the holder's user namespace and the mount lives in the
holder's mount namespace (where runc, slirp4netns and later commands see it).
"""

from __future__ import annotations

import _socket  # not `socket`: its enums and selectors cost `run` ~2 ms
import errno
import fcntl
import os
import struct
from contextlib import contextmanager
from pathlib import Path

from nerdpy.errors import Unavailable
from nerdpy.linux import libc
from nerdpy.paths import private_dirs

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1


def set_loopback_up() -> None:
    """Bring `lo` up in the current network namespace (runc leaves a joined netns as it is)."""
    sock = _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM)
    try:
        req = struct.pack("16sh14x", b"lo", 0)
        flags = struct.unpack("16sh14x", fcntl.ioctl(sock, SIOCGIFFLAGS, req))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sh14x", b"lo", flags | IFF_UP))
    finally:
        sock.close()


def set_default_sysctls() -> None:
    """Docker's defaults in a container's own network namespace: any user may bind
    any port and ping (moby's WithSysctls), so `--user 1000` serves on port 80.
    Written here, by the namespace's owner, rather than by runc: a keep-id
    container's user namespace does not own the namespace and could not write them.
    The ping range ends at the highest group mapped here: the kernel refuses others.
    Best effort: where /proc/sys is read-only (a nested container) runc writes them."""
    for name, value in default_sysctls().items():
        try:
            with open(f"/proc/sys/{name.replace('.', '/')}", "w") as knob:
                knob.write(value)
        except OSError:
            pass


def default_sysctls() -> dict[str, str]:
    return {"net.ipv4.ip_unprivileged_port_start": "0", "net.ipv4.ping_group_range": f"0 {_highest_gid()}"}


def _highest_gid() -> int:
    highest = 0
    try:
        with open("/proc/self/gid_map") as mapping:
            for line in mapping:
                inner, _, count = (int(field) for field in line.split())
                highest = max(highest, inner + count - 1)
    except (OSError, ValueError):
        return 0
    return min(highest, 2147483647)


def create(path: Path) -> Path:
    """Create a new network namespace bound at `path` (which must not exist yet)."""
    private_dirs(path.parent)
    fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    os.close(fd)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the forked child
        code = 1
        try:
            os.close(read_end)
            libc.unshare(libc.CLONE_NEWNET)
            set_loopback_up()
            set_default_sysctls()
            libc.mount("/proc/self/ns/net", str(path), None, libc.MS_BIND)
            code = 0
        except OSError as exc:
            os.write(write_end, f"{exc.strerror}".encode()[:200])
        except BaseException:
            pass
        os._exit(code)
    os.close(write_end)
    try:
        message = os.read(read_end, 256).decode(errors="replace")
    finally:
        os.close(read_end)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        _unlink(path)
        from nerdpy.linux.confinement import privilege_hint

        raise Unavailable(f"cannot create a network namespace: {message or 'helper failed'}",
                          hint=privilege_hint())
    return path


def remove(path: Path) -> None:
    """Unmount and delete a namespace file; nothing to do when it is gone."""
    try:
        libc.umount(str(path), libc.MNT_DETACH)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOENT):
            raise Unavailable(f"cannot unmount network namespace {path}: {exc.strerror}") from None
    _unlink(path)


def is_mounted(path: Path) -> bool:
    """True when `path` is a live namespace bind mount (not just a leftover file)."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    # nsfs files carry the nsfs device; a plain file sits on the runtime dir's device.
    return st.st_dev != os.stat(path.parent).st_dev


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


@contextmanager
def entered(path: Path) -> Iterator[None]:
    """Run the body with this thread inside the namespace at `path`, then return.

    Used only from short-lived forked children (setns of a process's own netns
    cannot be undone rootless: the host netns belongs to the init user ns).
    """
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        libc.setns(fd, libc.CLONE_NEWNET)
    finally:
        os.close(fd)
    yield
