"""`import`: a root filesystem (tar, compressed tar, directory, or a stream) -> a one-layer image.

The layer is stored uncompressed (its digest is its diff ID), the config gets the
`--change` instructions and the platform, and the manifest is OCI. No registry.
"""

from __future__ import annotations

import json
import os
import tarfile
import uuid
from datetime import datetime, timezone
from pathlib import Path

from nerdpy.content import Descriptor
from nerdpy.content.store import Writer
from nerdpy.errors import InvalidArgument, NotFound, PermissionDenied
from nerdpy.images import manifest as mf
from nerdpy.images.changes import apply_changes
from nerdpy.images.layers import PeekStream, check_tar_header, decompressed_chunks, detect
from nerdpy.images.platform import Platform, host_platform
from nerdpy.images.image import Image
from nerdpy.images.store import ImageStore

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO


def now_rfc3339() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _tar_directory(directory: Path, writer: Writer) -> None:
    from nerdpy.images.assemble import WriterSink

    def clean(info: tarfile.TarInfo) -> tarfile.TarInfo:
        # Numeric owners only: names from this host's passwd mean nothing in the image.
        info.uname = info.gname = ""
        return info

    try:
        # Stream mode ("w|") only calls write(); typeshed's _Fileobj asks for more.
        with tarfile.open(fileobj=WriterSink(writer), mode="w|", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
            for child in sorted(os.listdir(directory)):
                tar.add(directory / child, arcname=child, recursive=True, filter=clean)
    except PermissionError as exc:
        raise PermissionDenied(f"cannot read {exc.filename}: permission denied") from None
    except FileNotFoundError as exc:
        raise NotFound(f"{exc.filename} disappeared while importing") from None


def _copy_tar_stream(stream: BinaryIO, writer: Writer) -> None:
    peek = PeekStream(stream)
    kind = detect(peek.head)
    first = True
    for chunk in decompressed_chunks(peek, kind):
        if first:
            check_tar_header(chunk[:1024])
            first = False
        writer.write(chunk)
    if first:
        raise InvalidArgument("empty archive: import takes a tar of a root filesystem")


def _write_layer(store: ImageStore, source: Path | BinaryIO) -> tuple[str, int]:
    with store.content.writer(f"import-{uuid.uuid4().hex}") as writer:
        if isinstance(source, Path) and source.is_dir():
            _tar_directory(source, writer)
        elif isinstance(source, Path):
            try:
                f = open(source, "rb")
            except FileNotFoundError:
                raise NotFound(f"{source}: no such file or directory") from None
            except PermissionError:
                raise PermissionDenied(f"{source}: permission denied") from None
            with f:
                _copy_tar_stream(f, writer)
        else:
            _copy_tar_stream(source, writer)
        size = writer.offset
        return writer.commit(), size


def import_rootfs(
    store: ImageStore,
    source: Path | BinaryIO,
    name: str | None = None,
    changes: list[str] | None = None,
    platform: Platform | None = None,
    message: str = "",
    source_label: str = "-",
) -> Image:
    container_config = apply_changes({}, changes or [])
    plat = platform or host_platform()
    with store.ingest_guard():
        layer_digest, layer_size = _write_layer(store, source)
        created = now_rfc3339()
        config: dict[str, Any] = {"architecture": plat.architecture, "os": plat.os}
        if plat.variant:
            config["variant"] = plat.variant
        history = {"created": created, "comment": message or f"Imported from {source_label}"}
        config.update({
            "comment": history["comment"],
            "created": created,
            "config": container_config,
            "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
            "history": [history],
        })
        config_bytes = json.dumps(config, separators=(",", ":")).encode()
        config_digest = store.content.add_bytes(config_bytes)
        manifest = {
            "schemaVersion": 2,
            "mediaType": mf.OCI_MANIFEST,
            "config": {"mediaType": mf.OCI_CONFIG, "digest": config_digest, "size": len(config_bytes)},
            "layers": [{"mediaType": mf.OCI_LAYER, "digest": layer_digest, "size": layer_size}],
        }
        manifest_bytes = json.dumps(manifest, separators=(",", ":")).encode()
        manifest_digest = store.content.add_bytes(manifest_bytes)
        return store.put(name, Descriptor(mf.OCI_MANIFEST, manifest_digest, len(manifest_bytes)), plat)
