"""`commit`: a new image = the container's image + one layer holding what the
container changed (its snapshot's changeset, nerdpy.snapshots.diff: every storage
driver, read race-free). A running container is paused meanwhile, as Docker does
(`--pause=false` skips that)."""

from __future__ import annotations

import json
import os
import stat
from contextlib import contextmanager
from typing import Any, BinaryIO, Iterator

from nerdpy.config import Settings
from nerdpy.containers import Container
from nerdpy.containers.changes import GENERATED
from nerdpy.errors import InvalidArgument, Unavailable


def _generated_mount_point(change: Any) -> bool:
    """The empty mount points nerdpy makes at every start are not the container's changes."""
    entry = change.entry
    if entry is None or "/" + change.rel not in GENERATED:
        return False
    st = entry.st
    if stat.S_ISDIR(st.st_mode):
        return entry.fd >= 0 and not os.listdir(entry.fd)
    return stat.S_ISREG(st.st_mode) and st.st_size == 0


def write_diff_tar(settings: Settings, container: Container, out: BinaryIO) -> None:
    """The OCI layer of what the container changed (image-spec "changesets")."""
    from nerdpy.snapshots import get_snapshotter
    from nerdpy.snapshots.diff import write_diff

    write_diff(get_snapshotter(settings), container.id, out, skip=_generated_mount_point)


@contextmanager
def paused(settings: Settings, container: Container, pause: bool) -> Iterator[None]:
    """The container frozen for the duration, if it runs and `pause` (Docker's default)."""
    from nerdpy.containers.lifecycle import pause as set_paused
    from nerdpy.containers.store import ContainerStore

    if not pause or ContainerStore(settings).state(container.id).status != "running":
        yield
        return
    try:
        set_paused(settings, container)
    except Unavailable as exc:
        # No freezer (rootless without cgroup delegation): the changeset is still read
        # race-free, only not as one instant. Docker has no such hosts; say it and go on.
        import logging

        logging.getLogger("nerdpy.containers").warning("WARNING: committing without pausing: %s", exc.message)
        yield
        return
    try:
        yield
    finally:
        if ContainerStore(settings).state(container.id).status == "paused":
            set_paused(settings, container, resume=True)


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
           author: str = "", pause: bool = True) -> Any:
    from nerdpy.content import Descriptor
    from nerdpy.images import manifest as mf
    from nerdpy.images.store import ImageStore

    if not container.image_id:
        raise InvalidArgument("a --rootfs container has no image to commit onto")
    store = ImageStore(settings)
    parent = store.get(container.image_id)
    with store.ingest_guard():
        with store.content.writer(f"commit-{container.id}-{os.getpid()}") as writer:
            with paused(settings, container, pause):
                try:
                    write_diff_tar(settings, container, _Writer(writer))
                except OSError as exc:
                    raise Unavailable(f"cannot commit container {container.name}: {exc.strerror or exc}") from None
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
