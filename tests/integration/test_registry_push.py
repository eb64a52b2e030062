"""push the Docker way: a tag-less name pushes :latest, -a/--all-tags pushes every local tag,
and an image whose target is an index pushes the index with every child present here
(children only the registry has are named; children nobody has fail the push)."""

from __future__ import annotations

import json
import urllib.request
import uuid

import pytest

from tests.conftest import requires

pytestmark = [pytest.mark.integration, requires("busybox", "userns", "newuidmap")]


def tags(registry: str, repo: str) -> list[str]:
    try:
        with urllib.request.urlopen(f"http://{registry}/v2/{repo}/tags/list", timeout=10) as resp:
            return sorted(json.load(resp).get("tags") or [])
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return []
        raise


def manifest_digest(registry: str, repo: str, ref: str) -> str | None:
    req = urllib.request.Request(f"http://{registry}/v2/{repo}/manifests/{ref}", method="HEAD", headers={
        "Accept": "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.headers["Docker-Content-Digest"]
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise


def load_tagged(nerdpy, layout, registry: str, prefix: str) -> tuple[str, str]:
    """Load an OCI layout and tag it `<registry>/<prefix>-<unique>:v1`; (that name, its repository)."""
    repo = f"{prefix}-{uuid.uuid4().hex[:8]}"
    name = f"{registry}/{repo}:v1"
    nerdpy("tag", nerdpy("load", "-q", "-i", layout).stdout.split()[-1], name)
    return name, repo


def test_tagless_push_is_latest_and_all_tags_pushes_every_tag(nerdpy, registry, busybox_image):
    repo = f"tags-{uuid.uuid4().hex[:8]}"
    for tag in ("latest", "v1", "v2"):
        nerdpy("tag", busybox_image, f"{registry}/{repo}:{tag}")
    out = nerdpy("push", f"{registry}/{repo}").stdout
    assert out.startswith(f"Using default tag: latest\nThe push refers to repository [{registry}/{repo}]\n")
    assert tags(registry, repo) == ["latest"]
    bad = nerdpy("push", "-a", f"{registry}/{repo}:v1", check=False)
    assert bad.returncode == 125 and "tag can't be used with --all-tags/-a" in bad.stderr
    out = nerdpy("push", "--all-tags", f"{registry}/{repo}").stdout
    assert "Using default tag" not in out
    assert [line.split(":")[0] for line in out.splitlines() if ": digest: " in line] == ["latest", "v1", "v2"]
    assert tags(registry, repo) == ["latest", "v1", "v2"]
    missing = nerdpy("push", f"{registry}/nothing-{repo}", check=False)
    assert missing.returncode == 1
    assert f"An image does not exist locally with the tag: {registry}/nothing-{repo}" in missing.stderr
    for tag in ("latest", "v1", "v2"):
        nerdpy("rmi", f"{registry}/{repo}:{tag}")


def test_index_push_sends_every_present_child_then_the_index(nerdpy, registry, images, tmp_path):
    index = images.two_platform_index()
    layout = images.write_oci_layout(tmp_path / "layout", index)
    name, repo = load_tagged(nerdpy, layout, registry, "multi")
    nerdpy("push", name)
    assert manifest_digest(registry, repo, "v1") == index.digest
    for child in index.images:
        assert manifest_digest(registry, repo, child.digest) == child.digest
    nerdpy("rmi", name)


def test_index_push_with_a_missing_child(nerdpy, registry, images, tmp_path):
    # Unique content: the session store must not already hold these children from another test.
    unique = images.LayerSpec().file("/unique", uuid.uuid4().hex)
    amd = images.build_image([images.busybox_rootfs(), unique])
    arm = images.build_image([images.busybox_rootfs(), unique], architecture="arm64", variant="v8")
    index = images.build_index([amd, arm])
    layout = images.write_oci_layout(tmp_path / "layout", index)
    (layout / "blobs" / "sha256" / arm.digest.split(":")[1]).unlink()  # only linux/amd64 is here
    name, repo = load_tagged(nerdpy, layout, registry, "partial")
    # As Docker: the one platform that is here goes alone, and the output says so.
    single = nerdpy("push", name).stdout
    assert "only the available single-platform image was pushed" in single
    assert f"{index.digest} -> {amd.digest}" in single
    assert manifest_digest(registry, repo, "v1") == amd.digest
    assert f"v1: digest: {amd.digest}" in nerdpy("push", "--platform", "linux/amd64", name).stdout
    wrong = nerdpy("push", "--platform", "linux/arm64", name, check=False)
    assert wrong.returncode == 1 and "not present locally" in wrong.stderr
    images.push(registry, repo, None, arm)  # the registry gets the arm64 child by digest
    out = nerdpy("push", name).stdout
    assert "linux/arm64/v8: not present locally, already in the registry" in out
    assert manifest_digest(registry, repo, "v1") == index.digest
    assert manifest_digest(registry, repo, amd.digest) == amd.digest
    nerdpy("rmi", name)


def test_index_push_with_several_platforms_here_and_one_missing_fails(nerdpy, registry, images, tmp_path):
    unique = images.LayerSpec().file("/unique", uuid.uuid4().hex)
    amd = images.build_image([images.busybox_rootfs(), unique])
    arm = images.build_image([images.busybox_rootfs(), unique], architecture="arm64", variant="v8")
    s390 = images.build_image([images.busybox_rootfs(), unique], architecture="s390x")
    layout = images.write_oci_layout(tmp_path / "layout", images.build_index([amd, arm, s390]))
    (layout / "blobs" / "sha256" / s390.digest.split(":")[1]).unlink()
    name, repo = load_tagged(nerdpy, layout, registry, "partial3")
    failed = nerdpy("push", name, check=False)
    assert failed.returncode == 1 and "linux/s390x" in failed.stderr and "Traceback" not in failed.stderr
    assert "--platform" in failed.stderr  # the hint names the way out
    assert manifest_digest(registry, repo, "v1") is None  # nothing under the tag
    nerdpy("rmi", name)
