"""`commit`: a new image = the container's image + one layer holding what the
container changed (its snapshot's changeset, nerdpy.snapshots.diff: every storage
driver, read race-free). A running container is paused meanwhile, as Docker does
(`--pause=false` skips that)."""

from __future__ import annotations

import os
import stat
from contextlib import contextmanager

from nerdpy.config import Settings
from nerdpy.containers import Container
from nerdpy.containers.changes import GENERATED
from nerdpy.errors import InvalidArgument, Unavailable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO, Iterator


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


def _run_config(parent: dict[str, Any], container: Container, changes: list[str]) -> dict[str, Any]:
    from nerdpy.images.changes import apply_changes

    cfg = container.cfg
    run_config = dict(parent.get("config") or {})
    for key in ("Env", "Cmd", "Entrypoint", "WorkingDir", "User", "Labels", "ExposedPorts", "Volumes", "StopSignal"):
        if cfg.get(key) not in (None, "", [], {}):
            run_config[key] = cfg[key]
    return apply_changes(run_config, changes)


def commit(settings: Settings, container: Container, name: str | None, changes: list[str], comment: str = "",
           author: str = "", pause: bool = True) -> Any:
    from nerdpy.images.assemble import Base, Step, assemble, store_layer
    from nerdpy.images.importer import now_rfc3339
    from nerdpy.images.store import ImageStore

    if not container.image_id:
        raise InvalidArgument("a --rootfs container has no image to commit onto")
    store = ImageStore(settings)
    parent = store.get(container.image_id)
    with store.ingest_guard():
        with paused(settings, container, pause):
            try:
                layer = store_layer(store, lambda out: write_diff_tar(settings, container, out))
            except OSError as exc:
                raise Unavailable(f"cannot commit container {container.name}: {exc.strerror or exc}") from None
        step = Step(" ".join(container.cfg.get("Cmd") or []), layer, comment, author=author)
        # Docker's image config carries both at the top too (`inspect -f '{{.Comment}}'`).
        top = {key: value for key, value in (("author", author), ("comment", comment)) if value}
        return assemble(store, Base.of(parent), _run_config(parent.config, container, changes), [step],
                        now_rfc3339(), [name] if name else [], top)


