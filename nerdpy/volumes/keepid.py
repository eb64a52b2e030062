"""`--userns=keep-id`: the invoking user keeps its uid inside the container.

nerdpy's containers run in the user's holder namespace, where id 0 is the
invoking user (host uid U) and 1..N-1 are its subordinate ids. A keep-id
container gets its own user namespace, a child of the holder's, whose map
(written by runc, which is root in the holder namespace) is::

    container 0 .. U-1   ->  holder 1 .. U        (subordinate ids)
    container U          ->  holder 0             (= host uid U)
    container U+1 .. N-1 ->  holder U+1 .. N-1    (the rest, unchanged)

So a file the container process (uid U) writes to a bind mount is owned by
U on the host, and the host's files owned by U read as U inside. Image files
owned by the image's root (holder 0) also read as U inside; files of other
image users shift by one. The same shape applies to gids.
"""

from __future__ import annotations

from nerdpy.errors import InvalidArgument

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from nerdpy.config import Settings
    from nerdpy.userns import IdMapping


def keep_id_ranges(host_id: int, size: int) -> list[dict[str, int]]:
    """OCI `uidMappings`/`gidMappings` entries (hostID relative to the holder
    namespace, which has `size` ids) that map `host_id` to itself inside."""
    if size < 2:
        raise InvalidArgument("--userns=keep-id needs subordinate ids", hint="see `nerdpy info` for the id mapping")
    below = min(host_id, size - 1)
    ranges = []
    if below:
        ranges.append({"containerID": 0, "hostID": 1, "size": below})
    ranges.append({"containerID": host_id, "hostID": 0, "size": 1})
    if host_id + 1 < size:
        ranges.append({"containerID": host_id + 1, "hostID": host_id + 1, "size": size - host_id - 1})
    return ranges


def keep_id_mappings(
    settings: "Settings", holder: "IdMapping | None" = None
) -> tuple[list[dict[str, int]], list[dict[str, int]]]:
    """(uidMappings, gidMappings) for a keep-id container's spec. `holder` is
    the holder namespace's IdMapping (default: computed from /etc/subuid and
    /etc/subgid, as the holder was).

    `apply_keep_id` puts them, and what else keep-id needs, into a spec.
    """
    if not settings.rootless:
        raise InvalidArgument("--userns=keep-id is only supported in rootless mode")
    if holder is None:
        from nerdpy.userns.subids import rootless_mapping

        holder = rootless_mapping(settings.host_uid, settings.host_gid)
    uid_count = sum(r.count for r in holder.uids)
    gid_count = sum(r.count for r in holder.gids)
    return keep_id_ranges(settings.host_uid, uid_count), keep_id_ranges(settings.host_gid, gid_count)


def keep_id_user(settings: "Settings") -> tuple[int, int]:
    """The container process's default uid/gid under keep-id: the invoking user's."""
    return settings.host_uid, settings.host_gid


def apply_keep_id(spec: dict[str, Any], settings: "Settings", holder: "IdMapping | None" = None,
                  set_user: bool = True) -> None:
    """Make an OCI spec (dict, changed in place) a keep-id one: its own user
    namespace with `keep_id_mappings`, the process running as the invoking
    user (unless `set_user` is false: the user asked for --user), and /sys as a
    read-only rbind when the container does not create its own network
    namespace (a joined or the host's one is not owned by the new user
    namespace, and the kernel refuses a sysfs mount then)."""
    uids, gids = keep_id_mappings(settings, holder)
    linux = spec.setdefault("linux", {})
    namespaces = [ns for ns in linux.get("namespaces", []) if ns.get("type") != "user"]
    namespaces.append({"type": "user"})
    linux["namespaces"] = namespaces
    linux["uidMappings"], linux["gidMappings"] = uids, gids
    if set_user:
        uid, gid = keep_id_user(settings)
        spec.setdefault("process", {})["user"] = {"uid": uid, "gid": gid}
    owns_netns = any(ns.get("type") == "network" and not ns.get("path") for ns in namespaces)
    if not owns_netns:
        for mount in spec.get("mounts", []):
            if mount.get("destination") == "/sys" and mount.get("type") == "sysfs":
                mount.update(type="none", source="/sys", options=["rbind", "nosuid", "noexec", "nodev", "ro"])


def holder_id(ranges: list[dict[str, int]], container_id: int) -> int:
    """The holder-namespace id that container id `container_id` maps to."""
    for r in ranges:
        if r["containerID"] <= container_id < r["containerID"] + r["size"]:
            return r["hostID"] + container_id - r["containerID"]
    raise InvalidArgument(f"id {container_id} is not mapped in the keep-id user namespace")


def keep_id_owner(settings: "Settings", uid: int, gid: int, holder: "IdMapping | None" = None) -> tuple[int, int]:
    """What to pass to `populate` for a keep-id container whose user is
    uid:gid: the ids as seen from the holder namespace (`:U` chowns there)."""
    uids, gids = keep_id_mappings(settings, holder)
    return holder_id(uids, uid), holder_id(gids, gid)
