"""Disk usage for `system df`: disk used by images, containers, local volumes and build cache.

Images: content blobs plus their unpacked layer snapshots, each blob and chain ID
counted once, plus partial downloads; reclaimable is what no container's image
holds. Containers: their writable snapshot layers; reclaimable is that of
containers not running. Volumes:
the bytes below `_data`; reclaimable is that of volumes no container uses. Build
cache: the build's cache records (count) and its cache mounts (bytes, all reclaimable).
Snapshots are only read when a driver was ever recorded (df never probes one).
"""

from __future__ import annotations

from nerdpy.config import Settings
from nerdpy.records import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


@record(frozen=False)
class Usage:
    type: str
    total: int = 0
    active: int = 0
    size: int = 0
    reclaimable: int = 0
    items: list[dict[str, Any]] = field(default_factory=list)  # for -v; "Size" in bytes


def _snapshotter(settings: Settings) -> Any:
    if not (settings.layout.snapshots_dir / "driver").exists():
        return None
    from nerdpy.snapshots import get_snapshotter

    return get_snapshotter(settings)


def _snapshot_size(snapshotter: Any, key: str) -> int:
    from nerdpy.errors import NotFound

    if snapshotter is None:
        return 0
    try:
        return int(snapshotter.usage(key).size)
    except NotFound:
        return 0


def _containers(settings: Settings, snapshotter: Any) -> tuple[Usage, set[str]]:
    usage = Usage("Containers")
    used_images: set[str] = set()
    try:
        from nerdpy.containers.store import ContainerStore
    except ImportError:
        return usage, used_images
    from nerdpy.containers.listing import command_text, status_text

    store = ContainerStore(settings)
    for c in store.list():
        state = store.state(c.id)
        running = state.status == "running"
        size = _snapshot_size(snapshotter, c.id)
        used_images.add(c.image_id)
        usage.total += 1
        usage.active += running
        usage.size += size
        usage.reclaimable += 0 if running else size
        usage.items.append({"ID": c.id[:12], "Image": c.image, "Command": command_text(c, True),
                            "LocalVolumes": sum(1 for m in c.runtime.mounts if m.get("volume")),
                            "Size": size, "Created": c.created, "Status": status_text(state), "Names": c.name,
                            "ImageID": c.image_id})
    return usage, used_images


def _images(settings: Settings, snapshotter: Any, containers_of: dict[str, int]) -> Usage:
    from nerdpy.images.store import ImageStore
    from nerdpy.reference import familiar

    usage = Usage("Images")
    sizes: dict[str, int] = {}  # blob digest or chain ID -> bytes, counted once
    held: set[str] = set()  # pieces some container's image needs
    store = ImageStore(settings)
    for ref, size, _ in store.content.walk_ingests():  # partial downloads: `system prune` frees them
        sizes["ingest:" + ref] = size
    images = store.list()
    chains = {image.manifest_descriptor.digest: _chain_ids(image) for image in images}
    images_of_chain: dict[str, int] = {}
    for chain_ids in chains.values():
        for chain_id in set(chain_ids):
            images_of_chain[chain_id] = images_of_chain.get(chain_id, 0) + 1
    for image in images:
        pieces = {image.id: image.manifest.config.size}
        pieces.update({layer.digest: layer.size for layer in image.layers})
        for chain_id in chains[image.manifest_descriptor.digest]:
            pieces["snapshot:" + chain_id] = _snapshot_size(snapshotter, chain_id)
        sizes.update(pieces)
        active = image.id in containers_of
        if active:
            held.update(pieces)
        usage.total += 1
        usage.active += active
        # Docker's SHARED SIZE: the layers another image has too (by chain ID).
        shared = sum(size for size, chain_id in zip(store.layer_sizes(image), chains[image.manifest_descriptor.digest])
                     if images_of_chain.get(chain_id, 0) > 1)
        row = {"ID": image.id.split(":")[-1][:12], "Created": image.created_ts,
               # Docker's per-image SIZE is the image's size, as `images` shows it;
               # the totals count what the store holds on disk.
               "Size": image.size, "SharedSize": shared, "UniqueSize": max(image.size - shared, 0),
               "Containers": containers_of.get(image.id, 0)}
        tags = [familiar(name).rpartition(":") for name in image.names if "@" not in name]
        for repository, _, tag in tags or [("<none>", "", "<none>")]:
            usage.items.append({"Repository": repository, "Tag": tag, **row})
    usage.size = sum(sizes.values())
    usage.reclaimable = sum(v for k, v in sizes.items() if k not in held)
    return usage


def _chain_ids(image: Any) -> list[str]:
    try:
        return list(image.chain_ids)
    except Exception:  # an image whose config cannot be read still counts its blobs
        return []


def _volumes(settings: Settings) -> Usage:
    usage = Usage("Local Volumes")
    try:
        from nerdpy.volumes.store import VolumeStore, directory_size
    except ImportError:
        return usage
    for volume in VolumeStore(settings).list():
        size = directory_size(volume.mountpoint)
        usage.total += 1
        usage.active += bool(volume.users)
        usage.size += size
        usage.reclaimable += 0 if volume.users else size
        usage.items.append({"Name": volume.name, "Links": len(volume.users), "Size": size})
    return usage


def collect(settings: Settings) -> list[Usage]:
    """Images, containers, local volumes and the (empty) build cache, in Docker's order."""
    snapshotter = _snapshotter(settings)
    containers, _ = _containers(settings, snapshotter)
    containers_of: dict[str, int] = {}
    for item in containers.items:
        containers_of[item["ImageID"]] = containers_of.get(item["ImageID"], 0) + 1
    return [_images(settings, snapshotter, containers_of), containers, _volumes(settings), _build_cache(settings)]


def _build_cache(settings: Settings) -> Usage:
    from nerdpy.api.build import cache_usage

    records, size = cache_usage(settings)
    return Usage("Build Cache", total=records, size=size, reclaimable=size)
