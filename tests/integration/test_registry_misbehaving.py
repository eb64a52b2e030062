"""Pull against a misbehaving registry (tests/integration/registry_fake.py): every bad
answer is a one-line error with exit code 125 and leaves nothing in the store."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import time
from pathlib import Path

import pytest

from tests.integration.registry_fake import FakeRegistry, fake  # noqa: F401 - fixture

pytestmark = pytest.mark.integration


def small_image(images, size: int = 32 * 1024, compression: str = "gzip"):
    return images.build_image([images.LayerSpec().file("/payload", os.urandom(size))], compression=compression)


def blob_path(np, digest: str) -> Path:
    return np.data_root / "content" / "blobs" / "sha256" / digest.split(":", 1)[1]


def ingest_files(np) -> list[Path]:
    root = np.data_root / "content" / "ingest"
    return [p for p in root.rglob("data")] if root.exists() else []


def one_error_line(result, code: int = 125) -> str:
    """Exit 125, or 1 where the registry has no such object (Docker's rule for a missing object)."""
    assert result.returncode == code, result
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_blob_with_wrong_bytes_is_refused_and_nothing_stored(nerdpy, images, fake):
    img = small_image(images)
    layer = img.layers[0]
    fake.add("bad/blob", "v1", img)
    fake.corrupt[layer.digest] = bytes(b ^ 0xFF for b in layer.data)  # same size, other bytes
    line = one_error_line(nerdpy("pull", f"{fake.address}/bad/blob:v1", check=False))
    assert "does not match its digest" in line
    assert not blob_path(nerdpy, layer.digest).exists()
    assert not any(layer.digest.split(":")[1] in p.parent.joinpath("ref").read_text()
                   for p in ingest_files(nerdpy) if p.parent.joinpath("ref").exists())


def test_blob_longer_than_its_descriptor_is_refused(nerdpy, images, fake):
    img = small_image(images)
    layer = img.layers[0]
    fake.add("bad/long", "v1", img)
    fake.corrupt[layer.digest] = layer.data + b"trailing"
    line = one_error_line(nerdpy("pull", f"{fake.address}/bad/long:v1", check=False))
    assert "expected" in line or "does not match" in line
    assert not blob_path(nerdpy, layer.digest).exists()


def test_oversized_manifest_is_refused(nerdpy, fake):
    body = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "pad": "x" * (5 << 20)}).encode()
    fake.manifests[("bad/huge", "v1")] = (body, "application/vnd.oci.image.manifest.v1+json")
    line = one_error_line(nerdpy("pull", f"{fake.address}/bad/huge:v1", check=False))
    assert "too large" in line or "larger than" in line
    assert not blob_path(nerdpy, "sha256:" + hashlib.sha256(body).hexdigest()).exists()


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"schemaVersion": 2, "config": {}}'])
def test_malformed_manifest_is_refused(nerdpy, fake, body):
    fake.manifests[("bad/malformed", "v1")] = (body, "application/vnd.oci.image.manifest.v1+json")
    line = one_error_line(nerdpy("pull", f"{fake.address}/bad/malformed:v1", check=False))
    assert "malformed" in line


def test_ambiguous_manifest_is_refused(nerdpy, images, fake):
    img = small_image(images)
    doc = json.loads(img.manifest.data)
    doc["manifests"] = []
    fake.manifests[("bad/ambiguous", "v1")] = (json.dumps(doc).encode(), img.manifest.media_type)
    line = one_error_line(nerdpy("pull", f"{fake.address}/bad/ambiguous:v1", check=False))
    assert "malformed" in line


@pytest.mark.parametrize("media_type", ["application/vnd.example.unknown+json",
                                        "application/vnd.docker.distribution.manifest.v1+prettyjws"])
def test_unsupported_manifest_media_type(nerdpy, fake, media_type):
    body = json.dumps({"schemaVersion": 2, "mediaType": media_type, "config": {}, "layers": []}).encode()
    fake.manifests[("bad/type", "v1")] = (body, media_type)
    line = one_error_line(nerdpy("pull", f"{fake.address}/bad/type:v1", check=False))
    assert "unsupported" in line


def test_unsupported_layer_media_type(nerdpy, images, fake):
    img = small_image(images)
    doc = json.loads(img.manifest.data)
    doc["layers"][0]["mediaType"] = "application/vnd.example.layer.v1.tar+lz4"
    fake.manifests[("bad/layer", "v1")] = (json.dumps(doc).encode(), img.manifest.media_type)
    fake.blobs.update({img.config.digest: img.config.data, img.layers[0].digest: img.layers[0].data})
    line = one_error_line(nerdpy("pull", f"{fake.address}/bad/layer:v1", check=False))
    assert "unsupported layer media type" in line
    assert not blob_path(nerdpy, img.layers[0].digest).exists()


def test_unknown_tag_is_not_found(nerdpy, fake):
    line = one_error_line(nerdpy("pull", f"{fake.address}/no/such:v1", check=False), code=1)
    assert "not found" in line


def test_401_without_credentials(nerdpy, images, fake, tmp_path):
    fake.auth = "bearer"
    fake.add("private/app", "v1", small_image(images))
    result = nerdpy("pull", f"{fake.address}/private/app:v1", check=False, env={"DOCKER_CONFIG": str(tmp_path)})
    line = one_error_line(result)
    assert "unauthorized" in line and "login" in line


def test_token_flow_with_login(nerdpy, images, fake, tmp_path):
    fake.auth = "bearer"
    img = small_image(images)
    fake.add("private/tok", "v1", img)
    env = {"DOCKER_CONFIG": str(tmp_path)}
    bad = nerdpy("login", "-u", "alice", "--password-stdin", fake.address, input="wrong\n", check=False, env=env)
    assert "unauthorized" in one_error_line(bad)
    assert not (tmp_path / "config.json").exists()
    nerdpy("login", "-u", "alice", "--password-stdin", fake.address, input="s3cret\n", env=env)
    out = nerdpy("pull", "-q", f"{fake.address}/private/tok:v1", env=env).stdout
    assert out.strip() == f"{fake.address}/private/tok:v1"
    tokens = fake.requests_for("/token")
    assert tokens and all(s.headers.get("Authorization", "").startswith("Basic ") for s in tokens)
    scopes = [s.path for s in tokens if "scope=repository" in s.path]
    assert scopes and "private%2Ftok%3Apull" in scopes[-1]
    blob_gets = fake.requests_for(f"/blobs/{img.layers[0].digest}")
    assert blob_gets and all(s.headers.get("Authorization") == "Bearer tok-alice" for s in blob_gets)
    assert blob_path(nerdpy, img.layers[0].digest).exists()


def test_anonymous_token(nerdpy, images, fake, tmp_path):
    fake.auth = "bearer"
    fake.anonymous_tokens = True
    fake.add("public/anon", "v1", small_image(images))
    nerdpy("pull", "-q", f"{fake.address}/public/anon:v1", env={"DOCKER_CONFIG": str(tmp_path)})
    tokens = fake.requests_for("/token")
    assert tokens and not any("Authorization" in s.headers for s in tokens)


def test_registry_down(nerdpy):
    from tests.fixtures.images import free_port

    started = time.monotonic()
    line = one_error_line(nerdpy("pull", f"127.0.0.1:{free_port()}/some/image:v1", check=False))
    assert "cannot reach registry" in line and "connection refused" in line
    assert time.monotonic() - started < 20  # bounded retries


def test_redirect_to_another_host_drops_authorization(nerdpy, images, tmp_path):
    cdn = FakeRegistry(host="127.0.0.1").start()
    reg = FakeRegistry(host="127.0.0.1").start()
    try:
        img = small_image(images)
        cdn.add("x", "x", img)
        reg.add("private/cdn", "v1", img)
        reg.auth = "bearer"
        # "localhost" and "127.0.0.1" are different hosts to the client.
        reg.redirect_blobs_to = f"http://localhost:{cdn.port}"
        env = {"DOCKER_CONFIG": str(tmp_path)}
        nerdpy("login", "-u", "alice", "--password-stdin", reg.address, input="s3cret\n", env=env)
        nerdpy("pull", "-q", f"{reg.address}/private/cdn:v1", env=env)
        served = cdn.requests_for("/blob/")
        assert served, "the blob was not fetched from the redirect target"
        assert not any("Authorization" in s.headers for s in served)
        assert any(s.headers.get("Authorization") == "Bearer tok-alice" for s in reg.requests_for("/blobs/"))
    finally:
        cdn.stop()
        reg.stop()


