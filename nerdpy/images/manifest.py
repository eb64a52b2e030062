"""Image manifests, indexes and configs (Docker schema2 and OCI): media types,
size caps, parsing, and walking an index down to one platform's manifest."""

from __future__ import annotations

import json

from nerdpy.content import Descriptor
from nerdpy.errors import DataCorrupted, InvalidArgument, NotFound
from nerdpy.images.platform import Platform, format_platform, host_platform, matches, platform_of
from nerdpy.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Protocol
else:
    Protocol = object  # a structural type only for checkers; `typing` costs the run path ~3 ms

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"
DOCKER_LAYER_FOREIGN = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
OCI_LAYER_GZIP = OCI_LAYER + "+gzip"
OCI_LAYER_ZSTD = OCI_LAYER + "+zstd"

MANIFEST_TYPES = (DOCKER_MANIFEST, OCI_MANIFEST)
INDEX_TYPES = (DOCKER_LIST, OCI_INDEX)
CONFIG_TYPES = (DOCKER_CONFIG, OCI_CONFIG)
LAYER_TYPES = (
    DOCKER_LAYER_GZIP,
    "application/vnd.docker.image.rootfs.diff.tar",
    DOCKER_LAYER_FOREIGN,
    OCI_LAYER,
    OCI_LAYER_GZIP,
    OCI_LAYER_ZSTD,
    "application/vnd.oci.image.layer.nondistributable.v1.tar",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
)
MANIFEST_MAX = 4 << 20  # as containerd: a manifest or index above 4 MiB is refused
CONFIG_MAX = 8 << 20


class BlobReader(Protocol):
    def read_bytes(self, digest: str, max_size: int) -> bytes: ...


@record
class Manifest:
    media_type: str
    config: Descriptor
    layers: tuple[Descriptor, ...]
    annotations: dict[str, str] | None = None


@record
class Index:
    media_type: str
    manifests: tuple[Descriptor, ...]


def compression_of(media_type: str) -> str:
    """"gzip", "zstd" or "" (uncompressed) for a layer media type."""
    if media_type.endswith("+gzip") or media_type.endswith(".tar.gzip"):
        return "gzip"
    if media_type.endswith("+zstd"):
        return "zstd"
    if media_type in LAYER_TYPES:
        return ""
    raise InvalidArgument(f"unsupported layer media type {media_type!r}")


def _load_json(data: bytes, what: str) -> dict[str, Any]:
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataCorrupted(f"malformed {what}: {exc}") from None
    if not isinstance(doc, dict):
        raise DataCorrupted(f"malformed {what}: not a JSON object")
    return doc


def detect_media_type(data: bytes, declared: str | None = None) -> str:
    """The media type of a manifest/index document (the declared one wins when consistent)."""
    doc = _load_json(data, "manifest")
    inner = doc.get("mediaType")
    if declared and inner and declared != inner:
        raise DataCorrupted(f"manifest media type {inner!r} contradicts its descriptor's {declared!r}")
    media_type = declared or inner
    if media_type:
        return str(media_type)
    if "manifests" in doc:
        return OCI_INDEX
    if "config" in doc and "layers" in doc:
        return OCI_MANIFEST
    if doc.get("schemaVersion") == 1:
        raise InvalidArgument("Docker schema1 manifests are not supported", hint="re-push the image with a current client")
    raise DataCorrupted("cannot tell the kind of this manifest")


def parse_manifest(data: bytes, media_type: str | None = None) -> Manifest:
    if len(data) > MANIFEST_MAX:
        raise DataCorrupted(f"manifest is {len(data)} bytes, over the {MANIFEST_MAX}-byte limit")
    media_type = detect_media_type(data, media_type)
    if media_type not in MANIFEST_TYPES:
        raise InvalidArgument(f"unsupported manifest media type {media_type!r}")
    doc = _load_json(data, "manifest")
    if doc.get("schemaVersion") != 2:
        raise DataCorrupted("malformed manifest: schemaVersion must be 2")
    config = Descriptor.from_json(doc.get("config") or {})
    if config.media_type not in CONFIG_TYPES:
        raise InvalidArgument(f"unsupported image config media type {config.media_type!r}")
    layers = tuple(Descriptor.from_json(layer) for layer in (doc.get("layers") or []))
    for layer in layers:
        compression_of(layer.media_type)
    return Manifest(media_type, config, layers, doc.get("annotations"))


