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
# A layer may also inflate to at most this many times its compressed size, past a
# floor of 1/64 of the size limit (1 GiB by default; small layers of zeros are
# common and harmless): the size limit alone lets ~64 MB of gzipped zeros fill
# 64 GiB. Real layers inflate 2-10x; zero-filled files reach ~1000x (gzip's maximum).
DEFAULT_MAX_LAYER_RATIO = 100


class Whiteouts(str, enum.Enum):
    """How `.wh.` entries are materialised."""

    DELETE = "delete"  # remove the target (native copies, or applying through a mounted overlay)
    OVERLAY = "overlay"  # kernel overlay format: 0:0 char device, opaque xattr (trusted.* or user.*)


@record
class ApplyOptions:
    max_size: int = DEFAULT_MAX_LAYER_SIZE  # uncompressed bytes, the decompression-bomb guard
    max_ratio: int = DEFAULT_MAX_LAYER_RATIO  # uncompressed / compressed bytes past max_size/64; 0: no limit
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


@record
class InflateLimit:
    """How far a layer may inflate, said the way the error says it."""

    size: int  # uncompressed bytes
    what: str  # "68719476736 bytes", "100 times its compressed size"
    setting: str  # the setting that raises it


def inflate_limit(options: ApplyOptions, compressed_size: int) -> InflateLimit:
    """The limit for a layer of `compressed_size` bytes (-1: unknown, the size limit only)."""
    if options.max_ratio and compressed_size >= 0:
        by_ratio = max(options.max_size // 64, options.max_ratio * compressed_size)
        if by_ratio < options.max_size:
            return InflateLimit(by_ratio, f"{options.max_ratio} times its compressed size "
                                          f"({by_ratio} bytes)", "max_layer_ratio")
    return InflateLimit(options.max_size, f"{options.max_size} bytes", "max_layer_size")


__all__ = ["ApplyOptions", "ApplyResult", "Whiteouts", "DEFAULT_MAX_LAYER_SIZE", "DEFAULT_MAX_ENTRIES",
           "DEFAULT_MAX_LAYER_RATIO", "InflateLimit", "inflate_limit"]
