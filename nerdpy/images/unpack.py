"""Unpack an image's layers into committed snapshots keyed by chain ID.

Each layer is applied once per chain ID and shared by every image that has the
same layers below it. Per chain ID, `<data_root>/locks/unpack-<hex>.lock`
(flock) serialises concurrent CLI processes; the loser finds the snapshot
committed and skips it. A layer is extracted into an active snapshot
`extract-<pid>-<random> <chainID>`, its uncompressed digest is checked against
the config's diff_id, and only then committed under the chain ID; on any
failure the active snapshot is removed, so nothing half-applied is reachable.
Extracts left by killed processes are reaped on the next unpack.
"""

from __future__ import annotations

import os
import secrets
from contextlib import contextmanager

from nerdpy.archive import DEFAULT_MAX_LAYER_RATIO, DEFAULT_MAX_LAYER_SIZE, ApplyOptions
from nerdpy.config import Settings
from nerdpy.errors import DataCorrupted, NotFound
from nerdpy.locks import file_lock
from nerdpy.snapshots import Kind, Snapshotter, get_snapshotter

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterator

EXTRACT_PREFIX = "extract-"


def layer_options(settings: Settings) -> ApplyOptions:
    """Apply options from settings: the decompression-bomb limits (`max_layer_size` in bytes,
    `max_layer_ratio` uncompressed per compressed byte)."""
    limit = int(settings.extra.get("max_layer_size", DEFAULT_MAX_LAYER_SIZE))
    return ApplyOptions(max_size=limit, max_ratio=int(settings.extra.get("max_layer_ratio", DEFAULT_MAX_LAYER_RATIO)))


def unpack(settings: Settings, image: Any) -> str:
    """Make sure every layer of `image` is a committed snapshot; return the top chain ID
    ("" for an image without layers). Idempotent and safe to run concurrently."""
    layers, diff_ids, chains = list(image.layers), list(image.diff_ids), list(image.chain_ids)
    if not (len(layers) == len(diff_ids) == len(chains)):
        raise DataCorrupted(f"image {image.id}: {len(layers)} layers but {len(diff_ids)} diff_ids")
    snapshotter = get_snapshotter(settings)
    content = getattr(image, "content", None) or _content_store(settings)
    options = layer_options(settings)
    reaped = False
    parent: str | None = None
    for desc, diff_id, chain_id in zip(layers, diff_ids, chains):
        if not _committed(snapshotter, chain_id):
            with _chain_lock(settings, chain_id):
                if not reaped:
                    reap_stale_extracts(snapshotter)
                    reaped = True
                if not _committed(snapshotter, chain_id):
                    size = _apply_one(snapshotter, content, desc, diff_id, chain_id, parent, options)
                    _record_size(settings, diff_id, size)
        parent = chain_id
    return parent or ""


def _apply_one(snapshotter: Snapshotter, content: Any, desc: Any, diff_id: str, chain_id: str,
               parent: str | None, options: ApplyOptions) -> int:
    from nerdpy.snapshots.apply import apply_to_snapshot

    key = f"{EXTRACT_PREFIX}{os.getpid()}-{secrets.token_hex(4)} {chain_id}"
    snapshotter.prepare(key, parent, labels={"nerdpy.unpack/chain": chain_id})
    try:
        try:
            src = content.open(desc.digest)
        except (FileNotFoundError, NotFound):
            raise NotFound(f"layer {desc.digest} is missing from the content store",
                           hint="pull the image again") from None
        with src:
            result = apply_to_snapshot(snapshotter, key, src, options)
        if result.diff_id != diff_id:
            raise DataCorrupted(f"layer {desc.digest}: wrong diff id {result.diff_id} calculated on extraction, "
                                f"the image config says {diff_id}", hint="the image is corrupt; pull it again")
        snapshotter.commit(chain_id, key)
        return result.size
    except BaseException:
        try:
            snapshotter.remove(key)
        except Exception:
            pass  # reaped later by reap_stale_extracts
        raise


def _record_size(settings: Settings, diff_id: str, size: int) -> None:
    """The uncompressed size, measured here, is what `images` shows (images area's table)."""
    from nerdpy.images.store import ImageStore

    ImageStore(settings).record_layer_sizes({diff_id: size})


def _committed(snapshotter: Snapshotter, key: str) -> bool:
    try:
        return snapshotter.stat(key).kind == Kind.COMMITTED
    except NotFound:
        return False


def reap_stale_extracts(snapshotter: Snapshotter) -> None:
    """Remove extract snapshots whose process is gone, and leftover directories."""
    for info in list(snapshotter.walk()):
        if info.kind != Kind.ACTIVE or not info.key.startswith(EXTRACT_PREFIX):
            continue
        pid = info.key[len(EXTRACT_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
            try:
                snapshotter.remove(info.key)
            except NotFound:
                pass
    snapshotter.cleanup()


@contextmanager
def _chain_lock(settings: Settings, chain_id: str) -> Iterator[None]:
    with file_lock(settings.layout.locks_dir / f"unpack-{chain_id.split(':')[-1]}.lock"):
        yield


def _content_store(settings: Settings) -> Any:
    from nerdpy.content.store import ContentStore

    return ContentStore(settings.layout.content_dir)
