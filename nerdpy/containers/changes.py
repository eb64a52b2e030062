"""`export` (the container's filesystem as a tar) and `diff` (what the container
changed, from its snapshot, for every storage driver).

Both read the tree through checked directory fds (nerdpy.archive.walk): a
running container swapping files for symlinks or device nodes meanwhile never
gets a host file or a device into the output, and a tree changing under the
walk only loses the entries that vanished.
"""

from __future__ import annotations

import os

from nerdpy.config import Settings
from nerdpy.containers import Container
from nerdpy.errors import NotImplementedYet, Unavailable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO


def export(settings: Settings, container: Container, out: BinaryIO) -> None:
    from nerdpy.archive.tarwrite import TreeTar
    from nerdpy.archive.walk import walk
    from nerdpy.containers.copy import rootfs_view

    with rootfs_view(settings, container) as rootfs:
        root = os.open(rootfs, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            tar = TreeTar(out)
            for entry in walk(root):
                tar.add(entry)
            tar.close()
        except BrokenPipeError:  # the reader went away (`export c | head`): the CLI edge ends quietly
            raise
        except OSError as exc:  # the disk, not the tree: a changing tree only loses entries
            raise Unavailable(f"cannot export container {container.name}: {exc.strerror or exc}") from None
        finally:
            os.close(root)


def diff(settings: Settings, container: Container) -> list[tuple[str, str]]:
    if container.runtime.rootfs:
        raise NotImplementedYet("diff of a --rootfs container is not available: it has no image layers")
    from nerdpy.snapshots import get_snapshotter
    from nerdpy.snapshots.diff import list_changes

    result = list_changes(get_snapshotter(settings), container.id)
    # The mount points nerdpy creates for every start are not the container's changes.
    return drop_generated(result)


GENERATED = ("/proc", "/sys", "/dev", "/dev/pts", "/dev/shm", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf")


def drop_generated(result: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Without nerdpy's own mount points, and without parents changed only by them."""
    kept = [(k, p) for k, p in result if not (k == "A" and p in GENERATED)]
    parents = {os.path.dirname(p) for p in GENERATED}
    paths = [p for _, p in kept]
    return [(k, p) for k, p in kept
            if not (k == "C" and p in parents and not any(q.startswith(p + "/") for q in paths))]
