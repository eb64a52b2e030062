"""The local driver's mount options (`volume create -o type=T -o device=D -o o=OPTS`).

The device is mounted on the volume's `_data` at first use, in nerdpy's mount
namespace (rootless: the holder's, so the mount outlives the command and
later containers find it; a restarted holder remounts on next use).
"""

from __future__ import annotations

import os

from nerdpy.errors import InvalidArgument
from nerdpy.linux import libc

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Mapping

MS_SYNCHRONOUS = 16
MS_MANDLOCK = 64
MS_DIRSYNC = 128
MS_NOATIME = 1024
MS_NODIRATIME = 2048
MS_RELATIME = 1 << 21
MS_STRICTATIME = 1 << 24

# option -> (flags to set, flags to clear), as the mount(8) words.
_FLAGS: dict[str, tuple[int, int]] = {
    "ro": (libc.MS_RDONLY, 0), "rw": (0, libc.MS_RDONLY),
    "nosuid": (libc.MS_NOSUID, 0), "suid": (0, libc.MS_NOSUID),
    "nodev": (libc.MS_NODEV, 0), "dev": (0, libc.MS_NODEV),
    "noexec": (libc.MS_NOEXEC, 0), "exec": (0, libc.MS_NOEXEC),
    "sync": (MS_SYNCHRONOUS, 0), "async": (0, MS_SYNCHRONOUS), "dirsync": (MS_DIRSYNC, 0),
    "mand": (MS_MANDLOCK, 0), "nomand": (0, MS_MANDLOCK),
    "noatime": (MS_NOATIME, 0), "atime": (0, MS_NOATIME),
    "nodiratime": (MS_NODIRATIME, 0), "diratime": (0, MS_NODIRATIME),
    "relatime": (MS_RELATIME, 0), "norelatime": (0, MS_RELATIME),
    "strictatime": (MS_STRICTATIME, 0), "nostrictatime": (0, MS_STRICTATIME),
    "bind": (libc.MS_BIND, 0), "rbind": (libc.MS_BIND | libc.MS_REC, 0),
}


def parse_o(text: str) -> tuple[int, str]:
    """`o=` as mount(8): flag words become mount flags, the rest is fs data."""
    flags = 0
    data = []
    for word in (w for w in text.split(",") if w):
        if word in _FLAGS:
            on, off = _FLAGS[word]
            flags = (flags | on) & ~off
        else:
            data.append(word)
    return flags, ",".join(data)


def mounts_under(path: str) -> list[str]:
    """Mount points at or below `path` in this mount namespace, deepest first.
    (os.path.ismount misses a bind mount from the same filesystem.)"""
    prefix = path.rstrip("/") + "/"
    found = []
    try:
        with open("/proc/self/mountinfo", "rb") as f:
            for line in f:
                point = _unescape(line.split(b" ")[4])
                if point == path or point.startswith(prefix):
                    found.append(point)
    except OSError:
        return []
    return sorted(set(found), key=lambda p: p.rstrip("/").count("/"), reverse=True)


def _unescape(raw: bytes) -> str:
    # mountinfo escapes space, tab, newline and backslash as \ooo.
    out = bytearray()
    i = 0
    while i < len(raw):
        digits = raw[i + 1 : i + 4]
        if raw[i] == 0x5C and len(digits) == 3 and digits.isdigit():
            out.append(int(digits, 8))
            i += 4
        else:
            out.append(raw[i])
            i += 1
    return out.decode(errors="surrogateescape")


def unmount_all(path: str) -> None:
    for point in mounts_under(path):
        try:
            libc.umount(point, libc.MNT_DETACH)
        except OSError as exc:
            raise InvalidArgument(f"cannot unmount {point}: {exc.strerror}", hint="is a container using it?") from None


def mount_local(options: Mapping[str, str], path: str) -> None:
    """Mount the volume's device on `path` unless it is mounted already."""
    if "type" not in options or mounts_under(path)[-1:] == [path]:
        return
    device, fstype = options["device"], options["type"]
    flags, data = parse_o(options.get("o", ""))
    try:
        if flags & libc.MS_BIND:
            if not os.path.isabs(device):
                raise InvalidArgument(f"volume device {device!r} for a bind must be an absolute path")
            libc.mount(device, path, None, flags & (libc.MS_BIND | libc.MS_REC))
            if flags & libc.MS_RDONLY:  # a bind takes its flags only on a remount
                libc.mount(None, path, None, (flags & ~libc.MS_REC) | libc.MS_REMOUNT | libc.MS_BIND | _locked(device))
        else:
            libc.mount(device, path, fstype, flags, data or None)
    except OSError as exc:
        raise InvalidArgument(f"cannot mount volume device {device} (type {fstype}) on {path}: {exc.strerror}") from None


def _locked(path: str) -> int:
    """Flags of the source mount that a remount in a user namespace must keep."""
    st = os.statvfs(path).f_flag
    out = 0
    for bit, flag in ((os.ST_NOSUID, libc.MS_NOSUID), (os.ST_NODEV, libc.MS_NODEV), (os.ST_NOEXEC, libc.MS_NOEXEC)):
        if st & bit:
            out |= flag
    return out
