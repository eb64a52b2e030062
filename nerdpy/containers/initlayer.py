"""The container's read-only init layer (Docker's `<id>-init`).

Between the image's top layer and the container's writable layer sits one
committed snapshot holding only the mount points runc will mount over: the
kernel filesystems, /etc/hosts, /etc/hostname, /etc/resolv.conf, `--init`'s
binary and the destinations of the user's volumes and tmpfs mounts. It is
made ONCE, at create, with confined operations (openat2 RESOLVE_IN_ROOT), so an
image whose /etc/hosts is a symlink to a host path gets a regular empty file
there and runc's bind mount lands inside the rootfs. Starts (and restarts)
then write nothing: the container's own layer holds only its own changes,
which is what `diff` and `commit` read.

Snapshots, per container `<id>`::

    <id>-init.active   the init layer while it is filled (gone after commit)
    <id>-init          committed, parent = the image's top chain ID
    <id>               the container's writable layer, parent = <id>-init

Containers created before the init layer existed have `<id>` directly on the
image: `has_init_layer` tells them apart, and their mount points are ensured
in the writable layer before each start, as before.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable, Sequence

# (path, is a directory): what every container's runtime spec mounts over.
MOUNTPOINTS = (("/proc", True), ("/sys", True), ("/dev", True), ("/dev/pts", True), ("/dev/shm", True),
               ("/etc/hosts", False), ("/etc/hostname", False), ("/etc/resolv.conf", False))
# runc mounts these itself; user mounts below them live on those filesystems.
_RUNTIME_FILESYSTEMS = ("/proc", "/sys", "/dev")
LABEL = "nerdpy.container/init"


def init_key(container_id: str) -> str:
    return container_id + "-init"


def snapshot_keys(container_id: str) -> tuple[str, ...]:
    """Every snapshot a container may own, children first (the order `remove` needs)."""
    return (container_id, init_key(container_id), init_key(container_id) + ".active")


def has_init_layer(snapshotter: Any, container_id: str) -> bool:
    """False for containers created before the init layer existed."""
    return snapshotter.stat(container_id).parent == init_key(container_id)


def container_mountpoints(container: Any) -> list[tuple[str, bool]]:
    """The user's mount points of a container record (volumes, binds, tmpfs, --init)."""
    init_binary = None
    if container.host_config.get("Init"):
        from nerdpy.containers.spec import INIT_PATH

        init_binary = INIT_PATH
    return user_mountpoints(container.runtime.mounts, init_binary)


def user_mountpoints(mounts: Iterable[dict[str, Any]], init_binary: str | None) -> list[tuple[Any, ...]]:
    """(destination, is a directory[, mode]) for the user's mounts, parents first.

    A bind of a file needs a file to mount on; volumes and tmpfs need a directory.
    A tmpfs carries the mode its mount point must have (None: keep what the
    image has): runc (1.1) chmods a tmpfs to the mode of a directory that
    existed before it mounted, so without this `mode=` was lost (issue 12,
    finding 13) and a new mount point made a 0755 tmpfs where Docker, whose
    runc makes the directory itself, has tmpfs's own 1777.
    """
    import os

    points: list[tuple[Any, ...]] = []
    for mount in mounts:
        dest = os.path.normpath("/" + str(mount.get("destination") or "").lstrip("/"))  # never "//x"
        if dest == "/" or any(dest == fs or dest.startswith(fs + "/") for fs in _RUNTIME_FILESYSTEMS):
            continue
        is_dir = mount.get("type") != "bind" or os.path.isdir(str(mount.get("source") or ""))
        if mount.get("type") == "tmpfs":
            modes = [o[5:] for o in mount.get("options") or () if o.startswith("mode=")]
            points.append((dest, is_dir, int(modes[-1], 8) if modes else None))
        else:
            points.append((dest, is_dir))
    if init_binary:
        points.append((init_binary, False))
    return sorted(points, key=lambda p: p[0].count("/"))


def ensure_all(rootfs: str, points: Sequence[tuple[Any, ...]], replace: bool = True) -> None:
    """Each point a real directory or empty file inside `rootfs`, confined.

    `replace=False` (the user's mounts) only replaces symlinks: a directory
    where a file bind is asked for is the user's mistake, and runc says so.
    """
    from nerdpy.oci.confined import ensure_mountpoint

    for path, is_dir, *tmpfs in points:
        fresh = bool(tmpfs) and tmpfs[0] is None and not _dir_in_root(rootfs, path, None)
        ensure_mountpoint(rootfs, path, is_dir, replace_mismatch=replace)
        if tmpfs and (tmpfs[0] is not None or fresh):
            _dir_in_root(rootfs, path, 0o1777 if tmpfs[0] is None else tmpfs[0])


