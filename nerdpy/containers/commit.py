"""`commit`: a new image = the container's image + one layer holding what the
container changed (its overlay upper dir, whiteouts turned into `.wh.` entries)."""

from __future__ import annotations

import json
import os
import stat
import tarfile
from typing import Any, BinaryIO

from nerdpy.config import Settings
from nerdpy.containers import Container
from nerdpy.archive.diff import is_opaque, is_whiteout
from nerdpy.containers.changes import GENERATED
from nerdpy.errors import InvalidArgument, NotImplementedYet


def write_diff_tar(upper: str, out: BinaryIO) -> None:
    """The OCI layer for an overlay upper dir (image-spec "changesets")."""
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        for dirpath, dirnames, filenames in os.walk(upper):
            dirnames.sort()
            for name in sorted(dirnames + filenames):
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, upper)
                st = os.lstat(full)
                if "/" + rel in GENERATED and (stat.S_ISDIR(st.st_mode) and not os.listdir(full) or
                                               stat.S_ISREG(st.st_mode) and st.st_size == 0):
                    continue
                if is_whiteout(st):
                    info = tarfile.TarInfo(os.path.join(os.path.dirname(rel), ".wh." + name))
                    tar.addfile(info)
                    continue
                tar.add(full, arcname=rel, recursive=False)
                if stat.S_ISDIR(st.st_mode) and is_opaque(full):
                    tar.addfile(tarfile.TarInfo(os.path.join(rel, ".wh..wh..opq")))


def _new_config(parent: dict[str, Any], container: Container, diff_id: str, changes: list[str],
                comment: str, author: str) -> dict[str, Any]:
    from nerdpy.images.changes import apply_changes
    from nerdpy.images.importer import now_rfc3339

    cfg = container.cfg
    run_config = {k: v for k, v in dict(parent.get("config") or {}).items()}
    for key in ("Env", "Cmd", "Entrypoint", "WorkingDir", "User", "Labels", "ExposedPorts", "Volumes", "StopSignal"):
        if cfg.get(key) not in (None, "", [], {}):
            run_config[key] = cfg[key]
    run_config = apply_changes(run_config, changes)
    created = now_rfc3339()
    config = {k: v for k, v in parent.items() if k not in ("config", "rootfs", "history", "created", "author",
                                                             "comment")}
    history = list(parent.get("history") or [])
    history.append({"created": created, "created_by": " ".join(cfg.get("Cmd") or []), "comment": comment,
                    **({"author": author} if author else {})})
    config.update(created=created, config=run_config, history=history,
                  rootfs={"type": "layers", "diff_ids": list(parent["rootfs"]["diff_ids"]) + [diff_id]})
    if author:
        config["author"] = author
    return config


def commit(settings: Settings, container: Container, name: str | None, changes: list[str], comment: str = "",
           author: str = "") -> Any:
    from nerdpy.content import Descriptor
    from nerdpy.images import manifest as mf
    from nerdpy.images.store import ImageStore
    from nerdpy.snapshots import get_snapshotter

    if not container.image_id:
        raise InvalidArgument("a --rootfs container has no image to commit onto")
    snapshotter = get_snapshotter(settings)
    mounts = snapshotter.mounts(container.id)
    if not mounts or mounts[0].type != "overlay":
        raise NotImplementedYet(f"commit needs the overlay storage driver (this store uses {snapshotter.name})")
    store = ImageStore(settings)
    parent = store.get(container.image_id)
    with store.ingest_guard():
        with store.content.writer(f"commit-{container.id}-{os.getpid()}") as writer:
            write_diff_tar(snapshotter.upper_dir(container.id), _Writer(writer))
            size = writer.offset
            layer_digest = writer.commit()
        config = _new_config(parent.config, container, layer_digest, changes, comment, author)
        config_bytes = json.dumps(config, separators=(",", ":")).encode()
        config_digest = store.content.add_bytes(config_bytes)
        layers = [{"mediaType": d.media_type, "digest": d.digest, "size": d.size} for d in parent.layers]
        layers.append({"mediaType": mf.OCI_LAYER, "digest": layer_digest, "size": size})
        manifest = {"schemaVersion": 2, "mediaType": mf.OCI_MANIFEST,
                    "config": {"mediaType": mf.OCI_CONFIG, "digest": config_digest, "size": len(config_bytes)},
                    "layers": layers}
        manifest_bytes = json.dumps(manifest, separators=(",", ":")).encode()
        manifest_digest = store.content.add_bytes(manifest_bytes)
        return store.put(name, Descriptor(mf.OCI_MANIFEST, manifest_digest, len(manifest_bytes)), parent.platform)


class _Writer:
    """A file-like front for a content writer (tarfile writes through it)."""

    def __init__(self, writer: Any) -> None:
        self.writer = writer

    def write(self, data: bytes) -> int:
        self.writer.write(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass
