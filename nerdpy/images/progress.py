"""Progress events of a pull or push, one per layer step, as Docker prints them."""

from __future__ import annotations

from nerdpy.records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable


@record
class Progress:
    """One progress event; `id` is the short layer digest (12 hex) or "" for the image."""

    id: str
    status: str  # Pulling fs layer, Downloading, Verifying Checksum, Download complete, Extracting, Pull complete, Already exists
    current: int = 0
    total: int = 0


if TYPE_CHECKING:
    ProgressFn = Callable[[Progress], None]


def silent(_: Progress) -> None:
    """The progress function of a caller that shows none."""
    return None


def short_id(digest: str) -> str:
    """The 12 hex digits Docker shows for a layer."""
    return digest.split(":", 1)[-1][:12]
