"""`commit`: a new image = the container's image + one layer holding what the
container changed (its overlay upper dir, whiteouts turned into `.wh.` entries)."""

from __future__ import annotations

import os
import stat
import tarfile
from typing import Any, BinaryIO

from nerdpy.archive.diff import is_opaque, is_whiteout
from nerdpy.config import Settings
from nerdpy.containers import Container
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


def _run_config(parent: dict[str, Any], container: Container, changes: list[str]) -> dict[str, Any]:
    from nerdpy.images.changes import apply_changes

    cfg = container.cfg
    run_config = dict(parent.get("config") or {})
    for key in ("Env", "Cmd", "Entrypoint", "WorkingDir", "User", "Labels", "ExposedPorts", "Volumes", "StopSignal"):
        if cfg.get(key) not in (None, "", [], {}):
            run_config[key] = cfg[key]
    return apply_changes(run_config, changes)


def commit(settings: Settings, container: Container, name: str | None, changes: list[str], comment: str = "",
           author: str = "") -> Any:
    from nerdpy.images.assemble import Base, Step, assemble, store_layer
    from nerdpy.images.importer import now_rfc3339
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
        layer = store_layer(store, lambda out: write_diff_tar(snapshotter.upper_dir(container.id), out))
        step = Step(" ".join(container.cfg.get("Cmd") or []), layer, comment, author=author)
        top = {"author": author} if author else {}
        return assemble(store, Base.of(parent), _run_config(parent.config, container, changes), [step],
                        now_rfc3339(), [name] if name else [], top)


