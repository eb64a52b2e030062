"""Image sizes as Docker shows them: the sum of uncompressed layer sizes, schema v2 migration."""

from __future__ import annotations

import time

from nerdpy.formatting.human import human_size
from nerdpy.images.schema import DOMAIN, MIGRATIONS
from nerdpy.images.store import ImageStore
from nerdpy.metadata.db import Database, _open

from tests.fixtures import images as fx


def _two_layer_image() -> fx.Image:
    return fx.build_image([fx.LayerSpec().file("/a", b"a" * 50_000), fx.LayerSpec().file("/b", b"\0" * 200_000)])


def test_unknown_sizes_fall_back_to_blob_sizes_then_measured_sizes_win(store, add_image):
    img = _two_layer_image()
    image = add_image(store, img)
    compressed = sum(layer.size for layer in img.layers)
    assert image.size == compressed
    store.record_layer_sizes({img.layers[0].diff_id: len(img.layers[0].tar)})
    assert store.get("busybox").size == len(img.layers[0].tar) + img.layers[1].size
    store.record_layer_sizes({layer.diff_id: len(layer.tar) for layer in img.layers})
    uncompressed = sum(len(layer.tar) for layer in img.layers)
    assert uncompressed > compressed  # the fixture must tell the two apart
    assert [i.size for i in store.list()] == [uncompressed]
    assert store.layer_sizes(store.get("busybox")) == [len(layer.tar) for layer in img.layers]


def test_put_records_sizes_the_caller_measured(store):
    img = _two_layer_image()
    for digest, data in img.blobs().items():
        store.content.add_bytes(data, digest)
    desc = fx.Blob(img.manifest.media_type, img.manifest.data)
    from nerdpy.content import Descriptor

    image = store.put("x:1", Descriptor(desc.media_type, desc.digest, desc.size),
                      layer_sizes={layer.diff_id: len(layer.tar) for layer in img.layers})
    assert image.size == sum(len(layer.tar) for layer in img.layers)


def test_gc_forgets_sizes_of_layers_no_image_has(store, add_image):
    img = _two_layer_image()
    image = add_image(store, img)
    store.record_layer_sizes({"sha256:" + "0" * 64: 5, img.layers[0].diff_id: 7})
    store.gc()
    rows = {r["diff_id"] for r in store.db.query("SELECT diff_id FROM layer_sizes")}
    assert rows == {img.layers[0].diff_id}
    store.delete(image)
    store.gc()
    assert store.db.query("SELECT * FROM layer_sizes") == []


def test_v1_record_gets_layer_rows_on_first_read(settings):
    """A store written before schema v2 (no image_layers) shows sizes after the migration."""
    img = _two_layer_image()
    db = Database(settings.layout.meta_db)
    db.ensure_schema(DOMAIN, MIGRATIONS[:1])
    from nerdpy.content.store import ContentStore

    content = ContentStore(settings.layout.content_dir)
    for digest, data in img.blobs().items():
        content.add_bytes(data, digest)
    now = time.time()
    with db.transaction() as conn:
        conn.execute("INSERT INTO images VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                     (img.digest, img.manifest.media_type, img.digest, img.manifest.size, img.manifest.media_type,
                      img.manifest.size, img.id, "linux/amd64", 1, "{}", now, now))
        conn.execute("INSERT INTO image_names VALUES (?,?,?)", ("docker.io/library/old:latest", img.digest, now))
    db.close()
    _open.clear()
    store = ImageStore(settings)  # migrates to v2
    assert store.get("old").size == sum(layer.size for layer in img.layers)
    assert len(store.db.query("SELECT * FROM image_layers")) == 2
    store.record_layer_sizes({layer.diff_id: len(layer.tar) for layer in img.layers})
    assert store.get("old").size == sum(len(layer.tar) for layer in img.layers)


def test_human_size_matches_docker():
    """go-units HumanSizeWithPrecision(size, 3), 1000-based."""
    assert [human_size(n) for n in (0, 999, 1000, 7_370_000, 123_456_789, 1_234_567_890)] == [
        "0B", "999B", "1kB", "7.37MB", "123MB", "1.23GB"]
