"""Image sizes as Docker shows them: the sum of the layers' uncompressed sizes.

Tables (images domain, schema v2; drawn in nerdpy.images.schema): `image_layers`
(an image's diff IDs and blob sizes, in order) and `layer_sizes` (uncompressed
size per diff ID, measured by load, import and unpack). A layer never
decompressed here counts with its blob size; a record from before v2 gets its
`image_layers` rows the first time it is read.
"""

from __future__ import annotations

from nerdpy.content import Descriptor
from nerdpy.errors import NerdpyError
from nerdpy.images import manifest as mf

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable

# Every image query selects this too: the uncompressed size, NULL for a record without layer rows.
SELECT_IMAGES = (
    "SELECT images.*, (SELECT SUM(COALESCE(layer_sizes.size, image_layers.blob_size)) FROM image_layers "
    "LEFT JOIN layer_sizes USING (diff_id) WHERE image_layers.manifest_digest = images.manifest_digest) "
    "AS layers_size"
)


def set_layers(conn: Any, manifest_digest: str, diff_ids: list[Any], layers: Iterable[Descriptor]) -> None:
    conn.execute("DELETE FROM image_layers WHERE manifest_digest = ?", (manifest_digest,))
    conn.executemany("INSERT INTO image_layers VALUES (?, ?, ?, ?)",
                     [(manifest_digest, i, str(d), layer.size) for i, (d, layer) in enumerate(zip(diff_ids, layers))])


def record_sizes(conn: Any, sizes: dict[str, int]) -> None:
    # A measurement is authoritative: it replaces whatever was recorded for that diff ID.
    conn.executemany("INSERT OR REPLACE INTO layer_sizes VALUES (?, ?)", [(d, int(n)) for d, n in sizes.items()])


def layer_sizes(db: Any, manifest_digest: str) -> list[int]:
    """Per layer, bottom first (empty for a record without layer rows)."""
    rows = db.query(
        "SELECT COALESCE(layer_sizes.size, blob_size) AS size FROM image_layers LEFT JOIN layer_sizes "
        "USING (diff_id) WHERE manifest_digest = ? ORDER BY position", (manifest_digest,))
    return [row["size"] for row in rows]


def image_size(db: Any, content: Any, row: Any) -> int:
    """The size of the image in `row` (selected with SELECT_IMAGES); backfills a v1 record."""
    if row["layers_size"] is not None:
        return int(row["layers_size"])
    digest = row["manifest_digest"]
    try:
        manifest = mf.parse_manifest(content.read_bytes(digest, mf.MANIFEST_MAX), row["manifest_media_type"])
        config = mf.parse_config(content.read_bytes(row["config_digest"], mf.CONFIG_MAX))
        with db.transaction() as conn:
            set_layers(conn, digest, config["rootfs"]["diff_ids"], manifest.layers)
    except (NerdpyError, KeyError, TypeError):  # damaged content: show what was recorded
        return int(row["size"])
    return sum(layer.size for layer in manifest.layers)
