"""`load`: docker-archive (classic and Docker 25+), OCI archive, OCI layout dir -> images.

Every blob is verified: OCI blobs against their descriptors, docker-archive
layers against the config's diff_ids, configs against their file names. No
registry is contacted. Names come from `manifest.json` RepoTags and from the
index's `io.containerd.image.name` / `org.opencontainers.image.ref.name`.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from pathlib import Path

from nerdpy.content import Descriptor
from nerdpy.errors import DataCorrupted, InvalidArgument, NotFound, PermissionDenied
from nerdpy.images import manifest as mf
from nerdpy.images.archive_source import DirSource, Source
from nerdpy.images.archive_stream import StreamedTar
from nerdpy.images.layers import digest_layer, layer_media_type
from nerdpy.images.platform import Platform
from nerdpy.images.image import Image
from nerdpy.images.store import ImageStore
from nerdpy.records import record
from nerdpy.reference import parse

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO, Callable

NAME_ANNOTATION = "io.containerd.image.name"
REF_ANNOTATION = "org.opencontainers.image.ref.name"
INDEX_MAX = mf.MANIFEST_MAX
_HEX = re.compile(r"[a-f0-9]{64}")


@record
class Loaded:
    image: Image
    names: tuple[str, ...]
    replaced: tuple[tuple[str, str], ...] = ()  # (name, ID of the image that had it before)


def load_path(store: ImageStore, path: Path, platform: Platform | None = None) -> list[Loaded]:
    """Load from an OCI layout / extracted archive directory, or an archive file."""
    if path.is_dir():
        return _load_guarded(store, lambda: DirSource(path), platform)
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        raise NotFound(f"open {path}: no such file or directory") from None
    except PermissionError:
        raise PermissionDenied(f"open {path}: permission denied") from None
    with f:
        return load_stream(store, f, platform)


def load_stream(store: ImageStore, stream: BinaryIO, platform: Platform | None = None) -> list[Loaded]:
    """Load an archive read once from `stream` (a file or stdin; compressed or not)."""
    return _load_guarded(store, lambda: StreamedTar(store.content, stream), platform)


def _load_guarded(store: ImageStore, make_source: Callable[[], Any], platform: Platform | None) -> list[Loaded]:
    try:
        with store.ingest_guard():
            source = make_source()
            try:
                return _load(store, source, platform)
            finally:
                source.close()
    except BaseException:
        # Blobs stored for an image that was refused: sweep them now if nobody is busy.
        store.gc(wait=False)
        raise


def _load(store: ImageStore, source: Source, platform: Platform | None) -> list[Loaded]:
    has_index = source.exists("index.json")
    has_manifest = source.exists("manifest.json")
    if not has_index and not has_manifest:
        raise InvalidArgument("not an image archive: neither manifest.json nor index.json found")
    repo_tags = _docker_repo_tags(source) if has_manifest else {}
    if has_index:
        return _load_oci(store, source, platform, repo_tags)
    return _load_docker(store, source, platform)


# -- OCI layout ---------------------------------------------------------------
def _load_oci(store: ImageStore, source: Source, platform: Platform | None,
              repo_tags: dict[tuple[str, ...], list[str]]) -> list[Loaded]:
    index = mf.parse_index(source.read("index.json", INDEX_MAX), mf.OCI_INDEX)
    loaded: list[Loaded] = []
    for desc in index.manifests:
        _ingest_tree(store, source, desc, depth=0)
        plain = Descriptor(desc.media_type, desc.digest, desc.size)
        image = store.put(None, plain, platform)
        names = _index_names(desc) + repo_tags.get(_image_key(image), [])
        loaded.append(_name(store, image, names))
    return _merge(loaded)


def _ingest_tree(store: ImageStore, source: Source, desc: Descriptor, depth: int) -> None:
    if depth > 4:
        raise DataCorrupted("archive: indexes nested too deeply")
    path = "blobs/sha256/" + desc.digest.split(":", 1)[1]
    if not store.content.has(desc.digest):
        if not source.exists(path):
            if depth == 0:
                raise DataCorrupted(f"archive lacks blob {desc.digest} named in index.json")
            return  # another platform's content, not saved; put() checks what it needs
        with source.open(path) as f:
            store.content.add_stream(f"load-{desc.digest}", f, desc)
    if desc.media_type in mf.INDEX_TYPES + mf.MANIFEST_TYPES or not desc.media_type:
        data = store.content.read_bytes(desc.digest, mf.MANIFEST_MAX)
        media_type = mf.detect_media_type(data, desc.media_type or None)
        for child in mf.children(data, media_type):
            _ingest_tree(store, source, child, depth + 1)


def _index_names(desc: Descriptor) -> list[str]:
    annotations = desc.annotations or {}
    out = []
    for key in (NAME_ANNOTATION, REF_ANNOTATION):
        value = annotations.get(key)
        # A bare tag ("latest") in ref.name names no repository: ignore it.
        if value and ("/" in value or ":" in value or key == NAME_ANNOTATION):
            try:
                out.append(str(parse(value)))
            except InvalidArgument:
                continue
    return out


# -- docker-archive -------------------------------------------------------------
def _docker_entries(source: Source) -> list[dict[str, Any]]:
    try:
        entries = json.loads(source.read("manifest.json", INDEX_MAX))
    except ValueError as exc:
        raise DataCorrupted(f"archive manifest.json is malformed: {exc}") from None
    if not isinstance(entries, list) or not all(isinstance(e, dict) and "Config" in e for e in entries):
        raise DataCorrupted("archive manifest.json is malformed: expected a list of {Config, RepoTags, Layers}")
    return entries


def _docker_repo_tags(source: Source) -> dict[tuple[str, ...], list[str]]:
    """(config digest, layer blob digests) -> names, from manifest.json beside an OCI index."""
    out: dict[tuple[str, ...], list[str]] = {}
    for entry in _docker_entries(source):
        key = tuple("sha256:" + (_hex_in(str(p)) or "?") for p in [entry["Config"], *(entry.get("Layers") or [])])
        out.setdefault(key, []).extend(str(parse(t)) for t in entry.get("RepoTags") or [])
    return out


def _image_key(image: Image) -> tuple[str, ...]:
    return (image.id, *(layer.digest for layer in image.layers))


def _hex_in(path: str) -> str | None:
    base = path.rsplit("/", 1)[-1].removesuffix(".json")
    return base if _HEX.fullmatch(base) else None


def _load_docker(store: ImageStore, source: Source, platform: Platform | None) -> list[Loaded]:
    loaded = []
    for entry in _docker_entries(source):
        names = [str(parse(t)) for t in entry.get("RepoTags") or []]  # validate before storing
        config_bytes = source.read(str(entry["Config"]), mf.CONFIG_MAX)
        config_digest = "sha256:" + hashlib.sha256(config_bytes).hexdigest()
        named = _hex_in(str(entry["Config"]))
        if named and "sha256:" + named != config_digest:
            raise DataCorrupted(f"archive config {entry['Config']} does not match its digest {config_digest}")
        config = mf.parse_config(config_bytes)
        diff_ids = config["rootfs"]["diff_ids"]
        paths = entry.get("Layers") or []
        if len(paths) != len(diff_ids):
            raise DataCorrupted(f"archive lists {len(paths)} layers, its config {len(diff_ids)} diff_ids")
        sizes: dict[str, int] = {}
        layers = [_docker_layer(store, source, str(p), str(d), sizes) for p, d in zip(paths, diff_ids)]
        store.content.add_bytes(config_bytes, config_digest)
        manifest = {
            "schemaVersion": 2,
            "mediaType": mf.OCI_MANIFEST,
            "config": {"mediaType": mf.OCI_CONFIG, "digest": config_digest, "size": len(config_bytes)},
            "layers": [layer.to_json() for layer in layers],
        }
        data = json.dumps(manifest, separators=(",", ":")).encode()
        digest = store.content.add_bytes(data)
        image = store.put(None, Descriptor(mf.OCI_MANIFEST, digest, len(data)), platform, layer_sizes=sizes)
        loaded.append(_name(store, image, names))
    return _merge(loaded)


def _docker_layer(store: ImageStore, source: Source, path: str, diff_id: str, sizes: dict[str, int]) -> Descriptor:
    """Store one layer of a docker-archive; `sizes` gets its uncompressed size (measured while hashing)."""
    if not source.exists(path):
        raise DataCorrupted(f"archive lacks layer {path}")
    known = getattr(source, "digests", lambda _: None)(path)
    if known is not None:  # already in the content store, hashed while the archive was read
        digests = known
    else:
        with store.content.writer(f"load-{uuid.uuid4().hex}") as writer, source.open(path) as f:
            digests = digest_layer(f, writer.write)
            writer.commit()
    if digests.diff_id != diff_id:
        raise DataCorrupted(f"layer {path} has diff ID {digests.diff_id}, its config says {diff_id}")
    if digests.uncompressed >= 0:
        sizes[diff_id] = digests.uncompressed
    return Descriptor(layer_media_type(digests.compression), digests.digest, digests.size)


# -- naming ---------------------------------------------------------------------
def _name(store: ImageStore, image: Image, names: list[str]) -> Loaded:
    unique = list(dict.fromkeys(names))
    replaced = []
    for name in unique:
        before = store.find(name)
        if before is not None and before.id != image.id:
            replaced.append((name, before.id))
        image = store.tag(image, name)
    return Loaded(image, tuple(unique), tuple(replaced))


def _merge(loaded: list[Loaded]) -> list[Loaded]:
    """Each name and each image reported once: an archive of two tags of one image
    has an index entry per tag, and manifest.json gives each entry both tags (Docker
    prints "Loaded image: NAME" once per name; it was printed once per entry)."""
    if not loaded:
        raise NotFound("the archive holds no images")
    out: list[Loaded] = []
    seen_names: set[str] = set()
    seen_images: set[str] = set()
    for item in loaded:
        names = tuple(n for n in item.names if n not in seen_names)
        if names or item.image.id not in seen_images:
            out.append(Loaded(item.image, names, tuple(r for r in item.replaced if r[0] in names)))
        seen_names.update(names)
        seen_images.add(item.image.id)
    return out
