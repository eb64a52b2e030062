"""A container's volume, bind and tmpfs mounts at start: the owner volume copy-up
gives files, the spec entries, and Docker's `volume mount` events."""

from __future__ import annotations

from pathlib import Path

from nerdpy.config import Settings
from nerdpy.containers import Container

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _keep_id_owner(settings: Settings, container: Container, user: Any) -> tuple[int, int]:
    """Owner for volume copy-up and :U under keep-id, as the holder namespace sees it."""
    from nerdpy.volumes.keepid import keep_id_owner, keep_id_user

    uid, gid = (user.uid, user.gid) if container.cfg.get("User") else keep_id_user(settings)
    return keep_id_owner(settings, uid, gid)


def user_and_volume_owner(settings: Settings, container: Container, rootfs: str) -> tuple[Any, tuple[int, int]]:
    """The container's user resolved in its rootfs, and the owner that volume
    copy-up and `:U` give files (the user, or under keep-id the host user)."""
    from nerdpy.oci.user import resolve_in_rootfs

    user = resolve_in_rootfs(rootfs, container.cfg.get("User") or "",
                             tuple(container.host_config.get("GroupAdd") or ()))
    if container.host_config.get("UsernsMode") == "keep-id":
        return user, _keep_id_owner(settings, container, user)
    return user, (user.uid, user.gid)


def volume_mounts(container: Container, rootfs: str, uid: int, gid: int) -> list[dict[str, Any]]:
    """The container's volume, bind and tmpfs mounts for the spec; empty volumes
    are filled from the image first (Docker's copy-up)."""
    saved = container.runtime.mounts
    if not saved:
        return []
    from nerdpy.volumes import RuntimeMount, populate, to_oci

    mounts = [RuntimeMount.from_dict(m) for m in saved]
    populate(mounts, Path(rootfs), uid, gid)
    return [to_oci(m) for m in mounts]


def emit_mount_events(settings: Settings, container: Container) -> None:
    """Docker's `volume mount` event for each volume the container mounts, at every start."""
    saved = [m for m in container.runtime.mounts if m.get("volume")]
    if not saved:
        return
    from nerdpy.events import emit
    from nerdpy.volumes import RuntimeMount, inspect_mount

    for raw in saved:
        entry = inspect_mount(RuntimeMount.from_dict(raw))
        emit(settings.layout.runtime_root, "volume", "mount", entry["Name"], {
            "container": container.id, "destination": entry["Destination"], "driver": entry["Driver"],
            "propagation": entry["Propagation"], "read/write": "true" if entry["RW"] else "false"})
