"""Layer + config + history -> an image in the local store (used by `commit` and `build`).

Callers produce layer tars however they like (a snapshot diff, a build step);
`store_layer` ingests one and `assemble` writes the config and manifest on top of
a base image (or none: scratch) and records the image. Layers are stored
uncompressed (OCI `tar` media type): digest == diff ID, no compression cost on
the local path, and byte-identical input gives byte-identical blobs (reproducible
builds). `push` sends them as they are, which every registry accepts.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence

from nerdpy.content import Descriptor
from nerdpy.images import manifest as mf
from nerdpy.images.image import Image
from nerdpy.images.store import ImageStore
from nerdpy.records import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO

OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar"
# The fields a new image takes from its base outside `config` (the rest is rewritten).
_KEEP_TOP = ("architecture", "os", "os.version", "os.features", "variant")


@record
class Layer:
    descriptor: Descriptor
    diff_id: str

    @property
    def size(self) -> int:
        return self.descriptor.size


@record
class Step:
    """One history entry; `layer` None means an empty_layer entry (metadata only)."""

    created_by: str
    layer: Layer | None = None
    comment: str = ""
    created: str = ""
    author: str = ""


@record
class Base:
    """What a new image starts from: its config document and layer descriptors (scratch: empty)."""

    config: dict[str, Any] = field(default_factory=dict)
    layers: tuple[Descriptor, ...] = ()

    @classmethod
    def of(cls, image: Image) -> Base:
        return cls(dict(image.config), tuple(image.layers))


class WriterSink:
    """A file-like front for a content writer (tarfile and shutil write through it)."""

    def __init__(self, writer: Any) -> None:
        self.writer = writer

    def write(self, data: bytes) -> int:
        self.writer.write(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def store_layer(store: ImageStore, produce: Callable[[BinaryIO], None]) -> Layer:
    """Ingest the uncompressed tar `produce` writes; call inside `store.ingest_guard()`."""
    with store.content.writer(f"layer-{os.getpid()}-{os.urandom(6).hex()}") as writer:
        produce(WriterSink(writer))  # type: ignore[arg-type]  # producers only write(); BinaryIO names the role
        size = writer.offset
        digest = writer.commit()
    return Layer(Descriptor(OCI_LAYER_TAR, digest, size), digest)


def image_config(base: Base, run_config: dict[str, Any], steps: Sequence[Step], created: str,
                 top: dict[str, Any] | None = None) -> dict[str, Any]:
    """The new config document: base platform fields, the run config, history and diff IDs.

    `top` adds or replaces top-level fields (author, comment, platform of a scratch image).
    """
    config: dict[str, Any] = {k: base.config[k] for k in _KEEP_TOP if k in base.config}
    config.update(top or {})
    history = list(base.config.get("history") or [])
    diff_ids = list((base.config.get("rootfs") or {}).get("diff_ids") or [])
    for step in steps:
        entry: dict[str, Any] = {"created": step.created or created, "created_by": step.created_by}
        if step.author:
            entry["author"] = step.author
        if step.comment:
            entry["comment"] = step.comment
        if step.layer is None:
            entry["empty_layer"] = True
        else:
            diff_ids.append(step.layer.diff_id)
        history.append(entry)
    config.update(created=created, config=run_config, history=history,
                  rootfs={"type": "layers", "diff_ids": diff_ids})
    return config


def assemble(store: ImageStore, base: Base, run_config: dict[str, Any], steps: Sequence[Step], created: str,
             names: Sequence[str] = (), top: dict[str, Any] | None = None) -> Image:
    """Write config + manifest for base + steps and record the image under `names` (may be none).

    Call inside `store.ingest_guard()` when layers were just ingested, so gc cannot
    take them before the image that holds them is recorded.
    """
    config = image_config(base, run_config, steps, created, top)
    config_bytes = json.dumps(config, separators=(",", ":"), sort_keys=True).encode()
    config_digest = store.content.add_bytes(config_bytes)
    new_layers = [s.layer for s in steps if s.layer is not None]
    layers = [_layer_json(d) for d in base.layers] + [_layer_json(x.descriptor) for x in new_layers]
    manifest = {"schemaVersion": 2, "mediaType": mf.OCI_MANIFEST,
                "config": {"mediaType": mf.OCI_CONFIG, "digest": config_digest, "size": len(config_bytes)},
                "layers": layers}
    manifest_bytes = json.dumps(manifest, separators=(",", ":")).encode()
    manifest_digest = store.content.add_bytes(manifest_bytes)
    target = Descriptor(mf.OCI_MANIFEST, manifest_digest, len(manifest_bytes))
    sizes = {x.diff_id: x.size for x in new_layers}
    image = store.put(names[0] if names else None, target, _platform(config), layer_sizes=sizes)
    for name in names[1:]:
        image = store.tag(image, name)
    return store.get_record(manifest_digest) if names[1:] else image


def _platform(config: dict[str, Any]) -> str:
    plat = f"{config.get('os', 'linux')}/{config.get('architecture', 'amd64')}"
    return plat + (f"/{config['variant']}" if config.get("variant") else "")


def _layer_json(d: Descriptor) -> dict[str, Any]:
    out: dict[str, Any] = {"mediaType": d.media_type, "digest": d.digest, "size": d.size}
    if d.annotations:
        out["annotations"] = dict(d.annotations)
    return out
