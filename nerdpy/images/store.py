"""Local images: `ImageStore`, names -> records in sqlite (tables drawn in
`nerdpy.images.schema`), bytes in the content store; records read as
`nerdpy.images.image.Image`.

GC (`gc`): holds `locks/gc.lock` exclusively, marks image_blobs of every image,
sweeps every other blob. Writers of new content hold gc.lock shared
(`ingest_guard()`) from their first blob until their image row is committed, so a
concurrent GC never removes blobs that are about to be referenced.
"""

from __future__ import annotations

import builtins
import json
import re
import time
from contextlib import contextmanager
from pathlib import Path

from nerdpy.config import Settings
from nerdpy.content import Descriptor
from nerdpy.content.store import ContentStore
from nerdpy.errors import Conflict, DataCorrupted, InvalidArgument, NotFound
from nerdpy.images import manifest as mf
from nerdpy.images.image import Image
from nerdpy.images.layer_sizes import SELECT_IMAGES, image_size, layer_sizes, record_sizes, set_layers
from nerdpy.images.platform import Platform, format_platform, parse_platform
from nerdpy.images.schema import DOMAIN, MIGRATIONS
from nerdpy.locks import file_lock
from nerdpy.metadata import Database, open_database
from nerdpy.reference import parse

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Iterator

INGEST_KEEP_S = 24 * 3600.0  # a killed pull's partial download stays this long for a resume
_HEX_PREFIX = re.compile(r"(?:sha256:)?([a-f0-9]{1,64})\Z")


