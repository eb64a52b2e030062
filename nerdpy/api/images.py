"""Image use cases for the CLI and compose: list, tag, remove, inspect, history,
save, load, import, prune. Nothing here prints; results are values."""

from __future__ import annotations

import re
from pathlib import Path

from nerdpy.config import Settings
from nerdpy.errors import Conflict, InvalidArgument, NotFound
from nerdpy.images.image import Image
from nerdpy.images.store import ImageStore
from nerdpy.records import record
from nerdpy.reference import familiar, parse

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO, Iterable


def open_store(settings: Settings) -> ImageStore:
    return ImageStore(settings)


# -- containers hook --------------------------------------------------------------
def image_users(settings: Settings) -> dict[str, list[str]]:
    """Image ID (config digest) -> names of containers created from it.

    Hook into the containers area: reads `nerdpy.containers.store.ContainerStore`
    records' `image_id` (falling back to `image`, a reference); absent module or
    records -> no users. rmi and prune refuse to delete what is listed here.
    """
    try:
        from nerdpy.containers.store import ContainerStore
    except ImportError:
        return {}
    users: dict[str, list[str]] = {}
    store = None
    for container in ContainerStore(settings).list():
        image_id = getattr(container, "image_id", None)
        if not image_id:
            ref = getattr(container, "image", None)
            if not ref:
                continue
            store = store or open_store(settings)
            found = store.find(str(ref))
            if found is None:
                continue
            image_id = found.id
        name = getattr(container, "name", None) or getattr(container, "id", "?")
        users.setdefault(str(image_id), []).append(str(name))
    return users


# -- images / image ls ------------------------------------------------------------
@record
class ImageRow:
    repository: str
    tag: str
    digest: str
    image: Image


def _rows(image: Image) -> list[ImageRow]:
    digest = image.target.digest if image.names else "<none>"
    if not image.names:
        return [ImageRow("<none>", "<none>", "<none>", image)]
    rows = []
    for name in image.names:
        ref = parse(name, default_tag=False)
        rows.append(ImageRow(familiar(ref.name), ref.tag or "<none>", digest, image))
    return rows


def _glob(pattern: str) -> re.Pattern[str]:
    """Go's path.Match: `*` and `?` stop at `/`."""
    out = ""
    for ch in pattern:
        out += {"*": "[^/]*", "?": "[^/]"}.get(ch, re.escape(ch))
    return re.compile(out + r"\Z")


def _parse_filters(filters: Iterable[str], allowed: tuple[str, ...]) -> list[tuple[str, str]]:
    out = []
    for item in filters:
        key, sep, value = item.partition("=")
        if not sep or key not in allowed:
            raise InvalidArgument(f"invalid filter '{item}'", hint=f"use {', '.join(k + '=' for k in allowed)}")
        out.append((key, value))
    return out


def _matches(store: ImageStore, row: ImageRow, filters: list[tuple[str, str]]) -> bool:
    by_key: dict[str, list[str]] = {}
    for key, value in filters:
        by_key.setdefault(key, []).append(value)
    for key, values in by_key.items():
        if key == "dangling":
            from nerdpy.booleans import parse_bool

            want = parse_bool(values[-1], "filter 'dangling'")
            if row.image.dangling != want:
                return False
        elif key == "reference":
            full = f"{row.repository}:{row.tag}"
            if not any(_glob(v).match(row.repository) or _glob(v).match(full) for v in values):
                return False
        elif key == "label":
            labels = (row.image.config.get("config") or {}).get("Labels") or {}
            for value in values:
                k, eq, v = value.partition("=")
                if k not in labels or (eq and labels[k] != v):
                    return False
        elif key == "until":
            import time

            if row.image.created_ts > _until(values[-1], time.time()):
                return False
        elif key in ("before", "since"):
            pivot = store.get(values[-1]).created_ts
            created = row.image.created_ts
            if (key == "before" and created >= pivot) or (key == "since" and created <= pivot):
                return False
    return True


def list_images(settings: Settings, filters: Iterable[str] = ()) -> list[ImageRow]:
    store = open_store(settings)
    parsed = _parse_filters(filters, ("dangling", "reference", "label", "before", "since", "until"))
    rows = [row for image in store.list() for row in _rows(image)]
    rows = [row for row in rows if _matches(store, row, parsed)]
    rows.sort(key=lambda r: (-r.image.created_ts, r.repository, r.tag))
    return rows


