"""Volumes and mounts: the vocabulary and the contract the container code calls.

A container's `-v`, `--mount`, `--tmpfs`, `--volumes-from` and its image's
`VOLUME`s become a list of `RuntimeMount`s (`resolve_mounts`), in the order the
runtime must mount them (parents before children). Named and anonymous volumes
live in `<data_root>/volumes/<name>/_data`, recorded in the metadata domain
"volumes" together with which container uses which volume (the use counts).

Call order for the container code (all inside the rootless namespace)::

    mounts = resolve_mounts(settings, cid, v_args, mount_args, tmpfs_args,
                            image_config.get("Volumes") or {}, volumes_from,
                            lookup_container=lambda ref: store.get(ref).id)
    ... mount the rootfs ...
    populate(mounts, rootfs, uid, gid)      # image copy-up into empty volumes, `:U` chown
    spec["mounts"] += [to_oci(m) for m in mounts]
    ... on `rm` (or a failed create): release(settings, cid, remove_anonymous=rm_v)

Implementations live beside this file and are imported only when called, so
`nerdpy run` pays for parsing and sqlite, nothing more.
"""

from __future__ import annotations

from pathlib import Path

from nerdpy.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Mapping, Sequence

    from nerdpy.config import Settings

MOUNT_BIND = "bind"
MOUNT_VOLUME = "volume"
MOUNT_TMPFS = "tmpfs"


@record
class RuntimeMount:
    """One mount of a container, ready for the OCI spec (see `to_oci`).

    `type` is "bind" (bind mounts and volumes alike: a volume is a bind of its
    `_data` directory) or "tmpfs". `options` are OCI mount options. The other
    fields say where the mount came from and what `populate` must do.
    """

    destination: str
    type: str
    source: str
    options: tuple[str, ...]
    volume: str | None = None  # the volume's name when this mounts a volume
    anonymous: bool = False  # an anonymous volume (`rm -v` removes it)
    copy_up: bool = False  # fill an empty volume from the image at `destination`
    chown: bool = False  # `:U`: chown the source to the container user
    mode: str = ""  # `-v`'s MODES, shown as inspect's Mounts[].Mode

    @property
    def read_only(self) -> bool:
        return "ro" in self.options

    def to_dict(self) -> dict[str, Any]:
        return {
            "destination": self.destination,
            "type": self.type,
            "source": self.source,
            "options": list(self.options),
            "volume": self.volume,
            "anonymous": self.anonymous,
            "copy_up": self.copy_up,
            "chown": self.chown,
            "mode": self.mode,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "RuntimeMount":
        return cls(
            destination=str(data["destination"]),
            type=str(data["type"]),
            source=str(data["source"]),
            options=tuple(data.get("options") or ()),
            volume=data.get("volume"),
            anonymous=bool(data.get("anonymous", False)),
            copy_up=bool(data.get("copy_up", False)),
            chown=bool(data.get("chown", False)),
            mode=str(data.get("mode", "")),
        )


def resolve_mounts(
    settings: "Settings",
    container_id: str,
    volume_args: Sequence[str] = (),
    mount_args: Sequence[str] = (),
    tmpfs_args: Sequence[str] = (),
    image_volumes: Mapping[str, Any] | Sequence[str] = (),
    volumes_from: Sequence[str] = (),
    lookup_container: Callable[[str], str] | None = None,
) -> list[RuntimeMount]:
    """Parse the flags, create missing named/anonymous volumes and bind-mount
    host dirs (`-v` only), record the container's use of its volumes, and
    return the mounts sorted parents-first. Raises InvalidArgument/NotFound
    with Docker's messages; creates nothing when the flags are invalid.

    `volumes_from` holds raw `--volumes-from` values (`CONTAINER[:ro|rw]`);
    `lookup_container` turns a name or ID prefix into the full container ID
    (None: values are full IDs). Must run inside the rootless namespace.
    """
    from nerdpy.volumes.resolve import resolve

    return resolve(
        settings, container_id, volume_args, mount_args, tmpfs_args, image_volumes, volumes_from, lookup_container
    )


def release(settings: "Settings", container_id: str, remove_anonymous: bool) -> list[str]:
    """Forget the container's use of its volumes; with `remove_anonymous`
    (`rm -v`, `run --rm`) also delete its anonymous volumes that no other
    container uses. Returns the names of the volumes removed. Idempotent."""
    from nerdpy.volumes.resolve import release as _release

    return _release(settings, container_id, remove_anonymous)


def populate(mounts: Sequence[RuntimeMount], rootfs: Path, uid: int, gid: int) -> None:
    """After the rootfs is mounted, before `runc create`: copy the image's
    content at each volume's destination into the volume when the volume is
    empty (Docker's copy-up, owners and modes kept), and chown `:U` sources to
    `uid:gid` (the container user as seen from the rootless namespace)."""
    from nerdpy.volumes.fill import populate as _populate

    _populate(mounts, rootfs, uid, gid)


def to_oci(mount: RuntimeMount) -> dict[str, Any]:
    """The runtime-spec `mounts[]` entry for `mount`."""
    return {
        "destination": mount.destination,
        "type": mount.type,
        "source": mount.source,
        "options": list(mount.options),
    }


def inspect_mount(mount: RuntimeMount) -> dict[str, Any]:
    """Docker's `inspect` `.Mounts[]` entry for `mount`."""
    propagation = next((o for o in mount.options if o in _PROPAGATIONS), "")
    entry: dict[str, Any] = {"Type": MOUNT_VOLUME if mount.volume else mount.type}
    if mount.volume:
        entry["Name"] = mount.volume
    entry.update(Source="" if mount.type == MOUNT_TMPFS else mount.source, Destination=mount.destination)
    if mount.volume:
        entry["Driver"] = "local"
    entry.update(Mode=mount.mode, RW=not mount.read_only, Propagation=propagation if mount.type == MOUNT_BIND and not mount.volume else "")
    return entry


_PROPAGATIONS = ("shared", "rshared", "slave", "rslave", "private", "rprivate")
