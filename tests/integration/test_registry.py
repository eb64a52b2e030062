"""pull/push/login/logout against a real registry (Debian's docker-registry, the rig's fixture)."""

from __future__ import annotations

import json
import os
import platform
import stat
import urllib.request
import uuid
import warnings
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import requires

pytestmark = pytest.mark.integration

HOST_ARCH = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())


def repo_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def blob_path(np, digest: str) -> Path:
    return np.data_root / "content" / "blobs" / "sha256" / digest.split(":", 1)[1]


def inspect(np, ref: str, template: str) -> str:
    return np("image", "inspect", "--format", template, ref).stdout.strip()


def registry_manifest(registry: str, repo: str, ref: str) -> tuple[str, bytes]:
    req = urllib.request.Request(f"http://{registry}/v2/{repo}/manifests/{ref}", headers={
        "Accept": "application/vnd.oci.image.manifest.v1+json, "
                  "application/vnd.docker.distribution.manifest.v2+json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.headers["Docker-Content-Digest"], resp.read()


def test_pull_multi_layer_image_with_docker_media_types(nerdpy, registry, images):
    layers = [images.busybox_rootfs(), images.LayerSpec().file("/etc/one", "1\n"),
              images.LayerSpec().file("/etc/two", os.urandom(4096))]
    img = images.build_image(layers, docker=True)
    repo = repo_name("multi")
    images.push(registry, repo, "v1", img)
    out = nerdpy("pull", f"{registry}/{repo}:v1").stdout
    assert f"Digest: {img.digest}" in out
    assert f"Status: Downloaded newer image for {registry}/{repo}:v1" in out
    assert out.splitlines()[-1] == f"{registry}/{repo}:v1"
    for layer in img.layers:
        assert blob_path(nerdpy, layer.digest).exists()
    assert inspect(nerdpy, f"{registry}/{repo}:v1", "{{.Id}}") == img.id
    again = nerdpy("pull", f"{registry}/{repo}:v1").stdout
    assert "Image is up to date" in again


@requires("runc")
def test_pulled_layers_run(nerdpy, registry, images):
    """End to end: a pulled multi-layer zstd image unpacks in order (later layers win) and runs."""
    layers = [images.busybox_rootfs(), images.LayerSpec().file("/etc/msg", "first\n"),
              images.LayerSpec().file("/etc/msg", "second\n")]
    img = images.build_image(layers, compression="zstd")
    repo = repo_name("runs")
    images.push(registry, repo, "v1", img)
    nerdpy("pull", "-q", f"{registry}/{repo}:v1")
    out = nerdpy("run", "--rm", "--network", "none", f"{registry}/{repo}:v1", "cat", "/etc/msg").stdout
    assert out == "second\n"


def test_pull_index_selects_the_host_platform_or_the_asked_one(nerdpy, registry, images):
    index = images.two_platform_index()
    amd, arm = index.images
    repo = repo_name("index")
    images.push(registry, repo, "v1", index)
    ref = f"{registry}/{repo}:v1"
    assert nerdpy("pull", "-q", ref).stdout.strip() == ref
    if HOST_ARCH == "amd64":
        assert inspect(nerdpy, ref, "{{.Id}}") == amd.id
    nerdpy("pull", "-q", "--platform", "linux/arm64", ref)
    assert inspect(nerdpy, ref, "{{.Id}} {{.Architecture}}") == f"{arm.id} arm64"
    bad = nerdpy("pull", "--platform", "linux/ppc64le", ref, check=False)
    assert bad.returncode == 1 and "linux/amd64" in bad.stderr and "linux/arm64" in bad.stderr


@pytest.mark.parametrize("compression", ["zstd", None])
def test_pull_zstd_and_uncompressed_layers(nerdpy, registry, images, compression):
    img = images.build_image([images.busybox_rootfs(), images.LayerSpec().file("/z", os.urandom(1000))],
                             compression=compression)
    repo = repo_name(f"comp-{compression or 'none'}")
    images.push(registry, repo, "v1", img)
    nerdpy("pull", "-q", f"{registry}/{repo}:v1")
    media = {layer.media_type for layer in img.layers}
    assert media == {"application/vnd.oci.image.layer.v1.tar" + ("+zstd" if compression else "")}
    assert inspect(nerdpy, f"{registry}/{repo}:v1", "{{.Id}}") == img.id


def test_config_only_change_fetches_only_the_config(nerdpy, registry, images):
    layer = images.make_layer(images.LayerSpec().file("/shared", os.urandom(50_000)))
    first = images.build_image([layer], config={"Env": ["A=1"]})
    second = images.build_image([layer], config={"Env": ["A=2"]})
    assert first.id != second.id and first.layers[0].digest == second.layers[0].digest
    repo = repo_name("cfg")
    images.push(registry, repo, "one", first)
    images.push(registry, repo, "two", second)
    nerdpy("pull", f"{registry}/{repo}:one")
    out = nerdpy("pull", f"{registry}/{repo}:two").stdout
    assert f"{layer.digest.split(':')[1][:12]}: Already exists" in out
    assert "Pull complete" not in out
    assert inspect(nerdpy, f"{registry}/{repo}:two", "{{.Id}}") == second.id
    assert inspect(nerdpy, f"{registry}/{repo}:one", "{{.Id}}") == first.id


def test_pull_by_digest(nerdpy, registry, images):
    img = images.build_image([images.LayerSpec().file("/d", os.urandom(100))])
    repo = repo_name("dig")
    images.push(registry, repo, "v1", img)
    ref = f"{registry}/{repo}@{img.digest}"
    assert nerdpy("image", "pull", "-q", ref).stdout.strip() == ref  # the typer path, not the fast one


@pytest.mark.parametrize("ref", ["Upper:v1", "a:b:c", "x@sha256:123"])
def test_invalid_reference_is_one_line(nerdpy, ref):
    result = nerdpy("pull", ref, check=False)
    assert result.returncode == 125
    assert result.stderr.startswith("Error: invalid reference") and result.stderr.count("\n") == 1


def test_push_chunked_monolithic_skip_and_mount(nerdpy, registry, images):
    big = images.make_layer(images.LayerSpec().file("/big", os.urandom(20 << 20)), compression=None)
    img = images.build_image([images.LayerSpec().file("/small", "x"), big])
    src = repo_name("pushsrc")
    images.push(registry, src, "v1", img)
    nerdpy("pull", "-q", f"{registry}/{src}:v1")
    dest = repo_name("pushdst")
    nerdpy("tag", f"{registry}/{src}:v1", f"{registry}/{dest}:v2")
    nerdpy("image", "rm", f"{registry}/{src}:v1")  # no mount source: a real upload
    out = nerdpy("push", f"{registry}/{dest}:v2").stdout
    assert f"The push refers to repository [{registry}/{dest}]" in out
    assert f"{big.digest.split(':')[1][:12]}: Pushed" in out
    digest, body = registry_manifest(registry, dest, "v2")
    assert digest == img.digest and body == img.manifest.data
    again = nerdpy("push", f"{registry}/{dest}:v2").stdout
    assert "Layer already exists" in again and f"v2: digest: {img.digest} size: {len(body)}" in again
    third = repo_name("pushmnt")
    nerdpy("tag", f"{registry}/{dest}:v2", f"{registry}/{third}:v3")
    mounted = nerdpy("push", f"{registry}/{third}:v3").stdout
    assert f"Mounted from {dest}" in mounted
    assert registry_manifest(registry, third, "v3")[0] == img.digest


def test_push_unknown_image_fails_cleanly(nerdpy, registry):
    result = nerdpy("push", f"{registry}/nothing/here:v1", check=False)
    assert result.returncode == 1 and "An image does not exist locally with the tag" in result.stderr


@pytest.fixture
def auth_registry(tmp_path_factory, images) -> Iterator[tuple[str, str, str]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt  # bcrypt via libxcrypt: no extra package needed

        hashed = crypt.crypt("pa55word", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))
    assert hashed.startswith("$2")
    work = tmp_path_factory.mktemp("authreg")
    htpasswd = work / "htpasswd"
    htpasswd.write_text(f"bob:{hashed}\n")
    reg = images.LocalRegistry(work, htpasswd=htpasswd).start()
    yield reg.address, "bob", "pa55word"
    reg.stop()


def test_login_pull_logout_round_trip(nerdpy, images, auth_registry, tmp_path):
    address, user, password = auth_registry
    img = images.build_image([images.LayerSpec().file("/secret", os.urandom(100))])
    images.push(address, "private/app", "v1", img, auth=(user, password))
    env = {"DOCKER_CONFIG": str(tmp_path / "docker")}
    ref = f"{address}/private/app:v1"

    denied = nerdpy("pull", ref, check=False, env=env)
    assert denied.returncode == 125 and "unauthorized" in denied.stderr

    wrong = nerdpy("login", "-u", user, "--password-stdin", address, input="nope\n", check=False, env=env)
    assert wrong.returncode == 125 and "unauthorized" in wrong.stderr
    assert not (tmp_path / "docker" / "config.json").exists()

    ok = nerdpy("login", "-u", user, "--password-stdin", address, input=password + "\n", env=env)
    assert "Login Succeeded" in ok.stdout
    config = tmp_path / "docker" / "config.json"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    auths = json.loads(config.read_text())["auths"]
    assert list(auths) == [address]

    assert nerdpy("pull", "-q", ref, env=env).stdout.strip() == ref

    out = nerdpy("logout", address, env=env).stdout
    assert f"Removing login credentials for {address}" in out
    assert json.loads(config.read_text())["auths"] == {}
    assert "Not logged in" in nerdpy("logout", address, env=env).stdout
    nerdpy("image", "rm", ref, env=env)
    after = nerdpy("pull", ref, check=False, env=env)
    assert after.returncode == 125 and "unauthorized" in after.stderr


def test_login_keeps_other_config_keys(nerdpy, auth_registry, tmp_path):
    address, user, password = auth_registry
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"auths": {"other.example": {"auth": "eDp5"}}, "psFormat": "table"}))
    nerdpy("login", "-u", user, "-p", password, address, env={"DOCKER_CONFIG": str(tmp_path)})
    data = json.loads(config.read_text())
    assert data["psFormat"] == "table" and set(data["auths"]) == {"other.example", address}