# -- tag / rmi ----------------------------------------------------------------------
def image_event(settings: Settings, action: str, actor: str, name: str = "") -> None:
    """Record an image event (`nerdpy events`): Docker's Actor ID is the image's name or ID."""
    from nerdpy.events import emit

    emit(settings.layout.runtime_root, "image", action, actor, {"name": name or actor})


def tag(settings: Settings, source: str, target: str) -> None:
    if parse(target).digest:  # validate before touching anything
        raise InvalidArgument(f"refusing to create a tag with a digest reference: {target}")
    store = open_store(settings)
    store.tag(source, target)
    image_event(settings, "tag", store.get(target).id, familiar(str(parse(target))))


def _is_name(store: ImageStore, ref: str, image: Image) -> str | None:
    try:
        full = str(parse(ref))
    except InvalidArgument:
        return None
    return full if full in image.names else None


def remove(settings: Settings, ref: str, force: bool) -> list[str]:
    """Docker's rmi for one argument; returns lines like "Untagged: x" / "Deleted: sha256:..."."""
    lines = _remove(settings, ref, force)
    for line in lines:
        what, _, value = line.partition(": ")
        image_event(settings, "untag" if what == "Untagged" else "delete", value)
    return lines


def _remove(settings: Settings, ref: str, force: bool) -> list[str]:
    store = open_store(settings)
    image = store.get(ref)
    users = image_users(settings).get(image.id, [])
    name = _is_name(store, ref, image)
    if name is not None and len(image.names) > 1:
        store.untag(name)
        return [f"Untagged: {familiar(name)}"]
    targets = [image] if name is not None else store.records_with_id(image.id)
    names = [n for record in targets for n in record.names]
    if name is None and len(names) > 1 and not force:
        raise Conflict(f"unable to delete {image.short_id} (must be forced) - image is referenced in multiple "
                       f"repositories")
    if users and not force:
        what = f'repository reference "{ref}"' if name else image.short_id
        raise Conflict(f"unable to remove {what} (must force) - container {users[0]} is using its "
                       f"referenced image {image.short_id}")
    events: list[str] = []
    for n in names:
        store.untag(n)
        events.append(f"Untagged: {familiar(n)}")
    if users:
        return events  # forced while a container uses it: untag only, keep the layers it runs on
    for target in targets:
        store.delete(target)
    events.append(f"Deleted: {image.id}")
    collect_garbage(settings, store)
    return events


def collect_garbage(settings: Settings, store: ImageStore | None = None, stale_ingests: bool = False) -> int:
    """Sweep unreferenced blobs and image snapshots; return bytes freed from the content store.
    `stale_ingests`: also every partial download nobody writes (else kept a day for a resume)."""
    from nerdpy.images.store import INGEST_KEEP_S

    images = store or open_store(settings)
    _, freed = images.gc(also=lambda: _gc_snapshots(settings, images),
                         ingest_age=0.0 if stale_ingests else INGEST_KEEP_S)
    return freed


def _gc_snapshots(settings: Settings, store: ImageStore) -> None:
    """Remove committed layer snapshots (keyed by chain ID) no image needs and nothing builds on.

    Only image layers are swept: a container's committed `<id>-init` has no
    child for a moment while `create` makes its writable layer, and is removed
    with its container (or by `container prune` once the record is gone)."""
    if not (settings.layout.snapshots_dir / "driver").exists():
        return  # nothing was ever unpacked; do not probe a driver for nothing
    from nerdpy.snapshots import Kind, get_snapshotter

    keep = {cid for image in store.list() for cid in _chain_ids_or_empty(image)}
    snapshotter = get_snapshotter(settings)
    skipped: set[str] = set()
    while True:
        infos = list(snapshotter.walk())
        parents = {i.parent for i in infos if i.parent}
        victims = [i.key for i in infos if i.kind == Kind.COMMITTED and i.key.startswith("sha256:")
                   and i.key not in keep and i.key not in parents and i.key not in skipped]
        if not victims:
            break
        for key in victims:
            try:
                snapshotter.remove(key)
            except (Conflict, NotFound):  # a racing create built on it, or another sweep took it
                skipped.add(key)
    from nerdpy.images.unpack import reap_stale_extracts

    reap_stale_extracts(snapshotter)  # and what killed or failed commands left on disk


def _chain_ids_or_empty(image: Image) -> list[str]:
    try:
        return image.chain_ids
    except Exception:  # a damaged config must not stop GC of others; keep nothing extra
        return []


