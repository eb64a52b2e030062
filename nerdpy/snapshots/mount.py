"""Perform and undo the mounts a snapshotter describes.

Runs in the caller's mount namespace (rootless: the holder's, which the CLI
joined). Overlay mount data is limited to one page, so a long `lowerdir` list is
shortened the way containerd does it: chdir to the lower dirs' common parent and
pass relative paths (the kernel resolves them against the cwd at mount time).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from nerdpy.errors import InvalidArgument, Unavailable
from nerdpy.linux import libc
from nerdpy.snapshots import Mount

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Sequence

# mount(2) copies at most one page of option data.
_MAX_DATA = os.sysconf("SC_PAGESIZE") - 1

_FLAG_OPTIONS = {
    "ro": libc.MS_RDONLY,
    "nosuid": libc.MS_NOSUID,
    "nodev": libc.MS_NODEV,
    "noexec": libc.MS_NOEXEC,
}


def mount_all(mounts: Sequence[Mount], target: str | Path, setuid: bool = False) -> None:
    """Mount each of `mounts` on `target`, in order: nodev, and nosuid unless
    `setuid` (only the rootfs runc starts a container in: runc's bind of it
    inherits nosuid, and Docker's containers run setuid programs).

    A host-side view of a rootful container's tree must not let a setuid file
    or a device node planted there work for whoever reaches the path (issue 12)."""
    target = os.fspath(target)
    extra = ("nodev",) if setuid else ("nosuid", "nodev")
    for m in mounts:
        m = Mount(m.type, m.source, tuple(m.options) + tuple(o for o in extra if o not in m.options))
        try:
            _mount_one(m, target)
        except OSError as exc:
            from nerdpy.linux.confinement import privilege_hint

            raise Unavailable(
                f"cannot mount {m.type} {m.source} on {target}: {exc.strerror}",
                hint=(exc.errno == errno.EPERM and privilege_hint())
                or "run `nerdpy info` to see which storage driver works here",
            ) from None


def unmount_all(target: str | Path) -> None:
    """Unmount everything stacked on `target`; lazily when it is busy. No error if not mounted."""
    target = os.fspath(target)
    for _ in range(32):
        try:
            libc.umount(target, 0)
        except OSError as exc:
            if exc.errno in (errno.EINVAL, errno.ENOENT):
                return
            if exc.errno == errno.EBUSY:
                libc.umount(target, libc.MNT_DETACH)
                continue
            raise Unavailable(f"cannot unmount {target}: {exc.strerror}") from None
    raise Unavailable(f"cannot unmount {target}: too many stacked mounts")


def _split_options(options: Sequence[str]) -> tuple[int, list[str]]:
    flags, data = 0, []
    for opt in options:
        if opt in _FLAG_OPTIONS:
            flags |= _FLAG_OPTIONS[opt]
        elif opt in ("rw", "bind", "rbind") or opt.startswith("x-"):
            continue  # x-*: userspace-only options (mount(8)), e.g. x-nerdpy.helper
        else:
            data.append(opt)
    return flags, data


def _mount_one(m: Mount, target: str) -> None:
    if m.type == "bind":
        _bind(m, target)
    elif m.type == "overlay":
        flags, data = _split_options(m.options)
        _mount_overlay(m.source, target, flags, data)
    elif m.type.startswith(("fuse3.", "fuse.")):
        _mount_fuse(m, target)
    else:
        raise InvalidArgument(f"unsupported mount type {m.type!r}")


def _bind(m: Mount, target: str) -> None:
    flags, _ = _split_options(m.options)
    bind = libc.MS_BIND | (libc.MS_REC if "rbind" in m.options else 0)
    libc.mount(m.source, target, None, bind)
    if flags:
        # Read-only and friends only take effect on a remount of the bind mount.
        libc.mount(None, target, None, bind | libc.MS_REMOUNT | flags)


def _mount_overlay(source: str, target: str, flags: int, data: list[str]) -> None:
    text = ",".join(data)
    if len(text) <= _MAX_DATA:
        libc.mount(source, target, "overlay", flags, text)
        return
    base, compact = compact_lowerdir(data)
    if len(",".join(compact)) > _MAX_DATA:
        raise Unavailable(f"overlay options for {target} exceed one page even with relative paths",
                          hint="the image has too many layers for overlayfs; use --storage-driver native")
    target = os.path.abspath(target)  # before the chdir below changes what a relative path means
    cwd = os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.chdir(base)
        libc.mount(source, target, "overlay", flags, ",".join(compact))
    finally:
        os.fchdir(cwd)
        os.close(cwd)


def compact_lowerdir(data: list[str]) -> tuple[str, list[str]]:
    """(common parent, options with lowerdir entries relative to it)."""
    lowers: list[str] = []
    for opt in data:
        if opt.startswith("lowerdir="):
            lowers = opt[len("lowerdir="):].split(":")
    if not lowers:
        return "/", data
    base = os.path.commonpath(lowers)
    if base in lowers:  # a single lower dir: its parent is the base
        base = os.path.dirname(base)
    rel = ":".join(os.path.relpath(d, base) for d in lowers)
    return base, [f"lowerdir={rel}" if o.startswith("lowerdir=") else o for o in data]


def _mount_fuse(m: Mount, target: str) -> None:
    import subprocess
    from nerdpy.linux.which import executable

    helper = m.type.split(".", 1)[1]
    given = [o.partition("=")[2] for o in m.options if o.startswith("x-nerdpy.helper=")]
    path = given[-1] if given else executable(helper)
    # The helper takes the flag options too (libfuse turns nodev/nosuid/noexec/ro into flags).
    data = [o for o in m.options if o not in ("rw", "bind", "rbind") and not o.startswith("x-")]
    argv = [path, "-o", ",".join(data), target]
    proc = subprocess.run(argv, capture_output=True, text=True, close_fds=True)
    if proc.returncode != 0:
        detail = (proc.stderr.strip().splitlines() or ["failed"])[-1]
        raise Unavailable(f"{helper} failed to mount {target}: {detail}")
