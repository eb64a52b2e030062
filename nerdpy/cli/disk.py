"""`nerdpy system df`: disk used by images, containers, local volumes and build cache.

Images: content blobs plus their unpacked layer snapshots, each blob and chain ID
counted once; reclaimable is what no container's image holds. Containers: their
writable snapshot layers; reclaimable is that of containers not running. Volumes:
the bytes below `_data`; reclaimable is that of volumes no container uses. Build
cache: the build's cache records (count) and its cache mounts (bytes, all reclaimable).
Snapshots are only read when a driver was ever recorded (df never probes one).
"""

from __future__ import annotations

import json


from nerdpy.cli import state
from nerdpy.cli.state import CliState

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional
from nerdpy.config import Settings
from nerdpy.formatting.human import human_size as _human_size
from nerdpy.records import field, record


COLUMNS = [("Type", "TYPE"), ("TotalCount", "TOTAL"), ("Active", "ACTIVE"), ("Size", "SIZE"),
           ("Reclaimable", "RECLAIMABLE")]


@record(frozen=False)
class Usage:
    type: str
    total: int = 0
    active: int = 0
    size: int = 0
    reclaimable: int = 0
    items: list[dict[str, Any]] = field(default_factory=list)  # for -v


def human_size(size: float) -> str:
    """Docker's units.HumanSize: 4 significant digits."""
    return _human_size(size, 4)


def _reclaimable(u: Usage) -> str:
    text = human_size(u.reclaimable)
    return f"{text} ({u.reclaimable * 100 // u.size}%)" if u.size > 0 else text


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
    store = ContainerStore(settings)
    for c in store.list():
        running = store.state(c.id).status == "running"
        size = _snapshot_size(snapshotter, c.id)
        used_images.add(c.image_id)
        usage.total += 1
        usage.active += running
        usage.size += size
        usage.reclaimable += 0 if running else size
        usage.items.append({"ID": c.id[:12], "Image": c.image, "Size": human_size(size), "Names": c.name,
                            "Status": "running" if running else "not running"})
    return usage, used_images


def _images(settings: Settings, snapshotter: Any, used: set[str]) -> Usage:
    from nerdpy.images.store import ImageStore
    from nerdpy.reference import familiar

    usage = Usage("Images")
    sizes: dict[str, int] = {}  # blob digest or chain ID -> bytes, counted once
    held: set[str] = set()  # pieces some container's image needs
    for image in ImageStore(settings).list():
        pieces = {image.id: image.manifest.config.size}
        pieces.update({layer.digest: layer.size for layer in image.layers})
        for chain_id in _chain_ids(image):
            pieces["snapshot:" + chain_id] = _snapshot_size(snapshotter, chain_id)
        sizes.update(pieces)
        active = image.id in used
        if active:
            held.update(pieces)
        usage.total += 1
        usage.active += active
        usage.items.append({"Repository": familiar(image.name) if image.name else "<none>", "ID": image.id.split(":")[-1][:12],
                            "Size": human_size(sum(pieces.values())), "Containers": int(active)})
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
        usage.items.append({"Name": volume.name, "Links": len(volume.users), "Size": human_size(size)})
    return usage


def collect(settings: Settings) -> list[Usage]:
    snapshotter = _snapshotter(settings)
    containers, used = _containers(settings, snapshotter)
    return [_images(settings, snapshotter, used), containers, _volumes(settings), _build_cache(settings)]


def _build_cache(settings: Settings) -> Usage:
    from nerdpy.api.build import cache_usage

    records, size = cache_usage(settings)
    return Usage("Build Cache", total=records, size=size, reclaimable=size)


def _row(u: Usage) -> dict[str, Any]:
    return {"Type": u.type, "TotalCount": u.total, "Active": u.active, "Size": human_size(u.size),
            "Reclaimable": _reclaimable(u)}


_VERBOSE = {
    "Images": ("Images space usage:", [("Repository", "REPOSITORY"), ("ID", "IMAGE ID"), ("Size", "SIZE"),
                                       ("Containers", "CONTAINERS")]),
    "Containers": ("Containers space usage:", [("ID", "CONTAINER ID"), ("Image", "IMAGE"), ("Size", "SIZE"),
                                               ("Status", "STATUS"), ("Names", "NAMES")]),
    "Local Volumes": ("Local Volumes space usage:", [("Name", "VOLUME NAME"), ("Links", "LINKS"),
                                                     ("Size", "SIZE")]),
}


def df(cli: CliState, *, verbose: bool, format: Optional[str]) -> None:
    from nerdpy.cli.output import print_rows

    usages = collect(state.entered(cli))
    if format:
        for line in print_rows([_row(u) for u in usages], COLUMNS, format=format):
            print(line)
        return
    if not verbose:
        for line in print_rows([_row(u) for u in usages], COLUMNS):
            print(line)
        return
    for u in usages:
        if u.type == "Build Cache":
            print(f"Build cache usage: {human_size(u.size)}")
            continue
        title, columns = _VERBOSE[u.type]
        print(title + "\n")
        for line in print_rows(u.items, columns):
            print(line)
        print("")


def as_json(settings: Settings) -> str:
    """All rows as a JSON list (for tests and scripts)."""
    return json.dumps([_row(u) for u in collect(settings)])
