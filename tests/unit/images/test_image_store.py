"""ImageStore: put/get/tag/untag/delete, name resolution, dangling images, GC."""

from __future__ import annotations

import pytest

from nerdpy.errors import Conflict, NotFound
from nerdpy.images.image import chain_ids
from tests.fixtures import images as fx


def test_put_and_get_by_name_and_id(store, add_image):
    img = fx.busybox_image()
    stored = add_image(store, img, "busybox")
    assert stored.names == ("docker.io/library/busybox:latest",)
    assert stored.id == img.id
    for key in ("busybox", "busybox:latest", "docker.io/library/busybox", img.id, img.id[7:19], img.id[7:]):
        assert store.get(key).id == img.id
    assert stored.diff_ids == [layer.diff_id for layer in img.layers]
    assert [d.digest for d in stored.layers] == [layer.digest for layer in img.layers]
    assert stored.chain_ids[0] == stored.diff_ids[0]
    assert stored.config["config"]["Cmd"] == ["sh"]
    assert stored.platform.architecture == "amd64"


def test_get_unknown_is_not_found(store, add_image):
    with pytest.raises(NotFound, match="No such image: nope"):
        store.get("nope")


def test_chain_ids_follow_the_spec():
    a, b = "sha256:" + "a" * 64, "sha256:" + "b" * 64
    import hashlib

    assert chain_ids([a, b]) == [a, "sha256:" + hashlib.sha256(f"{a} {b}".encode()).hexdigest()]


def test_index_resolves_host_platform_and_names_choices(store, add_image):
    idx = fx.two_platform_index()
    stored = add_image(store, idx, "multi:1")
    assert stored.target.digest == idx.digest
    assert stored.manifest_descriptor.digest == idx.images[0].digest
    with pytest.raises(NotFound, match="linux/s390x"):
        for digest, data in idx.blobs().items():
            store.content.add_bytes(data, digest)
        from nerdpy.content import Descriptor

        store.put("multi:2", Descriptor(idx.index.media_type, idx.digest, idx.index.size), platform="linux/s390x")


def test_retag_leaves_old_image_dangling_and_gc_keeps_it(store, add_image):
    old = add_image(store, fx.busybox_image(), "app:1")
    new = add_image(store, fx.build_image([fx.busybox_rootfs(), fx.LayerSpec().file("/x", "x")]), "app:1")
    assert store.get("app:1").id == new.id
    assert store.get(old.id).dangling
    removed, _ = store.gc()
    assert removed == []
    store.delete(store.get(old.id))
    removed, freed = store.gc()
    assert old.manifest_descriptor.digest in removed and freed > 0
    # Shared layers stay: the new image still uses busybox's layer.
    assert all(store.content.has(layer.digest) for layer in store.get("app:1").layers)


def test_tag_untag(store, add_image):
    add_image(store, fx.busybox_image(), "busybox")
    store.tag("busybox", "localhost:5000/bb:v1")
    assert set(store.get("busybox").names) == {"docker.io/library/busybox:latest", "localhost:5000/bb:v1"}
    left = store.untag("busybox")
    assert left.names == ("localhost:5000/bb:v1",)
    with pytest.raises(NotFound):
        store.untag("busybox")


def test_ambiguous_id_prefix(store, add_image):
    a = add_image(store, fx.busybox_image(), "a")
    b = add_image(store, fx.build_image([fx.LayerSpec().file("/y", "y")]), "b")
    common = ""
    for x, y in zip(a.id[7:], b.id[7:]):
        if x != y:
            break
        common += x
    if common:  # rarely shares a first digit; then it must be ambiguous
        with pytest.raises(Conflict):
            store.get(common)
    assert store.get(a.id[7:7 + len(common) + 1]).id == a.id


def test_reput_with_another_target_stops_marking_the_old_one(store, add_image):
    idx = fx.two_platform_index()
    via_index = add_image(store, idx, "multi:1")
    assert via_index.target.digest == idx.digest
    via_manifest = add_image(store, idx.images[0], "multi:1")  # same platform manifest, now as the target
    assert via_manifest.manifest_descriptor.digest == via_index.manifest_descriptor.digest
    removed, _ = store.gc()
    assert idx.digest in removed  # the index is no longer held by any image
    assert store.get("multi:1").target.digest == idx.images[0].digest


def test_listing_survives_a_missing_config_blob(store, add_image):
    img = add_image(store, fx.busybox_image(), "hurt:1")
    store.content.delete(img.id)
    [listed] = store.list()
    assert listed.created_ts == listed.stored_at
    from nerdpy.errors import NotFound as Missing

    with pytest.raises(Missing):
        listed.config


def test_gc_keeps_other_platforms_of_an_index_that_are_here(store, add_image):
    """A layout loaded with two platforms can be pushed or saved whole later: GC keeps both."""
    index = fx.two_platform_index()
    add_image(store, index)
    store.content.add_bytes(b"garbage")
    removed, _ = store.gc()
    assert len(removed) == 1
    assert all(store.content.has(digest) for digest in index.blobs())
