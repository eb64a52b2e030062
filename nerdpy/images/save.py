"""`save`: images -> one tar that is both a docker-archive and an OCI image layout
(as Docker 25+ and nerdctl write it), streamed, so stdout works; or the same
files as an OCI layout directory (`save --format oci-dir`).

Archive contents::

    oci-layout                      {"imageLayoutVersion": "1.0.0"}
    index.json                      one entry per saved name (io.containerd.image.name,
                                    org.opencontainers.image.ref.name), or one unnamed entry
    manifest.json                   docker-archive: [{Config, RepoTags, Layers}]
    blobs/sha256/<hex>              manifests, configs, layers exactly as stored

Each image is saved as its resolved platform manifest, so the archive is
self-contained even when the image came from a multi-platform index.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
import tempfile
import time
from pathlib import Path

from nerdpy.content import Descriptor
from nerdpy.errors import AlreadyExists, InvalidArgument
from nerdpy.images import manifest as mf
from nerdpy.images.image import Image
from nerdpy.images.store import ImageStore
from nerdpy.records import record
from nerdpy.reference import parse

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO

OCI_LAYOUT = b'{"imageLayoutVersion":"1.0.0"}'


@record
class SaveItem:
    image: Image
    names: tuple[str, ...]  # full references to record; empty: save by ID


def select(store: ImageStore, refs: list[str]) -> list[SaveItem]:
    """Resolve `docker save` arguments: a name saves that name; an ID saves no names."""
    if not refs:
        raise InvalidArgument("save needs at least one image")
    items: dict[str, list[str]] = {}
    images: dict[str, Image] = {}
    for ref in refs:
        image = store.get(ref)
        key = image.manifest_descriptor.digest
        images[key] = image
        names = items.setdefault(key, [])
        try:
            full = str(parse(ref))
        except InvalidArgument:
            continue
        if full in image.names and full not in names:
            names.append(full)
    return [SaveItem(images[k], tuple(v)) for k, v in items.items()]


def _blob_path(digest: str) -> str:
    return "blobs/sha256/" + digest.split(":", 1)[1]


def _index_entries(item: SaveItem) -> list[dict[str, Any]]:
    desc = item.image.manifest_descriptor.to_json()
    if not item.names:
        return [desc]
    out = []
    for name in item.names:
        tag = parse(name).tag or "latest"
        out.append({**desc, "annotations": {"io.containerd.image.name": name,
                                            "org.opencontainers.image.ref.name": tag}})
    return out


@record
class _Plan:
    blobs: tuple[Descriptor, ...]
    files: dict[str, bytes]  # index.json, manifest.json, oci-layout


def _plan(items: list[SaveItem]) -> _Plan:
    blobs: list[Descriptor] = []
    seen: set[str] = set()
    index: list[dict[str, Any]] = []
    docker: list[dict[str, Any]] = []
    for item in items:
        image = item.image
        manifest = image.manifest
        for desc in (image.manifest_descriptor, manifest.config, *manifest.layers):
            if desc.digest not in seen:
                seen.add(desc.digest)
                blobs.append(desc)
        index.extend(_index_entries(item))
        docker.append({
            "Config": _blob_path(manifest.config.digest),
            "RepoTags": list(item.names) or None,  # full names: podman prefixes short ones with localhost/
            "Layers": [_blob_path(layer.digest) for layer in manifest.layers],
        })
    index_doc = {"schemaVersion": 2, "mediaType": mf.OCI_INDEX, "manifests": index}
    files = {
        "index.json": json.dumps(index_doc, separators=(",", ":")).encode(),
        "manifest.json": json.dumps(docker, separators=(",", ":")).encode(),
        "oci-layout": OCI_LAYOUT,
    }
    return _Plan(tuple(blobs), files)


def save(store: ImageStore, items: list[SaveItem], out: BinaryIO) -> None:
    """Stream the archive as a tar to `out`."""
    plan = _plan(items)
    now = int(time.time())
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        _add_dir(tar, "blobs", now)
        _add_dir(tar, "blobs/sha256", now)
        for desc in plan.blobs:
            info = tarfile.TarInfo(_blob_path(desc.digest))
            info.size, info.mode, info.mtime = store.content.info(desc.digest).size, 0o444, now
            with store.content.open(desc.digest) as f:
                tar.addfile(info, f)
        for name, data in plan.files.items():
            _add_bytes(tar, name, data, now)


def save_dir(store: ImageStore, items: list[SaveItem], target: Path) -> None:
    """Write the same content as an OCI image layout directory (built beside it, then renamed)."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise AlreadyExists(f"{target} exists and is not an empty directory")
    plan = _plan(items)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        blobs = staging / "blobs" / "sha256"
        blobs.mkdir(parents=True)
        for desc in plan.blobs:
            with store.content.open(desc.digest) as src, open(blobs / desc.digest.split(":", 1)[1], "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        for name, data in plan.files.items():
            (staging / name).write_bytes(data)
        os.chmod(staging, 0o755)
        if target.exists():
            target.rmdir()
        os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _add_dir(tar: tarfile.TarFile, name: str, mtime: int) -> None:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, mtime
    tar.addfile(info)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mtime: int) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o444, mtime
    tar.addfile(info, io.BytesIO(data))
