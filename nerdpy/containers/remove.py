"""Stopping and removing: cleanup after an exit (the shim's exit command), `rm`,
and the undo of a failed create. Every step is idempotent, so a crash halfway
is finished by the next `rm -f`."""

from __future__ import annotations

import os
import sys
import time

from nerdpy.config import Settings
from nerdpy.containers import Container
from nerdpy.containers.start import container_lock, unmount_rootfs
from nerdpy.containers.state import remove_tree
from nerdpy.containers.store import ContainerStore
from nerdpy.errors import Conflict

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any


def _quiet(fn: Any, *args: Any, **kwargs: Any) -> None:
    try:
        fn(*args, **kwargs)
    except Exception:  # noqa: BLE001 - each cleanup step is best effort; the next one still runs
        pass


def _runc(settings: Settings) -> Any:
    from nerdpy.runtime import find_runtime
    from nerdpy.runtime.runc import Runc

    binary = find_runtime(settings.runtime, settings.rootless)
    return Runc(binary, str(settings.layout.runc_root)) if binary else None


def release_runtime(settings: Settings, store: ContainerStore, container: Container) -> None:
    """Everything a stopped container no longer needs: runc state, network, rootfs mount."""
    from nerdpy.containers.state import load_raw, shim_alive

    # A shim that recorded the exit deletes the runtime state itself (right after
    # telling its clients); only a lost shim leaves it to us.
    raw = load_raw(store.dir(container.id) / "state.json")
    if not (raw.get("runtime_deleted") or (raw.get("status") == "exited" and shim_alive(raw))):
        runc = _runc(settings)
        if runc is not None:
            _quiet(runc.delete, container.id, force=True)
    from nerdpy import network

    _quiet(network.teardown, settings, container.id)
    unmount_rootfs(settings, store, container)


def cleanup_after_exit(settings: Settings, container_id: str) -> None:
    """The shim's exit command: release resources; --rm removes the container."""
    store = ContainerStore(settings)
    container = store.find(container_id)
    if container is None:
        return
    with container_lock(settings, container.id):
        if store.find(container.id) is None or store.state(container.id).running:
            return  # removed meanwhile, or already started again
        if container.host_config.get("AutoRemove"):
            remove_everything(settings, store, container, remove_volumes=True, locked=True)
        else:
            release_runtime(settings, store, container)


def remove_everything(settings: Settings, store: ContainerStore, container: Container, remove_volumes: bool,
                      locked: bool = False, event: bool = True) -> None:
    """Delete all traces of a stopped container (also the undo of a failed create: no event then)."""
    if not locked:
        with container_lock(settings, container.id):
            return remove_everything(settings, store, container, remove_volumes, locked=True, event=event)
    _release_volumes(settings, container, remove_volumes)
    purge(settings, store, container)
    store.remove(container.id)
    if event:
        from nerdpy.containers import event as record_event

        record_event(settings, container, "destroy")


def _release_volumes(settings: Settings, container: Container, remove_volumes: bool) -> None:
    if container.runtime.mounts:  # no mounts: no volume use recorded
        from nerdpy.volumes import release

        _quiet(release, settings, container.id, remove_anonymous=remove_volumes)


def purge(settings: Settings, store: ContainerStore, container: Container) -> None:
    """Reclaim everything on disk, keyed by the container id (the record may be gone)."""
    release_runtime(settings, store, container)
    if not container.runtime.rootfs and container.image_id:
        from nerdpy.containers.initlayer import snapshot_keys
        from nerdpy.snapshots import get_snapshotter

        snapshotter = get_snapshotter(settings)
        for key in snapshot_keys(container.id):  # writable layer, then the init layer under it
            _quiet(_remove_snapshot, snapshotter, key)
    remove_tree(store.shim_dir(container.id))
    _remove_dir(store.dir(container.id))
    _quiet(os.unlink, settings.layout.locks_dir / f"container-{container.id}.lock")


def remove_soon(settings: Settings, store: ContainerStore, container: Container) -> None:
    """A foreground `run --rm` is over: the record and anonymous volumes go now
    (`ps -a`, `volume ls` and the name are clean when we return); unmounting
    and deleting the files, slow on some disks, happen in a detached child."""
    with container_lock(settings, container.id):
        if store.find(container.id) is None:
            return
        _release_volumes(settings, container, remove_volumes=True)
        store.remove(container.id)
    from nerdpy.containers import event

    event(settings, container, "destroy")
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        purge(settings, store, container)  # forking a threaded process is not safe
        return
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the forked children
        _purge_detached(settings, store, container)
    os.waitpid(pid, 0)


