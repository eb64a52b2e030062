"""The tables of metadata domain "images" (sqlite, `<data_root>/meta.db`) and their migrations::

    images                          one row per stored image (a resolved platform manifest)
      manifest_digest  TEXT PK      the platform manifest actually used
      target_*         TEXT/INT     what was pulled/loaded/imported: an index or that manifest
      manifest_media_type, manifest_size
      config_digest    TEXT         the image ID (as Docker's: the config digest)
      platform         TEXT         os/arch[/variant]
      size             INTEGER      sum of config and layer blob sizes (compressed; a fallback only)
      labels           TEXT         JSON object (nerdpy's own labels, not the config's)
      created_at, updated_at REAL   when stored / last changed here
    image_names                     name -> image; an image without names is dangling (<none>)
      name             TEXT PK      normalised reference, `docker.io/library/busybox:latest`
      manifest_digest  TEXT         -> images (ON DELETE CASCADE)
      tagged_at        REAL
    image_blobs                     every blob an image holds (target, manifests, config, layers)
      manifest_digest, digest       PK together; GC marks exactly these
    image_layers                    (v2) an image's layers in order
      manifest_digest, position     PK together; -> images (ON DELETE CASCADE)
      diff_id          TEXT         the uncompressed digest (config rootfs.diff_ids[position])
      blob_size        INTEGER      the layer blob's size as stored (compressed)
    layer_sizes                     (v2) uncompressed size per diff_id, recorded whenever a
      diff_id          TEXT PK      layer is decompressed (load, import, unpack) or is stored
      size             INTEGER      uncompressed; one value per diff_id, so shared by images

An image's size, as Docker shows it, is the sum of its layers' uncompressed sizes:
`layer_sizes.size`, falling back to `image_layers.blob_size` for a layer never
decompressed here. Records from before v2 get their `image_layers` rows on first read.
"""

DOMAIN = "images"
MIGRATIONS = [
    """
    CREATE TABLE images (
        manifest_digest TEXT PRIMARY KEY,
        target_media_type TEXT NOT NULL, target_digest TEXT NOT NULL, target_size INTEGER NOT NULL,
        manifest_media_type TEXT NOT NULL, manifest_size INTEGER NOT NULL,
        config_digest TEXT NOT NULL, platform TEXT NOT NULL, size INTEGER NOT NULL,
        labels TEXT NOT NULL DEFAULT '{}', created_at REAL NOT NULL, updated_at REAL NOT NULL);
    CREATE INDEX images_config ON images(config_digest);
    CREATE TABLE image_names (
        name TEXT PRIMARY KEY,
        manifest_digest TEXT NOT NULL REFERENCES images(manifest_digest) ON DELETE CASCADE,
        tagged_at REAL NOT NULL);
    CREATE INDEX image_names_manifest ON image_names(manifest_digest);
    CREATE TABLE image_blobs (
        manifest_digest TEXT NOT NULL REFERENCES images(manifest_digest) ON DELETE CASCADE,
        digest TEXT NOT NULL, PRIMARY KEY (manifest_digest, digest));
    CREATE INDEX image_blobs_digest ON image_blobs(digest);
    """,
    """
    CREATE TABLE image_layers (
        manifest_digest TEXT NOT NULL REFERENCES images(manifest_digest) ON DELETE CASCADE,
        position INTEGER NOT NULL, diff_id TEXT NOT NULL, blob_size INTEGER NOT NULL,
        PRIMARY KEY (manifest_digest, position));
    CREATE INDEX image_layers_diff ON image_layers(diff_id);
    CREATE TABLE layer_sizes (diff_id TEXT PRIMARY KEY, size INTEGER NOT NULL);
    """,
]