class ImageStore:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.content = ContentStore(settings.layout.content_dir)
        self.db: Database = open_database(settings.layout.meta_db)
        self.db.ensure_schema(DOMAIN, MIGRATIONS)
        self.locks_dir: Path = settings.layout.locks_dir

    # -- reading -------------------------------------------------------------
    def list(self) -> list[Image]:
        rows = self.db.query(f"{SELECT_IMAGES} FROM images ORDER BY created_at DESC")
        names = self._names_by_manifest()
        return [self._image(row, names.get(row["manifest_digest"], ())) for row in rows]

    def get(self, ref_or_id: str) -> Image:
        image = self.find(ref_or_id)
        if image is None:
            raise NotFound(f"No such image: {ref_or_id}")
        return image

    def find(self, ref_or_id: str) -> Image | None:
        """By `sha256:` ID (prefix), by name (`busybox` = docker.io/library/busybox:latest,
        `name@digest`), then by ID prefix, as Docker resolves them."""
        text = ref_or_id.strip()
        if text.startswith("sha256:"):
            return self._by_id_prefix(text, strict=True)
        try:
            ref = parse(text)
        except InvalidArgument:
            ref = None
        if ref is not None:
            image = self._by_name(str(ref)) if not ref.digest else self._by_digest_ref(ref.name, ref.digest)
            if image is not None:
                return image
        return self._by_id_prefix(text, strict=False)

    def _by_name(self, name: str) -> Image | None:
        rows = self.db.query(
            f"{SELECT_IMAGES} FROM image_names JOIN images USING (manifest_digest) WHERE name = ?", (name,)
        )
        return self._with_names(rows[0]) if rows else None

    def _by_digest_ref(self, repo: str, digest: str) -> Image | None:
        rows = self.db.query(
            f"{SELECT_IMAGES} FROM images JOIN image_names USING (manifest_digest) "
            "WHERE (target_digest = ? OR manifest_digest = ?) AND (name LIKE ? OR name LIKE ?)",
            (digest, digest, repo + ":%", repo + "@%"),
        )
        return self._with_names(rows[0]) if rows else None

    def _by_id_prefix(self, text: str, strict: bool) -> Image | None:
        match = _HEX_PREFIX.match(text)
        if not match:
            if strict:
                raise InvalidArgument(f"invalid image ID {text!r}")
            return None
        rows = self.db.query(
            f"{SELECT_IMAGES} FROM images WHERE config_digest LIKE ? OR manifest_digest = ? ORDER BY updated_at DESC",
            ("sha256:" + match.group(1) + "%", "sha256:" + match.group(1)),
        )
        ids = {row["config_digest"] for row in rows}
        if len(ids) > 1:
            raise Conflict(f"image ID prefix {text!r} is ambiguous", hint="give more characters of the ID")
        return self._with_names(rows[0]) if rows else None

    def records_with_id(self, image_id: str) -> builtins.list[Image]:
        """Every record with this config digest (one image can be stored via several manifests)."""
        rows = self.db.query(f"{SELECT_IMAGES} FROM images WHERE config_digest = ?", (image_id,))
        return [self._with_names(row) for row in rows]

    # -- writing -------------------------------------------------------------
    def put(
        self,
        name: str | None,
        target: Descriptor,
        platform: Platform | str | None = None,
        labels: dict[str, str] | None = None,
        layer_sizes: dict[str, int] | None = None,
    ) -> Image:
        """Record an image whose blobs are already in the content store; point `name` at it.

        `target` is an index or a manifest; an index is resolved for `platform`
        (default: the host). A name that pointed elsewhere moves; the old image
        stays, dangling, as in Docker. `layer_sizes` maps diff IDs to uncompressed
        sizes the caller measured.
        """
        want = parse_platform(platform) if isinstance(platform, str) else platform
        manifest_desc, manifest = mf.resolve(self.content, target, want)
        config = mf.parse_config(self.content.read_bytes(manifest.config.digest, mf.CONFIG_MAX))
        missing = [layer.digest for layer in manifest.layers if not self.content.has(layer.digest)]
        if missing:
            raise NotFound(f"image {target.digest}: layer {missing[0]} is not in the content store")
        if len(config["rootfs"]["diff_ids"]) != len(manifest.layers):
            raise DataCorrupted(f"image {target.digest}: config lists {len(config['rootfs']['diff_ids'])} "
                                f"diff_ids for {len(manifest.layers)} layers")
        blobs = {target.digest, manifest_desc.digest, manifest.config.digest, *(x.digest for x in manifest.layers)}
        blobs |= mf.present_children(self.content, target)
        size = manifest.config.size + sum(x.size for x in manifest.layers)
        plat = format_platform(mf.config_platform(config))
        full_name = str(parse(name)) if name else None
        now = time.time()
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO images VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(manifest_digest) DO UPDATE SET "
                "target_media_type=excluded.target_media_type, target_digest=excluded.target_digest, "
                "target_size=excluded.target_size, labels=excluded.labels, updated_at=excluded.updated_at",
                (manifest_desc.digest, target.media_type or manifest_desc.media_type, target.digest, target.size,
                 manifest_desc.media_type, manifest_desc.size, manifest.config.digest, plat, size,
                 json.dumps(labels or {}), now, now),
            )
            # Replace, not add: a record re-put with another target must not keep marking the old one.
            conn.execute("DELETE FROM image_blobs WHERE manifest_digest = ?", (manifest_desc.digest,))
            conn.executemany(
                "INSERT INTO image_blobs VALUES (?, ?)", [(manifest_desc.digest, b) for b in sorted(blobs)]
            )
            set_layers(conn, manifest_desc.digest, config["rootfs"]["diff_ids"], manifest.layers)
            record_sizes(conn, layer_sizes or {})
            if full_name:
                self._set_name(conn, full_name, manifest_desc.digest, now)
        return self.get_record(manifest_desc.digest)

    def record_layer_sizes(self, sizes: dict[str, int]) -> None:
        """Uncompressed sizes measured while decompressing layers (unpack calls this)."""
        if sizes:
            with self.db.transaction() as conn:
                record_sizes(conn, sizes)

    def layer_sizes(self, image: Image) -> builtins.list[int]:
        """Per layer, bottom first: the uncompressed size, or the blob size when unknown."""
        return layer_sizes(self.db, image.manifest_descriptor.digest) or [layer.size for layer in image.layers]

    def get_record(self, manifest_digest: str) -> Image:
        rows = self.db.query(f"{SELECT_IMAGES} FROM images WHERE manifest_digest = ?", (manifest_digest,))
        if not rows:
            raise NotFound(f"No such image: {manifest_digest}")
        return self._with_names(rows[0])

    def tag(self, source: str | Image, new_name: str) -> Image:
        """Point `new_name` at `source` (a reference, an ID, or an Image)."""
        image = source if isinstance(source, Image) else self.get(source)
        name = str(parse(new_name))
        with self.db.transaction() as conn:
            self._set_name(conn, name, image.manifest_descriptor.digest, time.time())
        return self.get_record(image.manifest_descriptor.digest)

    def untag(self, name: str) -> Image:
        """Remove one name; return the image it named (now possibly dangling)."""
        full = str(parse(name))
        image = self._by_name(full)
        if image is None:
            raise NotFound(f"No such image: {name}")
        with self.db.transaction(freeing=True) as conn:
            conn.execute("DELETE FROM image_names WHERE name = ?", (full,))
        return self.get_record(image.manifest_descriptor.digest)

    def delete(self, image: Image) -> None:
        """Drop the record and its names; blobs go at the next `gc`."""
        with self.db.transaction(freeing=True) as conn:
            conn.execute("DELETE FROM images WHERE manifest_digest = ?", (image.manifest_descriptor.digest,))

    @staticmethod
    def _set_name(conn: Any, name: str, manifest_digest: str, now: float) -> None:
        conn.execute(
            "INSERT INTO image_names VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
            "manifest_digest = excluded.manifest_digest, tagged_at = excluded.tagged_at",
            (name, manifest_digest, now),
        )

    # -- garbage collection ---------------------------------------------------
    @contextmanager
    def ingest_guard(self) -> Iterator[None]:
        """Hold while writing blobs that a not-yet-committed image will reference."""
        with file_lock(self.locks_dir / "gc.lock", shared=True):
            yield

    def gc(self, also: Callable[[], None] | None = None, wait: bool = True,
           ingest_age: float = INGEST_KEEP_S) -> tuple[builtins.list[str], int]:
        """Delete every blob no image holds; return (digests removed, bytes freed).

        `also` runs under the same exclusive gc.lock (the API sweeps snapshots there);
        `wait=False` gives up at once when another process holds the lock. Partial
        pulls nobody writes are kept `ingest_age` seconds for a resume (0: `system prune`)."""
        removed: builtins.list[str] = []
        freed = 0
        with file_lock(self.locks_dir / "gc.lock", wait=wait) as held:
            if not held:
                return [], 0
            marked = {row[0] for row in self.db.query("SELECT DISTINCT digest FROM image_blobs")}
            with self.db.transaction(freeing=True) as conn:  # sizes of layers no image has any more
                conn.execute("DELETE FROM layer_sizes WHERE diff_id NOT IN (SELECT diff_id FROM image_layers)")
            for info in list(self.content.walk()):
                if info.digest in marked:
                    continue
                try:
                    self.content.delete(info.digest)
                except NotFound:
                    continue
                removed.append(info.digest)
                freed += info.size
            # Pulls resume their partial downloads; loads and imports use one-off refs.
            self.content.prune_ingests(older_than_s=ingest_age, any_age=("load-", "import-", "bytes-"))
            if also is not None:
                also()
        return removed, freed

    # -- rows -> Image ----------------------------------------------------------
    def _names_by_manifest(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {}
        for row in self.db.query("SELECT name, manifest_digest FROM image_names ORDER BY tagged_at, name"):
            out.setdefault(row["manifest_digest"], []).append(row["name"])
        return {k: tuple(v) for k, v in out.items()}

    def _with_names(self, row: Any) -> Image:
        names = self.db.query(
            "SELECT name FROM image_names WHERE manifest_digest = ? ORDER BY tagged_at, name", (row["manifest_digest"],)
        )
        return self._image(row, tuple(r["name"] for r in names))

    def _image(self, row: Any, names: tuple[str, ...]) -> Image:
        plat = row["platform"].split("/")
        return Image(
            names=names,
            target=Descriptor(row["target_media_type"], row["target_digest"], row["target_size"]),
            manifest_descriptor=Descriptor(row["manifest_media_type"], row["manifest_digest"], row["manifest_size"]),
            id=row["config_digest"],
            platform=Platform(plat[0], plat[1] if len(plat) > 1 else "", plat[2] if len(plat) > 2 else ""),
            size=image_size(self.db, self.content, row),
            labels=json.loads(row["labels"] or "{}"),
            stored_at=row["created_at"],
            updated_at=row["updated_at"],
            content=self.content,
        )


__all__ = ["INGEST_KEEP_S", "ImageStore"]
