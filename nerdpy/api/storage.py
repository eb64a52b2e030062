"""Storage checks the CLI needs before it creates anything (the snapshots area's rules)."""

from __future__ import annotations

from nerdpy.config import Settings

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Sequence


def check_container_storage_opts(settings: Settings, entries: Sequence[str]) -> None:
    """`run/create --storage-opt`: refuse with one line (Docker's only key, size, has no driver here)."""
    from nerdpy.snapshots import get_snapshotter
    from nerdpy.snapshots.options import check_container

    check_container(get_snapshotter(settings).name, entries)
