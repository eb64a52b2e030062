"""From a container's mount flags to its RuntimeMounts (and back, on removal).

Precedence, as Docker: explicit `-v`/`--mount`/`--tmpfs` > `--volumes-from` >
image `VOLUME`s, keyed by destination. Everything is parsed and checked
before the first volume or directory is created.
"""

from __future__ import annotations

import json
import os

from nerdpy.errors import Conflict, InvalidArgument, NotFound
from nerdpy.volumes import MOUNT_BIND, MOUNT_TMPFS, RuntimeMount
from nerdpy.volumes.spec import (
    KIND_BIND,
    KIND_TMPFS,
    KIND_VOLUME,
    MountRequest,
    image_volume_targets,
    parse_mount_flag,
    parse_tmpfs_flag,
    parse_volume_flag,
    parse_volumes_from,
    tmpfs_mount_options,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Mapping, Sequence

    from nerdpy.config import Settings
    from nerdpy.volumes.store import VolumeStore

# Mount flags the kernel locks on a mount made in another user namespace: a
# read-only remount inside our namespace must repeat them or fail with EPERM.
_LOCKED_FLAGS = ((os.ST_NOSUID, "nosuid"), (os.ST_NODEV, "nodev"), (os.ST_NOEXEC, "noexec"))


def parse_requests(
    volume_args: Sequence[str], mount_args: Sequence[str], tmpfs_args: Sequence[str]
) -> list[MountRequest]:
    requests = [parse_volume_flag(v) for v in volume_args]
    requests += [parse_mount_flag(m) for m in mount_args]
    requests += [parse_tmpfs_flag(t) for t in tmpfs_args]
    seen: set[str] = set()
    for request in requests:
        if request.target in seen:
            raise InvalidArgument(f"Duplicate mount point: {request.target}")
        seen.add(request.target)
    return requests


def _inherited(
    store: "VolumeStore", volumes_from: Sequence[str], lookup: Callable[[str], str] | None
) -> list[RuntimeMount]:
    out: list[RuntimeMount] = []
    for raw in volumes_from:
        ref, read_only = parse_volumes_from(raw)
        cid = lookup(ref) if lookup else ref
        # No record: the container was created without mounts (resolve skips the database then).
        for data in json.loads(store.container_mounts(cid) or "[]"):
            mount = RuntimeMount.from_dict({**data, "mode": ""})  # moby copies no Mode from --volumes-from
            if mount.type == MOUNT_TMPFS:
                continue  # Docker shares binds and volumes, not tmpfs
            if read_only is not None:
                kept = tuple(o for o in mount.options if o not in ("ro", "rw", "rro", *(n for _, n in _LOCKED_FLAGS)))
                options = kept + _mode_options("rbind" in kept, read_only, mount.source)
                mount = RuntimeMount(**{**mount.to_dict(), "options": options})
            out.append(mount)
    return out


def _bind_options(request: MountRequest, source: str) -> tuple[str, ...]:
    base = ("rbind" if request.recursive else "bind", request.propagation or "rprivate")
    return base + _mode_options(request.recursive, request.read_only, source)


def _mode_options(recursive: bool, read_only: bool, source: str) -> tuple[str, ...]:
    if not read_only:
        return ("rw",)
    # Docker >= 25: read-only reaches submounts too (runc's "rro": mount_setattr, kernel >= 5.12).
    options = ["ro", "rro"] if recursive and _recursive_ro_supported() else ["ro"]
    try:
        flags = os.statvfs(source).f_flag
    except OSError:
        flags = 0
    return tuple(options + [name for bit, name in _LOCKED_FLAGS if flags & bit])


def _recursive_ro_supported() -> bool:
    release = os.uname().release.split(".")
    try:
        return (int(release[0]), int(release[1].split("-")[0])) >= (5, 12)
    except (IndexError, ValueError):
        return False


def _check_binds(requests: Sequence[MountRequest]) -> None:
    for request in requests:
        if request.kind != KIND_BIND or request.create_host_path:
            continue
        if not os.path.exists(request.source):
            raise InvalidArgument(
                f"invalid mount config for type \"bind\": bind source path does not exist: {request.source}"
            )


def _materialise(store: "VolumeStore", request: MountRequest) -> RuntimeMount:
    if request.kind == KIND_TMPFS:
        extra = ("ro",) if request.read_only else ()
        return RuntimeMount(request.target, MOUNT_TMPFS, "tmpfs", tmpfs_mount_options(request.tmpfs_options + extra))
    if request.kind == KIND_BIND:
        if request.create_host_path and not os.path.exists(request.source):
            try:
                os.makedirs(request.source, mode=0o755, exist_ok=True)
            except OSError as exc:
                raise InvalidArgument(f"cannot create host directory {request.source}: {exc.strerror}") from None
        return RuntimeMount(request.target, MOUNT_BIND, request.source, _bind_options(request, request.source),
                            chown=request.chown, mode=request.mode)
    anonymous = not request.source
    name = request.source or os.urandom(32).hex()
    volume = store.create(name, labels=dict(request.volume_labels), options=dict(request.volume_options), anonymous=anonymous)
    if "type" in volume.options:
        from nerdpy.volumes.local import mount_local

        mount_local(volume.options, str(volume.mountpoint))
    source = str(volume.mountpoint)
    return RuntimeMount(request.target, MOUNT_BIND, source, _bind_options(request, source), volume=name,
                        anonymous=anonymous, copy_up=request.copy_up, chown=request.chown, mode=request.mode)


def resolve(
    settings: "Settings",
    container_id: str,
    volume_args: Sequence[str],
    mount_args: Sequence[str],
    tmpfs_args: Sequence[str],
    image_volumes: Mapping[str, Any] | Sequence[str],
    volumes_from: Sequence[str],
    lookup_container: Callable[[str], str] | None,
) -> list[RuntimeMount]:
    requests = parse_requests(volume_args, mount_args, tmpfs_args)
    _check_binds(requests)
    image_targets = image_volume_targets(image_volumes)
    if not requests and not volumes_from and not image_targets:
        return []  # the common `run` needs no database at all
    from nerdpy.volumes.store import VolumeStore

    store = VolumeStore(settings)
    explicit = {r.target for r in requests}
    mounts: dict[str, RuntimeMount] = {}
    for mount in _inherited(store, volumes_from, lookup_container):
        if mount.destination not in explicit:
            mounts[mount.destination] = mount
    for target in image_targets:
        if target not in explicit and target not in mounts:
            requests.append(MountRequest(kind=KIND_VOLUME, source="", target=target, raw=target))
    for request in requests:
        mounts[request.target] = _materialise(store, request)
    ordered = sorted(mounts.values(), key=lambda m: (m.destination.rstrip("/").count("/"), m.destination))
    store.attach(container_id, [m.volume for m in ordered if m.volume], json.dumps([m.to_dict() for m in ordered]))
    return ordered


def release(settings: "Settings", container_id: str, remove_anonymous: bool) -> list[str]:
    from nerdpy.volumes.store import VolumeStore

    if not settings.layout.meta_db.exists():
        return []  # nothing was ever recorded
    store = VolumeStore(settings)
    unused = store.detach(container_id)
    removed = []
    if remove_anonymous:
        for name in unused:
            volume = store.find(name)
            if volume is None or not volume.anonymous:
                continue
            try:
                store.remove(name)
            except (NotFound, Conflict):  # gone already, or another container took it meanwhile
                continue
            removed.append(name)
    return removed
