"""Snapshotters: containerd's snapshot model, returning mounts that only the runtime mounts.

Vocabulary (containerd `core/snapshots/snapshotter.go`):

* A snapshot is a directory tree identified by a *key*. It is **active** (writable,
  made by `prepare`), a **view** (read-only, made by `view`) or **committed**
  (immutable, made by `commit`, usable as a parent). Image layers are committed
  snapshots keyed by their chain ID; a container's rootfs is
  `prepare(container_id, parent=top_chain_id)`.
* `mounts(key)` describes how to mount a snapshot; `nerdpy.snapshots.mount.mount_all`
  performs it. Nobody else builds mount options.

Drivers: ``overlay`` (kernel overlayfs; inside the rootless user namespace with
``userxattr``), ``fuse-overlayfs`` and ``native`` (plain copies; always works).
`get_snapshotter` probes once, records the choice in `<data_root>/snapshots/driver`
(the driver name on one line) and refuses to mix drivers in one store later.

Must be called inside the rootless namespace (the CLI joins it with `state.entered`).
"""

from __future__ import annotations

import enum

from nerdpy.records import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator, Mapping, Protocol

    from nerdpy.config import Settings
else:
    Protocol = object  # a structural type only for checkers; `typing` costs the run path ~3 ms


@record
class Mount:
    """One mount(2) call: `type` "overlay", "bind" or "fuse3.fuse-overlayfs"."""

    type: str
    source: str
    options: tuple[str, ...] = ()


class Kind(str, enum.Enum):
    ACTIVE = "active"
    VIEW = "view"
    COMMITTED = "committed"


@record
class Info:
    key: str
    kind: Kind
    parent: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    created: float = 0.0
    updated: float = 0.0


@record
class Usage:
    """Bytes and inodes used by the snapshot itself (not its parents)."""

    size: int = 0
    inodes: int = 0


class Snapshotter(Protocol):
    name: str

    def prepare(self, key: str, parent: str | None = None, labels: Mapping[str, str] | None = None) -> list[Mount]:
        """Create an active snapshot on top of committed `parent`; AlreadyExists if `key` exists."""
        ...

    def view(self, key: str, parent: str | None, labels: Mapping[str, str] | None = None) -> list[Mount]:
        """A read-only snapshot of committed `parent`."""
        ...

    def commit(self, name: str, key: str, labels: Mapping[str, str] | None = None) -> None:
        """Turn active `key` into committed `name` (AlreadyExists if `name` exists)."""
        ...

    def mounts(self, key: str) -> list[Mount]: ...

    def remove(self, key: str) -> None:
        """Delete a snapshot; Conflict while it has children."""
        ...

    def stat(self, key: str) -> Info: ...

    def walk(self) -> Iterator[Info]: ...

    def usage(self, key: str) -> Usage: ...

    def upper_dir(self, key: str) -> str:
        """The directory that holds the snapshot's own changes (for diff and apply)."""
        ...

    def cleanup(self) -> None:
        """Remove directories left behind by interrupted commands."""
        ...


def get_snapshotter(settings: "Settings") -> Snapshotter:
    """The store's snapshotter: the recorded driver, else the forced or probed one (recorded)."""
    from nerdpy.snapshots.select import select_driver

    return select_driver(settings)


__all__ = ["Info", "Kind", "Mount", "Snapshotter", "Usage", "get_snapshotter"]
