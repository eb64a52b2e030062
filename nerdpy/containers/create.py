"""`create`: validate everything first, then record the container, prepare its
rootfs snapshot and volumes; undo all of it if any step fails."""

from __future__ import annotations

from nerdpy.config import Settings, fault_point
from nerdpy.containers import Container, CreateOptions
from nerdpy.containers.image import creation_warnings, find_image
from nerdpy.containers.record import build_record
from nerdpy.containers.store import ContainerStore, new_id
from nerdpy.errors import AlreadyExists
from nerdpy.paths import private_dirs

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable


def create(settings: Settings, opts: CreateOptions, notice: Callable[[str], None] | None = None,
           container_id: str = "", progress: Callable[[Any], None] | None = None) -> Container:
    """`container_id`: an ID the caller drew with `new_id()` (run spawns the shim
    under it before the container exists); a fresh one by default."""
    from nerdpy.containers.names import validate_name
    from nerdpy.containers.netconfig import expand_network_flags

    opts = expand_network_flags(opts)
    image = find_image(settings, opts, notice, progress)
    if notice is not None:
        for warning in creation_warnings(opts, image):
            notice(f"WARNING: {warning}")
    store = ContainerStore(settings)
    if opts.networks:
        from nerdpy.network import check_networks

        check_networks(settings, tuple(opts.networks))
    cid = container_id or new_id()
    if opts.name:
        record = build_record(settings, opts, image, validate_name(opts.name), cid)
        store.add(record)
    else:
        record = _add_with_random_name(settings, store, opts, image, cid)
    fault_point(settings, "run:record-added")
    try:
        created = _provision(settings, store, record, opts, image)
    except BaseException:
        from nerdpy.containers.remove import remove_everything

        remove_everything(settings, store, record, remove_volumes=True, event=False)
        raise
    from nerdpy.containers import event

    event(settings, created, "create")
    return created


def _add_with_random_name(settings: Settings, store: ContainerStore, opts: CreateOptions, image: Any,
                          cid: str) -> Container:
    """Concurrent creates can draw the same generated name (about 1 in 2,600 pairs);
    Docker draws again on a conflict, so does this."""
    from nerdpy.containers.names import random_name

    for attempt in range(10):
        record = build_record(settings, opts, image, random_name(), cid)
        try:
            store.add(record)
            return record
        except AlreadyExists:
            if attempt == 9:
                raise
    raise AssertionError("unreachable")


def _provision(settings: Settings, store: ContainerStore, record: Container, opts: CreateOptions, image: Any) -> Container:
    cdir = store.dir(record.id)
    private_dirs(cdir.parent)
    cdir.mkdir(mode=0o700)
    (cdir / "rootfs").mkdir(mode=0o700)  # the mount point: a mounted rootfs shows its own root's mode
    mounts = _volumes(settings, store, record, opts, image)
    if mounts:
        config = dict(record.config)
        from nerdpy.records import replace

        runtime = replace(record.runtime, mounts=tuple(m.to_dict() for m in mounts))
        config["Runtime"] = runtime.to_dict()
        store.update_config(record.id, config)
        record = Container(record.id, record.name, record.image, record.image_id, record.created, config)
    if image is not None:
        _rootfs_snapshots(settings, record, image, str(cdir / "rootfs"))
    fault_point(settings, "run:rootfs-prepared")
    from nerdpy.containers.state import write_state

    write_state(cdir / "state.json", status="created")
    return record


def _rootfs_snapshots(settings: Settings, record: Container, image: Any, scratch: str) -> None:
    """The image unpacked, the read-only init layer on it, the writable layer on that."""
    from nerdpy.containers import initlayer
    from nerdpy.snapshots import get_snapshotter

    snapshotter = get_snapshotter(settings)
    top = _unpacked_top(snapshotter, image)
    if top is None:  # not (fully) unpacked yet: the images area does it
        from nerdpy.images.unpack import unpack

        top = unpack(settings, image)
    points = initlayer.container_mountpoints(record)
    init = initlayer.create_layer(snapshotter, record.id, top or None, scratch, points)
    snapshotter.prepare(record.id, parent=init)  # image gc never sweeps a container's layers


def _unpacked_top(snapshotter: Any, image: Any) -> str | None:
    """The image's top chain ID when it is already a committed snapshot (the
    common case; spares `run` the unpack machinery), else None."""
    from nerdpy.errors import NerdpyError
    from nerdpy.snapshots import Kind

    chains = list(image.chain_ids)
    if not chains:
        return None
    try:
        return chains[-1] if snapshotter.stat(chains[-1]).kind == Kind.COMMITTED else None
    except NerdpyError:
        return None


def _volumes(settings: Settings, store: ContainerStore, record: Container, opts: CreateOptions, image: Any) -> list:
    image_volumes = record.cfg.get("Volumes") or {}
    if not (opts.volumes or opts.mounts or opts.tmpfs or image_volumes or opts.volumes_from):
        return []
    from nerdpy.volumes import resolve_mounts

    return resolve_mounts(settings, record.id, opts.volumes, opts.mounts, opts.tmpfs, image_volumes,
                          opts.volumes_from, lookup_container=lambda ref: store.get(ref).id)