def test_no_manifest_for_platform_names_the_available_ones(nerdpy, images, fake):
    amd = small_image(images)
    arm = images.build_image([images.LayerSpec().file("/arm", os.urandom(64))], architecture="arm64", variant="v8")
    fake.add("multi/plat", "v1", images.build_index([amd, arm]))
    line = one_error_line(nerdpy("pull", "--platform", "linux/s390x", f"{fake.address}/multi/plat:v1", check=False),
                          code=1)
    assert "linux/amd64" in line and "linux/arm64" in line


def _wait_for_ingest(np, minimum: int, proc, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for data in ingest_files(np):
            try:
                if data.stat().st_size >= minimum:
                    return
            except FileNotFoundError:
                continue
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError("the pull never started writing")


def test_kill_9_during_pull_then_pull_again_resumes(fresh_nerdpy, images, fake):
    np = fresh_nerdpy
    img = images.build_image([images.LayerSpec().file("/big", os.urandom(3 << 20))], compression=None)
    layer = img.layers[0]
    fake.add("slow/app", "v1", img)
    fake.throttle = 1 << 20  # 1 MB/s: the 3 MB layer takes ~3 s
    proc = np.popen("pull", "-q", f"{fake.address}/slow/app:v1")
    try:
        _wait_for_ingest(np, 256 * 1024, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert not blob_path(np, layer.digest).exists()
    partial = max(p.stat().st_size for p in ingest_files(np))
    assert 0 < partial < layer.size
    fake.throttle = 0
    out = np("pull", f"{fake.address}/slow/app:v1").stdout
    assert f"Digest: {img.digest}" in out
    ranges = [s.headers.get("Range") for s in fake.requests_for(f"/blobs/{layer.digest}")]
    resumed = [r for r in ranges if r]
    assert resumed and int(resumed[-1].split("=")[1].rstrip("-")) >= partial
    assert hashlib.sha256(blob_path(np, layer.digest).read_bytes()).hexdigest() == layer.digest.split(":")[1]
    assert not ingest_files(np)
    again = np("pull", f"{fake.address}/slow/app:v1").stdout
    assert "Image is up to date" in again
    inspected = np("image", "inspect", "--format", "{{.Id}} {{json .RepoDigests}}", f"{fake.address}/slow/app:v1")
    assert inspected.stdout.strip() == f'{img.id} ["{fake.address}/slow/app@{img.digest}"]'


def test_resume_when_the_server_ignores_range(fresh_nerdpy, images, fake):
    np = fresh_nerdpy
    img = images.build_image([images.LayerSpec().file("/big", os.urandom(2 << 20))], compression=None)
    fake.add("slow/norange", "v1", img)
    fake.throttle = 1 << 20
    proc = np.popen("pull", "-q", f"{fake.address}/slow/norange:v1")
    try:
        _wait_for_ingest(np, 128 * 1024, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    fake.throttle = 0
    fake.ignore_range = True  # answers 200 with the whole blob: the partial bytes must be dropped
    np("pull", "-q", f"{fake.address}/slow/norange:v1")
    data = blob_path(np, img.layers[0].digest).read_bytes()
    assert hashlib.sha256(data).hexdigest() == img.layers[0].digest.split(":")[1]


def test_two_concurrent_pulls_both_succeed_with_one_copy(fresh_nerdpy, images, fake):
    np = fresh_nerdpy
    img = images.build_image([images.LayerSpec().file("/big", os.urandom(1 << 20))], compression=None)
    layer = img.layers[0]
    fake.add("conc/app", "v1", img)
    fake.throttle = 2 << 20
    procs = [np.popen("pull", "-q", f"{fake.address}/conc/app:v1") for _ in range(2)]
    results = [(p.wait(60), *p.communicate()) for p in procs]
    for code, out, err in results:
        assert code == 0, err
        assert out.strip() == f"{fake.address}/conc/app:v1"
    full = [s for s in fake.requests_for(f"/blobs/{layer.digest}") if not s.headers.get("Range")]
    assert len(full) == 1, "the second pull should wait for the first and reuse its blob"
    blobs = list((np.data_root / "content" / "blobs" / "sha256").iterdir())
    assert len([b for b in blobs if b.name == layer.digest.split(":")[1]]) == 1
    assert not ingest_files(np)


def _host_ip() -> str:
    """A non-loopback address of this host (plain HTTP there is not implicitly allowed)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect(("192.0.2.123", 9))  # no packet is sent: this only picks the source address
        address = sock.getsockname()[0]
    assert not address.startswith("127."), "this host has no non-loopback IPv4 address"
    return address


def test_https_by_default_and_insecure_registry_flag(nerdpy, images):
    reg = FakeRegistry(host=_host_ip()).start()
    try:
        reg.add("lan/app", "v1", small_image(images))
        ref = f"{reg.address}/lan/app:v1"
        line = one_error_line(nerdpy("pull", ref, check=False))
        assert "TLS" in line and "--insecure-registry" in line
        assert not reg.seen, "no plain-HTTP request may reach a registry that is not insecure"
        out = nerdpy("--insecure-registry", reg.address, "pull", "-q", ref).stdout
        assert out.strip() == ref
    finally:
        reg.stop()


def test_foreign_layer_urls_are_never_fetched(nerdpy, images, fake):
    elsewhere = FakeRegistry().start()
    try:
        img = small_image(images)
        doc = json.loads(img.manifest.data)
        doc["layers"][0]["mediaType"] = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
        doc["layers"][0]["urls"] = [f"http://{elsewhere.address}/foreign/{img.layers[0].digest}"]
        body = json.dumps(doc).encode()
        fake.manifests[("foreign/app", "v1")] = (body, img.manifest.media_type)
        fake.blobs.update({img.config.digest: img.config.data, img.layers[0].digest: img.layers[0].data})
        nerdpy("pull", "-q", f"{fake.address}/foreign/app:v1")
        assert not elsewhere.seen
        assert fake.requests_for(f"/blobs/{img.layers[0].digest}")
        # Not in the registry either: a clean error, still without touching the URL.
        other = small_image(images)
        doc2 = json.loads(other.manifest.data)
        doc2["layers"][0]["mediaType"] = doc["layers"][0]["mediaType"]
        doc2["layers"][0]["urls"] = [f"http://{elsewhere.address}/foreign/{other.layers[0].digest}"]
        fake.manifests[("foreign/gone", "v1")] = (json.dumps(doc2).encode(), other.manifest.media_type)
        fake.blobs[other.config.digest] = other.config.data
        line = one_error_line(nerdpy("pull", f"{fake.address}/foreign/gone:v1", check=False), code=1)
        assert "not found" in line and not elsewhere.seen
    finally:
        elsewhere.stop()


def test_dropped_connection_resumes_with_range_in_the_same_pull(nerdpy, images, fake):
    img = images.build_image([images.LayerSpec().file("/drop", os.urandom(512 * 1024))], compression=None)
    layer = img.layers[0]
    fake.add("drop/app", "v1", img)
    fake.drop_after = 400_000  # past the first 256 KiB read: that much is kept
    nerdpy("pull", "-q", f"{fake.address}/drop/app:v1")
    ranges = [s.headers.get("Range") for s in fake.requests_for(f"/blobs/{layer.digest}")]
    assert ranges[0] is None and any(r and int(r.split("=")[1].rstrip("-")) > 0 for r in ranges[1:])
    assert hashlib.sha256(blob_path(nerdpy, layer.digest).read_bytes()).hexdigest() == layer.digest[7:]
