"""assemble: layer + config + history -> a stored image (the path commit and build share)."""

from __future__ import annotations

import io
import tarfile

from nerdpy.images.assemble import Base, Step, assemble, store_layer
from tests.fixtures import images as fx


def _tar(out, name=b"hello", data=b"hi\n"):
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(name.decode())
        info.size, info.mtime = len(data), 0
        tar.addfile(info, io.BytesIO(data))


def test_base_plus_steps(store, add_image):
    parent = add_image(store, fx.busybox_image(), "busybox")
    with store.ingest_guard():
        layer = store_layer(store, _tar)
        steps = [Step("ENV A=1"), Step("RUN /bin/sh -c x # buildkit", layer, "buildkit.dockerfile.v0")]
        image = assemble(store, Base.of(parent), {"Env": ["A=1"], "Cmd": ["sh"]}, steps,
                         "2026-01-01T00:00:00Z", ["one:1", "two:2"])
    assert layer.diff_id == layer.descriptor.digest  # stored uncompressed
    assert image.diff_ids == parent.diff_ids + [layer.diff_id]
    assert [d.digest for d in image.layers] == [d.digest for d in parent.layers] + [layer.diff_id]
    history = image.config["history"][len(parent.config.get("history") or []):]
    assert history == [
        {"created": "2026-01-01T00:00:00Z", "created_by": "ENV A=1", "empty_layer": True},
        {"created": "2026-01-01T00:00:00Z", "created_by": "RUN /bin/sh -c x # buildkit",
         "comment": "buildkit.dockerfile.v0"}]
    assert image.config["config"] == {"Env": ["A=1"], "Cmd": ["sh"]}
    assert image.config["architecture"] == parent.config["architecture"]
    assert sorted(store.get(image.id).names) == ["docker.io/library/one:1", "docker.io/library/two:2"]


def test_scratch_and_same_input_same_digest(store):
    def build():
        with store.ingest_guard():
            layer = store_layer(store, _tar)
            return assemble(store, Base(), {"Cmd": ["/hello"]}, [Step("COPY hello / # buildkit", layer)],
                            "1970-01-01T00:00:00Z", top={"os": "linux", "architecture": "amd64"})
    first, second = build(), build()
    assert first.id == second.id and first.manifest_descriptor.digest == second.manifest_descriptor.digest
    assert first.names == () and first.diff_ids == [first.layers[0].digest]
    assert first.config["rootfs"] == {"type": "layers", "diff_ids": first.diff_ids}
