"""The API of a container's filesystem changes: diff, export, commit."""

from __future__ import annotations

from nerdpy.config import Settings

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO


def diff(settings: Settings, ref: str) -> list[tuple[str, str]]:
    """(kind, path) per change in the container's layer: A, C or D, as `docker diff`."""
    from nerdpy.api.containers import get
    from nerdpy.containers.changes import diff as do_diff

    record, _ = get(settings, ref)
    return do_diff(settings, record)


def export(settings: Settings, ref: str, out: BinaryIO) -> None:
    """Write the container's filesystem to `out` as a tar stream."""
    from nerdpy.api.containers import get
    from nerdpy.containers.changes import export as do_export

    record, _ = get(settings, ref)
    do_export(settings, record, out)


def commit(settings: Settings, ref: str, repository: str | None, changes: list[str], message: str = "",
           author: str = "", pause: bool = True) -> Any:
    """A new image from the container's changes (Dockerfile `changes` applied); the Image.
    A running container is paused meanwhile unless `pause` is false (Docker's default)."""
    from nerdpy.api.containers import get
    from nerdpy.containers.commit import commit as do_commit

    record, _ = get(settings, ref)
    return do_commit(settings, record, repository, changes, message, author, pause=pause)