def _dir_in_root(rootfs: str, path: str, mode: int | None) -> bool:
    """Whether `path` is a directory inside the root; with `mode`, fchmod it
    through an fd opened inside the root (never a path a symlink redirects)."""
    import os

    from nerdpy.oci.confined import open_in_root, open_root

    root = open_root(rootfs)
    try:
        try:
            fd = open_in_root(root, path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError:
            if mode is not None:
                raise
            return False
        try:
            if mode is not None:
                os.fchmod(fd, mode)
        finally:
            os.close(fd)
        return True
    finally:
        os.close(root)


def create_layer(snapshotter: Any, container_id: str, parent: str | None, scratch: str,
                 user_points: Sequence[tuple[Any, ...]]) -> str:
    """Make and commit `<id>-init` on `parent`; returns its key.

    `scratch` is an empty directory to mount the layer on while it is filled
    (the container's rootfs dir, unused until start). A layer that is a plain
    directory (native driver, or no parent) is filled in place, unmounted.
    """
    active = init_key(container_id) + ".active"
    mounts = snapshotter.prepare(active, parent, labels={LABEL: container_id})
    try:
        _fill(mounts, scratch, user_points)
        snapshotter.commit(init_key(container_id), active)
    except BaseException:
        _remove_quietly(snapshotter, active)
        raise
    return init_key(container_id)


def _fill(mounts: list[Any], scratch: str, user_points: Sequence[tuple[Any, ...]]) -> None:
    if len(mounts) == 1 and mounts[0].type == "bind":
        make_mountpoints(mounts[0].source, user_points)  # the snapshot's own directory: no mount needed
        return
    from nerdpy.errors import Unavailable
    from nerdpy.snapshots.mount import mount_all, unmount_all

    try:
        mount_all(_volatile(mounts), scratch)
    except Unavailable:  # a kernel before 5.10 has no `volatile`
        mount_all(mounts, scratch)
    try:
        make_mountpoints(scratch, user_points)
    finally:
        unmount_all(scratch)


def _volatile(mounts: list[Any]) -> list[Any]:
    """Kernel overlay mounts with `volatile`: unmounting a plain overlay syncs
    the whole backing filesystem (syncfs: 1-2 ms here, more on a busy disk),
    which would be most of the init layer's cost. The layer is a handful of
    empty entries and this upper/work pair is never mounted writable again
    (committed, it is only a lower dir), so skipping that sync loses nothing
    the container's own unsynced layer would not lose too."""
    from nerdpy.snapshots import Mount

    return [Mount(m.type, m.source, (*m.options, "volatile")) if m.type == "overlay" else m for m in mounts]


def make_mountpoints(root: str, user_points: Sequence[tuple[Any, ...]]) -> None:
    """Every mount point runc needs in `root`: the generated ones replace
    anything in their way, the user's replace only symlinks."""
    ensure_all(root, MOUNTPOINTS)
    ensure_all(root, user_points, replace=False)


def _remove_quietly(snapshotter: Any, key: str) -> None:
    from nerdpy.errors import Conflict, NotFound

    try:
        snapshotter.remove(key)
    except (NotFound, Conflict):  # gone already, or a racing remove still holds its child
        pass


def remove_orphans(settings: Any) -> list[str]:
    """Remove the snapshots of containers whose record is gone (a `run --rm`
    whose detached cleanup was killed); returns the container ids reclaimed.

    Snapshots are listed before records: create adds the record before its
    snapshots, so a container being created is never taken for an orphan.
    """
    if not (settings.layout.snapshots_dir / "driver").exists():
        return []  # nothing was ever unpacked; do not probe a driver for nothing
    from nerdpy.containers.start import container_lock
    from nerdpy.containers.state import remove_tree
    from nerdpy.containers.store import ContainerStore
    from nerdpy.snapshots import get_snapshotter
    from nerdpy.snapshots.mount import unmount_all

    snapshotter = get_snapshotter(settings)
    owners = {owner for owner in (_owner(info.key) for info in snapshotter.walk()) if owner}
    store = ContainerStore(settings)
    orphans = sorted(owners - {c.id for c in store.list()})
    for cid in orphans:
        with container_lock(settings, cid):  # a detached `--rm` cleanup may be on it right now
            unmount_all(store.dir(cid) / "rootfs")
            for key in snapshot_keys(cid):
                _remove_quietly(snapshotter, key)
            remove_tree(store.dir(cid))
    return orphans


def _owner(key: str) -> str | None:
    """The container id a snapshot key belongs to, if it is a container's."""
    cid = key.removesuffix(".active").removesuffix("-init")
    return cid if len(cid) == 64 and all(ch in "0123456789abcdef" for ch in cid) else None

