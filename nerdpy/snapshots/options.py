"""Storage driver options: `--storage-opt KEY=VALUE` (global), `storage_opts` in the config file.

Keys, named as podman's containers-storage.conf names them:

* ``overlay.mount_program=PATH`` mount snapshots with this fuse-overlayfs binary;
  it selects the fuse-overlayfs driver (refused with ``--storage-driver native``).
* ``overlay.mountopt=OPT[,OPT...]`` extra options for every overlay mount, from
  an allow-list per driver (options that change what is on disk -- index,
  redirect_dir=on, metacopy=on, userxattr -- stay the driver's choice).
* ``size=SIZE`` a per-container quota: no driver here can enforce one -> error.

`config.load_settings` already checked the KEY=VALUE shape and the key names.
The fuse helper path travels inside the `Mount` as the userspace-only option
``x-nerdpy.helper=PATH`` (mount(8)'s `x-` convention), which mount.py strips.
"""

from __future__ import annotations

import os

from nerdpy.errors import InvalidArgument
from nerdpy.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Sequence

HELPER_OPTION = "x-nerdpy.helper="
# Mount options that only change how the tree is presented, per driver.
_ALLOWED = {
    "overlay": ("nodev", "nosuid", "noexec", "xino=on", "xino=off", "xino=auto", "metacopy=off",
                "redirect_dir=off", "redirect_dir=nofollow"),
    "fuse-overlayfs": ("nodev", "nosuid", "noexec", "noacl", "fsync=0"),
    "native": (),
}


@record
class StorageOptions:
    mount_program: str | None = None
    mountopt: tuple[str, ...] = ()
    size: str | None = None

    def entries(self) -> tuple[str, ...]:
        """Back as KEY=VALUE entries (what `nerdpy info` shows)."""
        out = [f"overlay.mount_program={self.mount_program}"] if self.mount_program else []
        if self.mountopt:
            out.append("overlay.mountopt=" + ",".join(self.mountopt))
        return tuple(out + ([f"size={self.size}"] if self.size else []))


def parse(entries: Sequence[str]) -> StorageOptions:
    """The options as one record; a key given twice keeps its last value."""
    values = dict(entry.partition("=")[::2] for entry in entries)
    program = values.get("overlay.mount_program")
    if program is not None and not (os.path.isabs(program) and os.path.isfile(program)
                                    and os.access(program, os.X_OK)):
        raise InvalidArgument(f"overlay.mount_program {program!r} is not an executable file",
                              hint="give the absolute path of fuse-overlayfs")
    mountopt = tuple(o for o in values.get("overlay.mountopt", "").split(",") if o)
    return StorageOptions(program, mountopt, values.get("size"))


def effective_driver(forced: str | None, options: StorageOptions) -> str | None:
    """The driver the flags ask for: overlay.mount_program means fuse-overlayfs (podman's
    `overlay` driver with a mount program is nerdpy's fuse-overlayfs driver)."""
    if options.mount_program is None:
        return forced
    if forced == "native":
        raise InvalidArgument("overlay.mount_program cannot be used with the native storage driver",
                              hint="drop --storage-driver native, or the storage option")
    return "fuse-overlayfs"


def check(driver: str, options: StorageOptions) -> None:
    """Refuse options the store's `driver` cannot honour (one line each)."""
    if options.size is not None:
        raise InvalidArgument(f"--storage-opt size is not supported by the {driver} storage driver",
                              hint="no per-container quota is available; drop the size option")
    allowed = _ALLOWED[driver]
    for opt in options.mountopt:
        if opt not in allowed:
            what = f"allowed: {', '.join(allowed)}" if allowed else "it mounts nothing"
            raise InvalidArgument(f"overlay.mountopt {opt!r} is not supported by the {driver} storage driver",
                                  hint=what)


def check_container(driver: str, entries: Sequence[str]) -> None:
    """`run/create --storage-opt`: Docker's per-container key is `size`, which no driver here supports."""
    for entry in entries:
        key, eq, _ = entry.partition("=")
        if not eq:
            raise InvalidArgument(f"invalid --storage-opt {entry!r}", hint="use KEY=VALUE")
        if key != "size":
            raise InvalidArgument(f"unknown --storage-opt {key!r} for a container", hint="the only key is size")
        raise InvalidArgument(f"--storage-opt size is not supported by the {driver} storage driver")
