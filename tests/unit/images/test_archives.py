"""load (docker-archive classic/modern, OCI archive/dir), save round trips, import."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path

import pytest

from nerdpy.errors import DataCorrupted, InvalidArgument, NotFound
from nerdpy.images.importer import import_rootfs
from nerdpy.images.load import load_path, load_stream
from nerdpy.images.save import save, select
from nerdpy.images.store import ImageStore
from tests.fixtures import images as fx


@pytest.mark.parametrize("modern", [False, True])
def test_load_docker_archive(store, tmp_path, modern):
    img = fx.build_image([fx.busybox_rootfs(), fx.LayerSpec().file("/etc/hi", "hi\n")])
    path = fx.write_docker_archive(tmp_path / "a.tar", img, ["busybox:latest", "localhost:5000/bb:1"], modern=modern)
    [loaded] = load_path(store, path)
    assert loaded.image.id == img.id
    assert set(loaded.names) == {"docker.io/library/busybox:latest", "localhost:5000/bb:1"}
    assert loaded.image.diff_ids == [layer.diff_id for layer in img.layers]
    assert store.get("localhost:5000/bb:1").id == img.id


def test_load_oci_archive_and_dir_with_index(store, tmp_path):
    idx = fx.two_platform_index()
    [loaded] = load_path(store, fx.write_oci_archive(tmp_path / "o.tar", idx, "localhost/multi:1"))
    assert loaded.image.target.digest == idx.digest
    assert loaded.image.manifest_descriptor.digest == idx.images[0].digest
    other = ImageStore(store.settings.__class__(**{**store.settings.__dict__}))  # same store, new object
    assert other.get("localhost/multi:1").id == loaded.image.id
    [from_dir] = load_path(store, fx.write_oci_layout(tmp_path / "layout", fx.build_image([fx.LayerSpec().file("/d", "d")]), "latest"))
    assert from_dir.names == ()  # a bare tag names no repository
    assert from_dir.image.dangling


def test_load_stream_gzip(store, tmp_path):
    img = fx.busybox_image()
    raw = fx.write_docker_archive(tmp_path / "a.tar", img, ["gz:1"]).read_bytes()
    [loaded] = load_stream(store, io.BytesIO(gzip.compress(raw)))
    assert loaded.names == ("docker.io/library/gz:1",)


def _rewrite_tar(path: Path, change) -> None:
    with tarfile.open(path) as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    change(files)
    with tarfile.open(path, "w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_load_refuses_layer_not_matching_diff_id(store, tmp_path):
    img = fx.busybox_image()
    path = fx.write_docker_archive(tmp_path / "a.tar", img, ["bad:1"])
    layer = f"{img.layers[0].diff_id.split(':')[1]}/layer.tar"
    _rewrite_tar(path, lambda files: files.__setitem__(layer, fx.LayerSpec().file("/x", "evil").tar_bytes()))
    with pytest.raises(DataCorrupted, match="diff ID"):
        load_path(store, path)
    assert store.list() == []
    store.gc()
    assert list(store.content.walk()) == []


def test_load_refuses_oci_blob_not_matching_digest(store, tmp_path):
    img = fx.busybox_image()
    path = fx.write_oci_archive(tmp_path / "o.tar", img, "localhost/x:1")
    blob = "blobs/sha256/" + img.id.split(":")[1]
    _rewrite_tar(path, lambda files: files.__setitem__(blob, files[blob].replace(b"amd64", b"arm64")))
    with pytest.raises(DataCorrupted):
        load_path(store, path)
    assert store.list() == []


def test_load_rejects_non_archives(store, tmp_path):
    (tmp_path / "junk").write_bytes(b"hello world" * 100)
    with pytest.raises(InvalidArgument):
        load_path(store, tmp_path / "junk")
    with tarfile.open(tmp_path / "empty.tar", "w"):
        pass
    with pytest.raises(InvalidArgument, match="not an image archive"):
        load_path(store, tmp_path / "empty.tar")
    with pytest.raises(NotFound):
        load_path(store, tmp_path / "missing.tar")


def test_save_then_load_round_trip(store, tmp_path, settings):
    a = fx.build_image([fx.busybox_rootfs(), fx.LayerSpec().file("/a", "a")], compression="zstd")
    b = fx.busybox_image()
    for img, name in ((a, "localhost/a:1"), (b, "b:latest")):
        load_path(store, fx.write_oci_archive(tmp_path / f"{img.id[7:15]}.tar", img, name))
    out = io.BytesIO()
    save(store, select(store, ["localhost/a:1", b.id]), out)
    with tarfile.open(fileobj=io.BytesIO(out.getvalue())) as tar:
        names = set(tar.getnames())
        docker = json.loads(tar.extractfile("manifest.json").read())
    assert {"index.json", "oci-layout", "manifest.json"} <= names
    assert docker[0]["RepoTags"] == ["localhost/a:1"] and docker[1]["RepoTags"] is None
    other = ImageStore(settings.__class__(**{**settings.__dict__, "layout": settings.layout.__class__(
        tmp_path / "other", tmp_path / "r2", tmp_path / "c2")}))
    loaded = load_stream(other, io.BytesIO(out.getvalue()))
    assert [x.image.id for x in loaded] == [a.id, b.id]
    assert other.get("localhost/a:1").layers[0].media_type.endswith("+zstd")


def test_import_tar_dir_and_stream(store, tmp_path):
    spec = fx.LayerSpec().dir("/bin").file("/bin/hello", "#!/bin/sh\n", mode=0o755).symlink("/bin/sh", "hello")
    tar = spec.tar_bytes()
    (tmp_path / "rootfs.tar.gz").write_bytes(gzip.compress(tar))
    img = import_rootfs(store, tmp_path / "rootfs.tar.gz", "imp:1", ["CMD /bin/hello"])
    assert img.names == ("docker.io/library/imp:1",)
    assert img.diff_ids == [img.layers[0].digest]  # stored uncompressed
    assert store.content.read_bytes(img.layers[0].digest, 1 << 20) == tar
    assert img.config["config"]["Cmd"] == ["/bin/sh", "-c", "/bin/hello"]
    root = tmp_path / "root"
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "x").write_text("x")
    (root / "bin" / "y").symlink_to("x")
    img2 = import_rootfs(store, root, None)
    assert img2.dangling
    with tarfile.open(fileobj=io.BytesIO(store.content.read_bytes(img2.layers[0].digest, 1 << 20))) as t:
        assert sorted(t.getnames()) == ["bin", "bin/x", "bin/y"]
        assert t.getmember("bin/y").issym() and t.getmember("bin/x").uname == ""
    img3 = import_rootfs(store, io.BytesIO(tar), "fromstdin")
    assert img3.layers[0].digest == img.layers[0].digest


def test_import_rejects_garbage(store, tmp_path):
    for data in (b"", b"not a tar at all" * 64):
        with pytest.raises(InvalidArgument):
            import_rootfs(store, io.BytesIO(data), "x")
    assert store.list() == []


def test_two_tags_of_one_image_load_once_each(store, tmp_path, settings):
    img = fx.busybox_image()
    load_path(store, fx.write_docker_archive(tmp_path / "a.tar", img, ["one:a", "two:b"]))
    out = io.BytesIO()
    save(store, select(store, ["one:a", "two:b"]), out)  # an index entry per tag, manifest.json: both tags
    other = ImageStore(settings.__class__(**{**settings.__dict__, "layout": settings.layout.__class__(
        tmp_path / "other", tmp_path / "r2", tmp_path / "c2")}))
    loaded = load_stream(other, io.BytesIO(out.getvalue()))
    assert [name for item in loaded for name in item.names] == [
        "docker.io/library/one:a", "docker.io/library/two:b"]  # "Loaded image:" once per name
    assert {item.image.id for item in loaded} == {img.id}


def test_save_dir_then_load_dir(store, tmp_path, settings):
    from nerdpy.errors import AlreadyExists
    from nerdpy.images.save import save_dir

    img = fx.build_image([fx.busybox_rootfs(), fx.LayerSpec().file("/dir", "d")])
    load_path(store, fx.write_docker_archive(tmp_path / "a.tar", img, ["dirsave:1"]))
    save_dir(store, select(store, ["dirsave:1"]), tmp_path / "layout")
    assert json.loads((tmp_path / "layout" / "oci-layout").read_text()) == {"imageLayoutVersion": "1.0.0"}
    with pytest.raises(AlreadyExists):
        save_dir(store, select(store, ["dirsave:1"]), tmp_path / "layout")
    other = ImageStore(settings.__class__(**{**settings.__dict__, "layout": settings.layout.__class__(
        tmp_path / "other", tmp_path / "r2", tmp_path / "c2")}))
    [loaded] = load_path(other, tmp_path / "layout")
    assert loaded.names == ("docker.io/library/dirsave:1",) and loaded.image.id == img.id


def test_load_over_an_existing_name_reports_the_old_image(store, tmp_path):
    old = fx.busybox_image()
    new = fx.build_image([fx.busybox_rootfs(), fx.LayerSpec().file("/new", "n")])
    load_path(store, fx.write_docker_archive(tmp_path / "old.tar", old, ["same:1"]))
    [loaded] = load_path(store, fx.write_docker_archive(tmp_path / "new.tar", new, ["same:1"]))
    assert loaded.replaced == (("docker.io/library/same:1", old.id),)
    assert store.get(old.id).dangling and store.get("same:1").id == new.id
    [again] = load_path(store, fx.write_docker_archive(tmp_path / "new.tar", new, ["same:1"]))
    assert again.replaced == ()


def test_load_follows_symlinked_layers_and_gzip_files(store, tmp_path):
    # docker save links a repeated layer to the first copy; the archive may also be gzip'd on disk.
    layer = fx.busybox_rootfs().tar_bytes()
    diff_id = fx.sha256(layer)
    config = fx.canonical_json({"architecture": "amd64", "os": "linux", "config": {},
                                "rootfs": {"type": "layers", "diff_ids": [diff_id, diff_id]}})
    manifest = json.dumps([{"Config": fx.sha256(config)[7:] + ".json", "RepoTags": ["twice:1"],
                            "Layers": ["a/layer.tar", "b/layer.tar"]}]).encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in (("a/layer.tar", layer), (fx.sha256(config)[7:] + ".json", config),
                           ("manifest.json", manifest)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("b/layer.tar")
        link.type, link.linkname = tarfile.SYMTYPE, "../a/layer.tar"
        tar.addfile(link)
    (tmp_path / "twice.tar.gz").write_bytes(gzip.compress(buf.getvalue()))
    [loaded] = load_path(store, tmp_path / "twice.tar.gz")
    assert loaded.names == ("docker.io/library/twice:1",)
    assert [x.digest for x in loaded.image.layers] == [diff_id, diff_id]
    assert len(list(store.content.walk())) == 3  # layer once, config, manifest