def _purge_detached(settings: Settings, store: ContainerStore, container: Container) -> None:
    try:
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):  # nobody waits on our output pipes
            os.dup2(null, fd)
        if os.fork() != 0:
            os._exit(0)
        os.setsid()
        # sqlite connections must not cross a fork: the children open their own.
        from nerdpy.metadata import db as metadata_db

        metadata_db._open.clear()
        with container_lock(settings, container.id):
            purge(settings, store, container)
    except BaseException:  # noqa: BLE001 - a detached child reports to nobody; `rm -f` finishes the job
        pass
    os._exit(0)


def _remove_snapshot(snapshotter: Any, key: str) -> None:
    from nerdpy.errors import NotFound

    try:
        snapshotter.remove(key)
    except NotFound:
        pass


def _remove_dir(path: Any) -> None:
    # The rootfs mount point must be empty (unmounted) by now: never recurse into a mount.
    rootfs = path / "rootfs"
    if os.path.ismount(rootfs):
        from nerdpy.errors import Unavailable

        raise Unavailable(f"{rootfs} is still mounted", hint="retry `rm -f`")
    # A shim that is finishing writes state.json once or twice more (exit, runtime
    # deleted) by tmp + rename; one landing during the walk makes the rmdir fail.
    for delay in (0.0, 0.05, 0.2, 0.5):
        time.sleep(delay)
        remove_tree(path)
        if not os.path.lexists(path):
            return


def remove(settings: Settings, ref: str, force: bool, volumes: bool) -> str:
    store = ContainerStore(settings)
    container = store.get(ref)
    state = store.state(container.id)
    if state.running:
        if not force:  # moby's daemon/delete.go words, which already say what to do
            why = ("container is paused and must be unpaused first" if state.status == "paused" else
                   f"container is {state.status}: stop the container before removing or force remove")
            raise Conflict(f'cannot remove container "/{container.name}": {why}')
        from nerdpy.containers.lifecycle import kill_and_wait

        kill_and_wait(settings, store, container)
    remove_everything(settings, store, container, remove_volumes=volumes)
    return container.name


def prune_stopped(settings: Settings, ids: list[str]) -> list[str]:
    """`container prune`'s removal of `ids`: only containers stopped under their lock
    that no `run` is starting (a run spawns its shim before it records the container,
    so one look at the shims, after the listing, sees every such start); the ids removed."""
    store = ContainerStore(settings)
    starting = _dirs_in_use(settings.layout.shims_dir, ids)
    removed = []
    for cid in ids:
        container = store.find(cid)
        if container is None or cid in starting:
            continue
        with container_lock(settings, container.id):
            if store.find(container.id) is None or store.state(container.id).running:
                continue  # removed, or started, meanwhile by another command
            remove_everything(settings, store, container, remove_volumes=False, locked=True)
        removed.append(cid)
    return removed


def reclaim_orphan_shim_dirs(settings: Settings, store: ContainerStore) -> list[str]:
    """Shim runtime dirs without a container record and without a live process using
    them: a `run` killed between spawning its shim and recording the container. A `run`
    still on its way (pulling, say) has its shim alive, waiting for "go", so it stays."""
    try:
        entries = os.listdir(settings.layout.shims_dir)
    except FileNotFoundError:
        return []
    known = {c.id for c in store.list()}
    now = time.time()
    candidates = [e for e in entries if e not in known and now - _mtime(settings.layout.shims_dir / e) > SHIM_GRACE_S]
    if not candidates:
        return []
    in_use = _dirs_in_use(settings.layout.shims_dir, candidates)
    known = {c.id for c in store.list()}  # again: a record added while we looked keeps its dir
    reclaimed = []
    for entry in candidates:
        if entry not in in_use and entry not in known:
            remove_tree(settings.layout.shims_dir / entry)
            reclaimed.append(entry)
    return reclaimed


SHIM_GRACE_S = 1.0  # between a shim dir's mkdir and its shim's spawn, nothing names it


def _mtime(path: Path) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


def _dirs_in_use(shims_dir: Path, names: list[str]) -> set[str]:
    """Which of `names` some live process names on its command line (the shim's argv)."""
    wanted = {os.fsencode(os.path.join(shims_dir, n)): n for n in names}
    found: set[str] = set()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                args = handle.read().split(b"\0")
        except OSError:
            continue
        found.update(wanted[a] for a in args if a in wanted)
    return found
