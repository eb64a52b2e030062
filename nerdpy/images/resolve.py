"""Resolving a reference at its registry: the tag's manifest or index, narrowed to
one platform's manifest, each document size-limited, checked and stored."""

from __future__ import annotations


from nerdpy.content import Descriptor
from nerdpy.content.store import ContentStore
from nerdpy.errors import DataCorrupted, InvalidArgument
from nerdpy.images import manifest as mf
from nerdpy.images.platform import Platform
from nerdpy.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_GENERIC_TYPES = ("", "application/json", "application/octet-stream", "text/plain")
_NESTING = 4


@record
class Resolved:
    """What a reference points at in the registry."""

    target: Descriptor  # the tag's manifest or index
    manifest_desc: Descriptor  # the platform's manifest
    manifest: mf.Manifest


def _media_type(body: bytes, declared: str, what: str) -> str:
    """The document's type; rejects ambiguous documents (CVE-2021-41190)."""
    import json

    media_type = mf.detect_media_type(body, None if declared in _GENERIC_TYPES else declared)
    doc = json.loads(body)
    if media_type in mf.INDEX_TYPES and ("config" in doc or "layers" in doc):
        raise DataCorrupted(f"malformed index for {what}: it also has config/layers")
    if media_type in mf.MANIFEST_TYPES and "manifests" in doc:
        raise DataCorrupted(f"malformed manifest for {what}: it also has manifests")
    if media_type not in mf.MANIFEST_TYPES + mf.INDEX_TYPES:
        raise InvalidArgument(f"unsupported manifest media type {media_type!r} for {what}")
    return media_type


def _fetch_manifest(client: Any, store: ContentStore, repo: str, reference: str,
                    expected: Descriptor | None, what: str) -> tuple[Descriptor, bytes]:
    if expected is not None and expected.size > mf.MANIFEST_MAX:
        raise DataCorrupted(f"manifest {expected.digest} of {what} declares {expected.size} bytes, "
                            f"over the {mf.MANIFEST_MAX}-byte limit", hint="the registry serves a hostile index")
    if expected is not None and store.has(expected.digest):
        body = store.read_bytes(expected.digest, mf.MANIFEST_MAX)
        return expected, body
    limit = expected.size if expected is not None else mf.MANIFEST_MAX
    body, declared, digest = client.get_manifest(repo, reference, what, max_size=limit)
    if expected is not None:
        if digest != expected.digest or len(body) != expected.size:
            raise DataCorrupted(f"manifest {expected.digest} of {what} does not match its descriptor")
        declared = expected.media_type or declared
    media_type = _media_type(body, declared, what)
    store.add_bytes(body, digest)
    return Descriptor(media_type, digest, len(body)), body


def resolve(client: Any, store: ContentStore, repo: str, reference: str, want: Platform,
            what: str) -> Resolved:
    """Tag or digest -> manifest (stored), narrowing indexes to `want`."""
    target, body = _fetch_manifest(client, store, repo, reference, None, what)
    desc = target
    for _ in range(_NESTING):
        if desc.media_type in mf.INDEX_TYPES:
            child = mf.choose_manifest(mf.parse_index(body, desc.media_type), want)
            if child.urls:
                child = Descriptor(child.media_type, child.digest, child.size)
            desc, body = _fetch_manifest(client, store, repo, child.digest, child, what)
            continue
        manifest = mf.parse_manifest(body, desc.media_type)
        if len(manifest.layers) == 0:
            raise DataCorrupted(f"malformed manifest for {what}: no layers")
        if manifest.config.size > mf.CONFIG_MAX:
            raise DataCorrupted(f"image config of {what} declares {manifest.config.size} bytes, "
                                f"over the {mf.CONFIG_MAX}-byte limit", hint="the registry serves a hostile manifest")

        return Resolved(target, desc, manifest)
    raise DataCorrupted(f"indexes of {what} are nested too deeply")
