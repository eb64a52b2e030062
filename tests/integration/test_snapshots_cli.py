"""Hostile and tricky images end to end: push to a real registry, `nerdpy pull`
(which unpacks), `nerdpy run` on the result; as root and in the rootless namespace."""

from __future__ import annotations

import os
import uuid

from tests.conftest import requires


@requires("userns", "docker-registry", "busybox", "runc")
def test_symlink_escape_is_contained_end_to_end(nerdpy, registry, images):
    marker = f"nerdpy-escape-{uuid.uuid4().hex[:8]}"
    one = images.LayerSpec().symlink("/escape", "/").symlink("/up", "../../../../..")
    two = images.LayerSpec().file(f"/escape/tmp/{marker}", "inside\n").file(f"/up/tmp/{marker}-2", "inside2\n")
    image = images.build_image([images.busybox_rootfs(), one, two])
    images.push(registry, "snaptest/escape", "latest", image)
    ref = f"{registry}/snaptest/escape:latest"
    nerdpy("pull", "-q", ref, timeout=120)
    assert not os.path.exists(f"/tmp/{marker}") and not os.path.exists(f"/tmp/{marker}-2")
    out = nerdpy("run", "--rm", ref, "cat", f"/tmp/{marker}", f"/tmp/{marker}-2", timeout=120).stdout
    assert out == "inside\ninside2\n"


@requires("userns", "docker-registry", "busybox")
def test_traversal_layer_fails_with_one_line(nerdpy, registry, images):
    bad = images.LayerSpec().file("/tmp/../../../evil", "x")
    images.push(registry, "snaptest/evil", "latest", images.build_image([images.busybox_rootfs(), bad]))
    result = nerdpy("pull", "-q", f"{registry}/snaptest/evil:latest", check=False, timeout=120)
    assert result.returncode == 125, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "points outside the root" in lines[0] and "Traceback" not in result.stderr
    assert not os.path.exists("/evil")


@requires("userns", "docker-registry", "busybox", "runc")
def test_tricky_image_as_the_container_sees_it(nerdpy, registry, images):
    images.push(registry, "snaptest/tricky", "latest",
                images.build_image([images.busybox_rootfs(), *images.tricky_layers()]))
    ref = f"{registry}/snaptest/tricky:latest"
    nerdpy("pull", "-q", ref, timeout=120)
    script = ("cat /data/keep; ls /opaque; test ! -e /data/gone && echo gone; "
              "stat -c '%a %u:%g %n' /bin/su-copy /data/nobody-file /data/userdir /data/user-file; "
              "test -p /data/fifo && echo fifo; readlink /data/link")
    out = nerdpy("run", "--rm", ref, "sh", "-c", script, timeout=120).stdout.splitlines()
    assert out == ["v2", "new", "gone", "4755 0:0 /bin/su-copy", "600 65534:65534 /data/nobody-file",
                   "750 1000:1000 /data/userdir", "644 1000:1000 /data/user-file", "fifo", "keep"], out
