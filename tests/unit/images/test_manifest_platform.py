"""Manifest/index/config parsing, platform matching, --change instructions."""

from __future__ import annotations

import json

import pytest

from nerdpy.errors import DataCorrupted, InvalidArgument, NotFound
from nerdpy.images import manifest as mf
from nerdpy.images.changes import apply_changes
from nerdpy.images.platform import Platform, matches, parse_platform
from tests.fixtures import images as fx


def test_parse_oci_and_docker_manifests():
    for docker in (False, True):
        img = fx.build_image([fx.LayerSpec().file("/a", "a")], docker=docker)
        m = mf.parse_manifest(img.manifest.data)
        assert m.config.digest == img.id
        assert [x.digest for x in m.layers] == [x.digest for x in img.layers]
        assert m.media_type == (mf.DOCKER_MANIFEST if docker else mf.OCI_MANIFEST)


def test_manifest_errors():
    with pytest.raises(DataCorrupted):
        mf.parse_manifest(b"not json")
    with pytest.raises(DataCorrupted, match="limit"):
        mf.parse_manifest(b" " * (mf.MANIFEST_MAX + 1))
    doc = {"schemaVersion": 2, "mediaType": mf.OCI_MANIFEST,
           "config": {"mediaType": "application/x-unknown", "digest": "sha256:" + "a" * 64, "size": 1}, "layers": []}
    with pytest.raises(InvalidArgument, match="config media type"):
        mf.parse_manifest(json.dumps(doc).encode())
    doc["config"]["mediaType"] = mf.OCI_CONFIG
    doc["layers"] = [{"mediaType": "application/x-weird", "digest": "sha256:" + "b" * 64, "size": 1}]
    with pytest.raises(InvalidArgument, match="layer media type"):
        mf.parse_manifest(json.dumps(doc).encode())
    doc["layers"] = [{"mediaType": mf.OCI_LAYER, "digest": "md5:abc", "size": 1}]
    with pytest.raises(DataCorrupted, match="digest"):
        mf.parse_manifest(json.dumps(doc).encode())
    with pytest.raises(InvalidArgument, match="schema1"):
        mf.parse_manifest(json.dumps({"schemaVersion": 1, "fsLayers": []}).encode())


def test_choose_manifest_by_platform():
    idx = fx.two_platform_index()
    index = mf.parse_index(idx.index.data)
    assert index.manifests[0].digest == idx.images[0].digest
    arm = mf.choose_manifest(index, parse_platform("linux/arm64"))
    assert arm.digest == idx.images[1].digest
    assert mf.choose_manifest(index, parse_platform("linux/arm64/v8")).digest == arm.digest
    with pytest.raises(NotFound, match="available: linux/amd64, linux/arm64"):
        mf.choose_manifest(index, parse_platform("linux/riscv64"))


def test_platforms():
    assert parse_platform("arm64") == Platform("linux", "arm64", "")
    assert parse_platform("linux/aarch64") == Platform("linux", "arm64", "")
    assert parse_platform("linux/arm") == Platform("linux", "arm", "v7")
    assert parse_platform("linux/x86_64") == Platform("linux", "amd64", "")
    assert matches(parse_platform("linux/arm/v7"), Platform("linux", "arm", ""))
    assert not matches(parse_platform("linux/arm/v6"), Platform("linux", "arm", "v7"))
    for bad in ("", "linux/", "a/b/c/d", "windows/amd64"):
        with pytest.raises(InvalidArgument):
            parse_platform(bad)


def test_changes():
    cfg = apply_changes({"Env": ["A=0"]}, [
        'CMD ["/bin/sh", "-c", "echo hi"]', "ENTRYPOINT /init", "ENV A=1 B=two", "ENV C some value",
        "EXPOSE 80 53/udp", "LABEL k=v x=\"y z\"", "WORKDIR /w", "USER 1000:1000", "VOLUME /data",
        "STOPSIGNAL SIGTERM",
    ])
    assert cfg["Cmd"] == ["/bin/sh", "-c", "echo hi"]
    assert cfg["Entrypoint"] == ["/bin/sh", "-c", "/init"]
    assert cfg["Env"] == ["A=1", "B=two", "C=some value"]
    assert cfg["ExposedPorts"] == {"80/tcp": {}, "53/udp": {}}
    assert cfg["Labels"] == {"k": "v", "x": "y z"}
    assert (cfg["WorkingDir"], cfg["User"], cfg["StopSignal"]) == ("/w", "1000:1000", "SIGTERM")
    assert cfg["Volumes"] == {"/data": {}}
    for bad in ("RUN echo", "EXPOSE 99999", "ENV", "LABEL novalue", "FROM x"):
        with pytest.raises(InvalidArgument):
            apply_changes({}, [bad])
