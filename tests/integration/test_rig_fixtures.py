"""The fixtures against independent real tools: the registry accepts our pushes and
skopeo/umoci read our archives, so other areas' failures are theirs, not the rig's."""

from __future__ import annotations

import json
import subprocess

import pytest
import requests

from tests.conftest import requires
from tests.fixtures import images as im

pytestmark = pytest.mark.integration


def _skopeo_inspect(ref: str) -> dict:
    out = subprocess.run(["skopeo", "inspect", "--raw", ref], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@requires("docker-registry")
def test_push_image_and_index_to_registry(registry, busybox_built):
    digest = im.push(registry, "rig/busybox", "v1", busybox_built)
    resp = requests.get(f"http://{registry}/v2/rig/busybox/manifests/v1",
                        headers={"Accept": im.OCI_MANIFEST}, timeout=10)
    assert resp.status_code == 200 and resp.headers["Docker-Content-Digest"] == digest
    idx = im.two_platform_index(docker=True)
    assert im.push(registry, "rig/multi", "v1", idx) == idx.digest
    resp = requests.get(f"http://{registry}/v2/rig/multi/manifests/v1", headers={"Accept": im.DOCKER_LIST},
                        timeout=10)
    assert json.loads(resp.content)["manifests"][1]["platform"]["architecture"] == "arm64"
    blob = requests.get(f"http://{registry}/v2/rig/busybox/blobs/{busybox_built.id}", timeout=10)
    assert blob.content == busybox_built.config.data


@requires("docker-registry", "skopeo")
def test_registry_fixture_readable_by_skopeo(registry_busybox):
    out = subprocess.run(["skopeo", "inspect", "--tls-verify=false", f"docker://{registry_busybox}"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["Architecture"] == "amd64"


@requires("skopeo")
@pytest.mark.parametrize("modern", [False, True])
def test_docker_archive_readable_by_skopeo(tmp_path, busybox_built, modern):
    path = im.write_docker_archive(tmp_path / "bb.tar", busybox_built, ["busybox:latest"], modern=modern)
    raw = _skopeo_inspect(f"docker-archive:{path}")
    assert raw["layers"][0]["size"] == len(busybox_built.layers[0].tar)


@requires("skopeo", "umoci")
def test_oci_layout_and_archive_readable(tmp_path):
    img = im.build_image([im.busybox_rootfs(), *im.tricky_layers()])
    im.write_oci_layout(tmp_path / "layout", img, "latest")
    assert _skopeo_inspect(f"oci:{tmp_path / 'layout'}:latest")["config"]["digest"] == img.id
    im.write_oci_archive(tmp_path / "img.tar", img, "latest")
    assert _skopeo_inspect(f"oci-archive:{tmp_path / 'img.tar'}:latest")["config"]["digest"] == img.id
    # umoci applies whiteouts/opaque dirs the way a container runtime must.
    bundle = tmp_path / "bundle"
    out = subprocess.run(["umoci", "raw", "unpack", "--rootless", "--image", f"{tmp_path / 'layout'}:latest",
                          str(bundle)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert (bundle / "data/keep").read_text() == "v2\n"
    assert not (bundle / "data/gone").exists()
    assert sorted(p.name for p in (bundle / "opaque").iterdir()) == ["new"]


@requires("runc", "userns")
def test_busybox_image_fixture_runs(nerdpy, busybox_image):
    out = nerdpy("run", "--rm", busybox_image, "sh", "-c", "echo hi; id -u user; ls -ld /tmp")
    lines = out.stdout.splitlines()
    assert lines[0] == "hi" and lines[1] == "1000" and lines[2].startswith("drwxrwxrwt")


@requires("runc", "userns")
def test_dynamic_busybox_resolves_names(nerdpy, tmp_path):
    """Static busybox cannot resolve names (glibc NSS); the dynamic rootfs can."""
    img = im.build_image([im.dynamic_busybox_rootfs()])
    nerdpy("load", "-i", im.write_docker_archive(tmp_path / "dyn.tar", img, ["rig-dynamic:latest"]))
    out = nerdpy("run", "--rm", "rig-dynamic:latest", "sh", "-c", "wget -q -O- http://localhost:9/ 2>&1; true")
    assert "Connection refused" in out.stdout, out.stdout  # resolved, then nothing listening
    nerdpy("rmi", "rig-dynamic:latest", check=False)
