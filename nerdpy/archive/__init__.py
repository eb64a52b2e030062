"""Layer archives: safe application of (hostile) tar layers, and the reverse (diffs as layers).

`apply_layer(stream, root, options)` (nerdpy.archive.apply) writes a layer into
a directory using Python's tarfile only as a parser; every write is confined to
`root` (openat2 RESOLVE_IN_ROOT for parents, no-follow operations for names).
`write_diff` (nerdpy.archive.diff) produces a layer tar from a directory of
changes. Compression (gzip, zstd, none) is detected from magic bytes.
"""

from __future__ import annotations

import enum
from nerdpy.records import record

# Far above any real layer, far below what fills a disk by surprise.
DEFAULT_MAX_LAYER_SIZE = 64 << 30
DEFAULT_MAX_ENTRIES = 5_000_000


class Whiteouts(str, enum.Enum):
    """How `.wh.` entries are materialised."""

    DELETE = "delete"  # remove the target (native copies, or applying through a mounted overlay)
    OVERLAY = "overlay"  # kernel overlay format: 0:0 char device, opaque xattr (trusted.* or user.*)


@record
class ApplyOptions:
    max_size: int = DEFAULT_MAX_LAYER_SIZE  # uncompressed bytes, the decompression-bomb guard
    max_entries: int = DEFAULT_MAX_ENTRIES
    whiteouts: Whiteouts = Whiteouts.DELETE
    opaque_xattr: str = "trusted.overlay.opaque"  # Whiteouts.OVERLAY: "user.overlay.opaque" with userxattr
    in_userns: bool | None = None  # None: detect; decides whether device nodes can be created
    same_owner: bool = True  # apply the uid/gid from the tar headers
    # Whiteouts.OVERLAY only: the root is an overlay upper dir over these lower dirs (nearest
    # first); paths resolve through them as in the merged view (nerdpy.archive.layered).
    lowers: tuple[str, ...] = ()


@record
class ApplyResult:
    diff_id: str  # sha256 of the whole uncompressed stream, trailing bytes included
    size: int  # uncompressed bytes read
    entries: int
    warnings: tuple[str, ...] = ()


__all__ = ["ApplyOptions", "ApplyResult", "Whiteouts", "DEFAULT_MAX_LAYER_SIZE", "DEFAULT_MAX_ENTRIES"]