# -- prune ---------------------------------------------------------------------------
def prune(settings: Settings, all_images: bool, filters: Iterable[str] = (),
          stale_ingests: bool = False) -> tuple[list[str], int]:
    """Docker's `image prune [-a]`: dangling (or all unused) images; returns (events, bytes freed).
    `stale_ingests`: also drop every partial download nobody writes (`system prune`)."""
    store = open_store(settings)
    parsed = _parse_filters(filters, ("label", "until"))
    users = image_users(settings)
    events: list[str] = []
    for image in store.list():
        if image.id in users or (not all_images and not image.dangling):
            continue
        if not _prune_filter(image, parsed):
            continue
        for n in image.names:
            store.untag(n)
            events.append(f"untagged: {familiar(n)}")
        store.delete(image)
        events.append(f"deleted: {image.id}")
    freed = collect_garbage(settings, store, stale_ingests)
    return events, freed


def _prune_filter(image: Image, filters: list[tuple[str, str]]) -> bool:
    import time

    for key, value in filters:
        if key == "label":
            labels = (image.config.get("config") or {}).get("Labels") or {}
            k, eq, v = value.partition("=")
            if k not in labels or (eq and labels[k] != v):
                return False
        elif key == "until":
            if image.created_ts > _until(value, time.time()):
                return False
    return True


def _until(text: str, now: float) -> float:
    """Docker's `until=`: a duration before now (`24h`), a unix time, or an RFC 3339 date."""
    from nerdpy.images.image import parse_time

    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    if re.fullmatch(r"\d+(?:\.\d+)?[smh]", text):
        return now - _duration(text)
    ts = parse_time(text if "T" in text else text + "T00:00:00Z")
    if not ts:
        raise InvalidArgument(f"invalid until filter {text!r}", hint="use a duration (24h), a unix time or a date")
    return ts


def _duration(text: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(s|m|h)", text.strip())
    if not match:
        raise InvalidArgument(f"invalid until filter {text!r}", hint="use a duration such as 24h, 30m")
    return float(match.group(1)) * {"s": 1, "m": 60, "h": 3600}[match.group(2)]


# -- inspect / history -------------------------------------------------------------------
def inspect(settings: Settings, ref: str) -> dict[str, Any]:
    from nerdpy.images.inspect import inspect_document

    return inspect_document(open_store(settings).get(ref))


def history(settings: Settings, ref: str) -> list[dict[str, Any]]:
    from nerdpy.images.inspect import history_entries

    store = open_store(settings)
    image = store.get(ref)
    return history_entries(image, store.layer_sizes(image))


# -- save / load / import -------------------------------------------------------------------
def select_for_save(settings: Settings, refs: list[str]) -> list[Any]:
    """Resolve `save` arguments first, so a bad name fails before any output is written."""
    from nerdpy.images import save as saver

    return saver.select(open_store(settings), refs)


def save(settings: Settings, items: list[Any], out: BinaryIO) -> None:
    from nerdpy.images import save as saver

    saver.save(open_store(settings), items, out)
    _saved(settings, items)


def _saved(settings: Settings, items: list[Any]) -> None:
    for item in items:
        image = getattr(item, "image", item)
        image_event(settings, "save", getattr(image, "id", str(image)))


def save_dir(settings: Settings, items: list[Any], target: Path) -> None:
    from nerdpy.images import save as saver

    saver.save_dir(open_store(settings), items, target)
    _saved(settings, items)


def load(settings: Settings, source: Path | BinaryIO, platform: str | None = None) -> list[Any]:
    from nerdpy.images import load as loader
    from nerdpy.images.platform import parse_platform

    store = open_store(settings)
    want = parse_platform(platform) if platform else None
    if isinstance(source, Path):
        if not source.exists():
            raise NotFound(f"open {source}: no such file or directory")
        loaded = loader.load_path(store, source, want)
    else:
        loaded = loader.load_stream(store, source, want)
    for item in loaded:
        for name in item.names or (item.image.id,):
            image_event(settings, "load", familiar(name) if name != item.image.id else name)
    return loaded


def import_image(settings: Settings, source: str | BinaryIO, name: str | None, changes: list[str],
                 platform: str | None, message: str) -> Image:
    from nerdpy.images.importer import import_rootfs
    from nerdpy.images.platform import parse_platform

    if name:
        parse(name)
    want = parse_platform(platform) if platform else None
    if isinstance(source, str):
        if re.match(r"[a-z]+://", source):
            from nerdpy.errors import NotImplementedYet

            raise NotImplementedYet("importing from a URL is not implemented", hint="download it and import the file")
        image = import_rootfs(open_store(settings), Path(source), name, changes, want, message, source)
    else:
        image = import_rootfs(open_store(settings), source, name, changes, want, message, "-")
    image_event(settings, "import", image.id, name or image.id)
    return image