def parse_index(data: bytes, media_type: str | None = None) -> Index:
    if len(data) > MANIFEST_MAX:
        raise DataCorrupted(f"index is {len(data)} bytes, over the {MANIFEST_MAX}-byte limit")
    media_type = detect_media_type(data, media_type)
    if media_type not in INDEX_TYPES:
        raise InvalidArgument(f"unsupported index media type {media_type!r}")
    doc = _load_json(data, "index")
    manifests = doc.get("manifests")
    if not isinstance(manifests, list):
        raise DataCorrupted("malformed index: manifests must be a list")
    return Index(media_type, tuple(Descriptor.from_json(m) for m in manifests))


def parse_config(data: bytes) -> dict[str, Any]:
    if len(data) > CONFIG_MAX:
        raise DataCorrupted(f"image config is {len(data)} bytes, over the {CONFIG_MAX}-byte limit")
    config = _load_json(data, "image config")
    rootfs = config.get("rootfs")
    if not isinstance(rootfs, dict) or not isinstance(rootfs.get("diff_ids"), list):
        raise DataCorrupted("malformed image config: rootfs.diff_ids missing")
    return config


def choose_manifest(index: Index, want: Platform | None = None) -> Descriptor:
    """The best manifest of `index` for `want` (default: this host), or NotFound naming the choices."""
    want = want or host_platform()
    candidates = [m for m in index.manifests if m.media_type in MANIFEST_TYPES or not m.media_type]
    best = [m for m in candidates if matches(want, platform_of(m.platform))]
    # Prefer an exact variant match over a variant-less entry.
    best.sort(key=lambda m: 0 if platform_of(m.platform).variant == want.variant else 1)
    if best:
        return best[0]
    available = sorted({format_platform(platform_of(m.platform)) for m in candidates if m.platform})
    raise NotFound(
        f"no match for platform {format_platform(want)} in the manifest list "
        f"(available: {', '.join(available) or 'none'})",
        hint="choose one with --platform",
    )


def resolve(store: BlobReader, target: Descriptor, want: Platform | None = None) -> tuple[Descriptor, Manifest]:
    """Follow `target` (index or manifest, nested indexes too) to one platform's manifest."""
    desc = target
    for _ in range(4):  # nested indexes are legal but rare; bound the walk
        data = store.read_bytes(desc.digest, MANIFEST_MAX)
        media_type = detect_media_type(data, desc.media_type or None)
        if media_type in INDEX_TYPES:
            desc = choose_manifest(parse_index(data, media_type), want)
            continue
        manifest = parse_manifest(data, media_type)
        return Descriptor(media_type, desc.digest, desc.size, desc.annotations, desc.urls, desc.platform), manifest
    raise DataCorrupted(f"{target.digest}: indexes nested too deeply")


def children(data: bytes, media_type: str) -> list[Descriptor]:
    """The descriptors a manifest or index refers to (for GC marking and save)."""
    if media_type in INDEX_TYPES:
        return list(parse_index(data, media_type).manifests)
    if media_type in MANIFEST_TYPES:
        manifest = parse_manifest(data, media_type)
        return [manifest.config, *manifest.layers]
    return []


def present_children(store: Any, target: Descriptor) -> set[str]:
    """Blobs of an index's platform manifests that `store` holds (manifest, config, layers):
    what GC must keep so the whole index can be saved or pushed again."""
    if target.media_type not in INDEX_TYPES:
        return set()
    out: set[str] = set()
    for child in parse_index(store.read_bytes(target.digest, MANIFEST_MAX), target.media_type).manifests:
        if child.media_type not in MANIFEST_TYPES or not store.has(child.digest):
            continue
        out.add(child.digest)
        manifest = parse_manifest(store.read_bytes(child.digest, MANIFEST_MAX), child.media_type)
        out |= {d.digest for d in (manifest.config, *manifest.layers) if store.has(d.digest)}
    return out


def config_platform(config: dict[str, Any]) -> Platform:
    return Platform(
        str(config.get("os") or "linux"),
        str(config.get("architecture") or ""),
        str(config.get("variant") or ""),
    )


__all__ = [
    "Manifest", "Index", "parse_manifest", "parse_index", "parse_config", "resolve", "choose_manifest",
    "children", "compression_of", "detect_media_type", "config_platform", "present_children",
]
